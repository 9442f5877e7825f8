import { ID_SIZE } from './item';

/**
 * A range boundary: the items of a range are those >= its lower bound and < its upper bound.
 * A bound is a timestamp plus the shortest id prefix that separates the two items around it (as in
 * negentropy); `ts = Infinity` is the bound past every item.
 */
export interface Bound {
  readonly ts: number;
  /** 0..16 bytes; compared lexicographically, a shorter prefix sorts first. */
  readonly prefix: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** The lowest bound: every item is >= it. */
export const ZERO_BOUND: Bound = Object.freeze({ ts: 0, prefix: EMPTY });
/** The bound past every item. */
export const INFINITE_BOUND: Bound = Object.freeze({ ts: Number.POSITIVE_INFINITY, prefix: EMPTY });

export function isInfinite(b: Bound): boolean {
  return b.ts === Number.POSITIVE_INFINITY;
}

/** Total order of bounds. */
export function compareBounds(a: Bound, b: Bound): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  const pa = a.prefix;
  const pb = b.prefix;
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
  }
  return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
}

/**
 * True when the item (ts, ids[off..off+16]) is >= the bound, i.e. it lies at or after the bound.
 */
export function itemAtOrAfter(b: Bound, ts: number, ids: Uint8Array, off: number): boolean {
  if (b.ts !== ts) return ts > b.ts;
  const p = b.prefix;
  for (let i = 0; i < p.length; i++) {
    const x = ids[off + i]!;
    if (x !== p[i]) return x > p[i]!;
  }
  return true;
}

/**
 * The shortest bound that is > the previous item and <= the current one (prev < curr). When the
 * timestamps differ the bound is the current timestamp alone; otherwise it carries the id prefix up
 * to and including the first differing byte.
 */
export function minimalBound(
  prevTs: number,
  prevIds: Uint8Array,
  prevOff: number,
  currTs: number,
  currIds: Uint8Array,
  currOff: number,
): Bound {
  if (currTs !== prevTs) return { ts: currTs, prefix: EMPTY };
  let shared = 0;
  while (shared < ID_SIZE && prevIds[prevOff + shared] === currIds[currOff + shared]) shared++;
  const len = Math.min(ID_SIZE, shared + 1);
  return { ts: currTs, prefix: currIds.slice(currOff, currOff + len) };
}
