export type { Bound } from './bound';
export { compareBounds, INFINITE_BOUND, minimalBound, ZERO_BOUND } from './bound';
export { ReconcileError, ReconcileErrorCode } from './errors';
export {
  FINGERPRINT_KEY_BYTES,
  FINGERPRINT_SIZE,
  FingerprintKey,
  fingerprintOf,
  UNSESSIONED_FINGERPRINT_KEY,
} from './fingerprint';
export type { Item } from './item';
export { checkItem, compareItems, ID_SIZE, MAX_ITEM_TS } from './item';
export type { Measurement, MeasureOptions } from './measure';
export { measureReconciliation, measureStorages } from './measure';
export { Mode, PROTOCOL_VERSION } from './message';
export type { ReconcileResult, ReconcilerOptions } from './reconciler';
export { DEFAULT_FRAME_SIZE_LIMIT, MIN_FRAME_SIZE_LIMIT, Reconciler } from './reconciler';
export { SortedVectorStorage } from './sorted-vector-storage';
export type { ReconcileTuning, Role } from './split-policy';
export { DEFAULT_TUNING } from './split-policy';
export type { ReconcileStorage } from './storage';
