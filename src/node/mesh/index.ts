export { DEFAULT_GRAFT_AFTER_MS, DEFAULT_MAX_LINKS, MeshNode } from './mesh-node';
export type { MeshNodeOptions, MeshStore, SessionTuning, SyncStatus } from './mesh-types';
