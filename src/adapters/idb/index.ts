export { IdbStorage, type IdbStorageEvent, type IdbStorageOptions } from './idb-storage';
export { deleteIdbStorage, openIdbStorage } from './open-idb-storage';
export type { CompactionPolicy } from './compaction-trigger';
