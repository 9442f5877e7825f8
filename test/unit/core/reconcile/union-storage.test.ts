import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/core/random/mulberry32';
import type { Item } from '../../../../src/core/reconcile/item';
import { SortedVectorStorage } from '../../../../src/core/reconcile/sorted-vector-storage';
import { UnionStorage } from '../../../../src/core/reconcile/union-storage';
import { UNSESSIONED_FINGERPRINT_KEY as K } from '../../../../src/core/reconcile/fingerprint';

function items(rand: () => number, n: number): Item[] {
  return Array.from({ length: n }, () => ({
    ts: Math.floor(rand() * 50),
    id: Uint8Array.from({ length: 16 }, () => Math.floor(rand() * 256)),
  }));
}

describe('UnionStorage', () => {
  it('reads as the sorted union of base and the extra items', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rand = mulberry32(seed);
      const base = items(rand, Math.floor(rand() * 60));
      const extra = items(rand, Math.floor(rand() * 20));
      // Some extra items base already holds: counted once.
      const dup = base.slice(0, 3);
      const u = new UnionStorage(new SortedVectorStorage(base), [...extra, ...dup]);
      const want = new SortedVectorStorage([...base, ...extra]);
      expect(u.size).toBe(want.size);
      for (let i = 0; i < want.size; i++) {
        expect(u.timestampAt(i)).toBe(want.timestampAt(i));
        expect([...u.idAt(i)]).toEqual([...want.idAt(i)]);
        expect(u.indexOfId(0, u.size, want.idAt(i).slice())).toBe(i);
      }
      for (let k = 0; k < 30; k++) {
        const a = Math.floor(rand() * (want.size + 1));
        const b = a + Math.floor(rand() * (want.size + 1 - a));
        expect([...u.fingerprint(K, a, b)]).toEqual([...want.fingerprint(K, a, b)]);
        const probe = items(rand, 1)[0]!;
        const bound = { ts: probe.ts, prefix: probe.id.subarray(0, Math.floor(rand() * 17)) };
        expect(u.findLowerBound(bound, a, b)).toBe(want.findLowerBound(bound, a, b));
        if (b > a) {
          const i = a + Math.floor(rand() * (b - a));
          expect(u.indexOfId(a, b, want.idAt(i).slice())).toBe(i);
        }
      }
    }
  });
});
