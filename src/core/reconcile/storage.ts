import type { Bound } from './bound';
import type { FingerprintKey } from './fingerprint';

/**
 * A sorted set of items as the reconciler sees it. Items are ordered by (ts, id); indexes are
 * positions in that order. The set must not change while a reconciliation session is running
 * (between initiate and the last reconcile call): indexes and fingerprints are taken per message.
 */
export interface ReconcileStorage {
  /** Number of items. */
  readonly size: number;
  /** Timestamp of the item at index i (0 <= i < size). */
  timestampAt(i: number): number;
  /** Id of the item at index i: 16 bytes, a view that may be invalidated by the next mutation. */
  idAt(i: number): Uint8Array;
  /** First index in [begin, end) whose item is >= bound, or end if there is none. */
  findLowerBound(bound: Bound, begin?: number, end?: number): number;
  /**
   * Writes Σ key.term(id) (fingerprint.ts) of items begin..end-1, mod 2^128, to out[off..off+4].
   * One storage may serve several sessions at once, each with its own key: whatever a storage
   * caches of the sums, it caches per key.
   */
  sum(key: FingerprintKey, begin: number, end: number, out: Uint32Array, off?: number): void;
  /** The 16-byte fingerprint under `key` of items begin..end-1 (see fingerprint.ts). */
  fingerprint(key: FingerprintKey, begin: number, end: number): Uint8Array;
  /** Index in [begin, end) of the item with this id, or -1. */
  indexOfId(begin: number, end: number, id: Uint8Array): number;
}
