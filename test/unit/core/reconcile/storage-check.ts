/**
 * Checks a reconciliation storage against the sorted items it must hold (the model tests of
 * SortedVectorStorage and SlotVectorStorage): every range's sum and fingerprint around the block
 * edges and at random, the lookups by id (scanned and hashed) and the lower bounds.
 */
import { expect } from 'vitest';
import { itemAtOrAfter, minimalBound } from '../../../../src/core/reconcile/bound';
import {
  type FingerprintKey,
  fingerprintOf,
  UNSESSIONED_FINGERPRINT_KEY,
} from '../../../../src/core/reconcile/fingerprint';
import type { Item } from '../../../../src/core/reconcile/item';
import type { ReconcileStorage } from '../../../../src/core/reconcile/storage';
import { add128 } from '../../../../src/core/reconcile/sum128';
import { hex } from './helpers';

export const keyOf = (it: Item): string => `${it.ts}:${hex(it.id)}`;

/** Uniform numbers in [0, 1) from a xorshift32 seeded by `seed` (the model tests' own draws). */
export function xorshift(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function termSum(key: FingerprintKey, items: readonly Item[], begin: number, end: number): number[] {
  const s = new Uint32Array(4);
  const t = new Uint32Array(4);
  for (let i = begin; i < end; i++) {
    key.term(items[i]!.id, 0, t, 0);
    add128(s, 0, t, 0, s, 0);
  }
  return [...s];
}

export function check(
  st: ReconcileStorage & { toArray(): Item[] },
  ref: readonly Item[],
  rand: () => number,
  key: FingerprintKey = UNSESSIONED_FINGERPRINT_KEY,
): void {
  expect(st.size).toBe(ref.length);
  expect(st.toArray().map(keyOf)).toEqual(ref.map(keyOf));
  const n = ref.length;
  // Ranges at and around every block edge near both ends, and random ones.
  const ends = new Set<number>([0, n]);
  for (let i = 0; i <= Math.min(n, 20); i++) ends.add(i).add(n - i);
  for (let k = 0; k < 12; k++) ends.add(Math.floor(rand() * (n + 1)));
  const list = [...ends].filter((e) => e >= 0 && e <= n).sort((a, b) => a - b);
  const out = new Uint32Array(6);
  for (const b of list) {
    for (const e of list) {
      if (e < b) continue;
      const want = termSum(key, ref, b, e);
      st.sum(key, b, e, out, 1);
      expect([...out.subarray(1, 5)], `sum [${b}, ${e}) of ${n}`).toEqual(want);
      expect(hex(st.fingerprint(key, b, e))).toBe(hex(fingerprintOf(Uint32Array.from(want), e - b)));
    }
  }
  for (let k = 0; k < Math.min(n, 30); k++) {
    const i = Math.floor(rand() * n);
    const id = ref[i]!.id;
    // The first position holding this id (an id may repeat at two timestamps), whole range (hashed past 256).
    const first = ref.findIndex((r) => hex(r.id) === hex(id));
    const found = st.indexOfId(0, n, id);
    expect(hex(ref[found]?.id ?? new Uint8Array(0))).toBe(hex(id));
    if (n <= 256) expect(found).toBe(first);
    // A narrow range around it is scanned; a range past its last copy finds nothing.
    expect(st.indexOfId(i, Math.min(n, i + 3), id)).toBe(i);
    const last = ref.map((r) => hex(r.id)).lastIndexOf(hex(id));
    expect(st.indexOfId(last + 1, n, id)).toBe(-1);
    if (i > 0) {
      const bound = minimalBound(ref[i - 1]!.ts, ref[i - 1]!.id, 0, ref[i]!.ts, ref[i]!.id, 0);
      expect(st.findLowerBound(bound)).toBe(ref.findIndex((r) => itemAtOrAfter(bound, r.ts, r.id, 0)));
    }
  }
  const absent = new Uint8Array(16).fill(0xee);
  expect(st.indexOfId(0, n, absent)).toBe(-1);
}
