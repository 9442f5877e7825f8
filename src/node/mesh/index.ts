export { DEFAULT_GRAFT_AFTER_MS, MeshNode } from './mesh-node';
export type { Admission, MeshNodeOptions, MeshStore, SessionTuning, SyncStatus } from './mesh-types';
