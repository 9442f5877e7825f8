import { ReconcileError, ReconcileErrorCode } from './errors';

/** Bytes in an item id. Ids are hashes of the version content, so they are uniformly distributed. */
export const ID_SIZE = 16;

/**
 * One element of the reconciled set: a stored CRDT component version. Items are ordered by
 * (ts, id bytes lexicographic); ordering by time first lets recent divergence be found fast.
 */
export interface Item {
  /** HLC physical time in ms: an integer in [0, MAX_ITEM_TS]. */
  readonly ts: number;
  /** Exactly ID_SIZE bytes. */
  readonly id: Uint8Array;
}

/**
 * The largest item timestamp. A bound is sent as (timestamp delta + 1), with 0 meaning "past every
 * item", so the delta from 0 must stay one below 2^53 - 1 to be an exact varint.
 */
export const MAX_ITEM_TS = Number.MAX_SAFE_INTEGER - 1;

function isValidTimestamp(ts: number): boolean {
  return Number.isSafeInteger(ts) && ts >= 0 && ts <= MAX_ITEM_TS;
}

/** Throws a usage ReconcileError unless the item has a valid timestamp and a 16-byte id. */
export function checkItem(item: Item): void {
  if (!isValidTimestamp(item.ts)) {
    throw new ReconcileError(
      ReconcileErrorCode.Usage,
      `item timestamp must be an integer in [0, ${MAX_ITEM_TS}]: ${item.ts}`,
    );
  }
  if (!(item.id instanceof Uint8Array) || item.id.length !== ID_SIZE) {
    throw new ReconcileError(ReconcileErrorCode.Usage, `item id must be a Uint8Array of ${ID_SIZE} bytes`);
  }
}

/** Lexicographic comparison of two byte strings (a shorter prefix sorts first). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Total order of items: timestamp, then id bytes. */
export function compareItems(a: Item, b: Item): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  return compareBytes(a.id, b.id);
}
