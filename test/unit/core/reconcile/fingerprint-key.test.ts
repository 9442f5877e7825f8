/**
 * The keyed fingerprint term (fingerprint.ts FingerprintKey, sync protocol 10): standard AES-128
 * on the id's bytes, inverted exactly by idFromTerm; fingerprints under one key do not depend on
 * which storage holds the set (a shared snapshot serving several keys included), and under two keys
 * they are unrelated.
 */
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FingerprintKey, fingerprintOf } from '../../../../src/core/reconcile/fingerprint';
import { compareItems, type Item } from '../../../../src/core/reconcile/item';
import { SlotVectorStorage, type SlotItem } from '../../../../src/core/reconcile/slot-vector-storage';
import { SortedVectorStorage } from '../../../../src/core/reconcile/sorted-vector-storage';
import { add128 } from '../../../../src/core/reconcile/sum128';
import { UnionStorage } from '../../../../src/core/reconcile/union-storage';
import { hex } from './helpers';

const seed = Number(process.env.SEED ?? Date.now());
console.log(`fingerprint key: fast-check seed ${seed} (replay with SEED=${seed})`);
const params = { seed, verbose: 1 as const };

const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const item = fc.record({ ts: fc.nat({ max: 50 }), id: bytes16 });
const itemSet = fc.uniqueArray(item, { maxLength: 300, selector: (it) => hex(it.id) });

/** A SlotVectorStorage of the items, over ids of its own (as the sync index shares its id table). */
function slotStorage(items: readonly Item[], prev?: { st: SlotVectorStorage; n: number }): SlotVectorStorage {
  const bytes = new Uint8Array(Math.max(1, items.length) * 16);
  items.forEach((it, i) => bytes.set(it.id, i * 16));
  const ids = { bytes, words: new Uint32Array(bytes.buffer) };
  const added: SlotItem[] = items.map((it, slot) => ({ ts: it.ts, slot })).slice(prev?.n ?? 0);
  added.sort((a, b) => compareItems(items[a.slot]!, items[b.slot]!));
  return SlotVectorStorage.rebuilt(prev?.st ?? SlotVectorStorage.empty(), [], added, ids);
}

function termSum(key: FingerprintKey, items: readonly Item[]): Uint32Array {
  const s = new Uint32Array(4);
  const t = new Uint32Array(4);
  for (const it of items) {
    key.term(it.id, 0, t, 0);
    add128(s, 0, t, 0, s, 0);
  }
  return s;
}

describe('FingerprintKey', () => {
  it('term is AES-128 of the id bytes (as Node computes it) and idFromTerm inverts it', () => {
    fc.assert(
      fc.property(bytes16, bytes16, (k, id) => {
        const key = new FingerprintKey(k);
        const t = new Uint32Array(4);
        key.term(id, 0, t, 0);
        const aes = createCipheriv('aes-128-ecb', k, null).setAutoPadding(false).update(id);
        expect(hex(new Uint8Array(t.buffer))).toBe(hex(new Uint8Array(aes))); // little-endian lanes
        expect(hex(key.idFromTerm(t, 0))).toBe(hex(id));
      }),
      params,
    );
    // at an offset inside a larger buffer, and into an offset of the output
    const key = new FingerprintKey(new Uint8Array(16).fill(7));
    const buf = new Uint8Array(40).map((_, i) => i * 13);
    const out = new Uint32Array(9);
    key.term(buf, 11, out, 5);
    expect(hex(key.idFromTerm(out, 5))).toBe(hex(buf.subarray(11, 27)));
    expect(() => new FingerprintKey(new Uint8Array(15))).toThrow(RangeError);
  });

  it('gives one fingerprint per set under one key, whichever storage holds it', () => {
    fc.assert(
      fc.property(bytes16, itemSet, fc.nat(), (k, items, cut) => {
        const key = new FingerprintKey(k);
        const sorted = [...items].sort(compareItems);
        const n = sorted.length;
        const want = hex(fingerprintOf(termSum(key, sorted), n));
        const plain = new SortedVectorStorage(items);
        const slot = slotStorage(items);
        const split = n === 0 ? 0 : cut % (n + 1);
        const union = new UnionStorage(new SortedVectorStorage(items.slice(0, split)), items.slice(split));
        for (const st of [plain, slot, union]) expect(hex(st.fingerprint(key, 0, n))).toBe(want);
        // and every range agrees across them
        for (let b = 0; b <= n; b += 7) {
          for (let e = b; e <= n; e += 11) {
            const f = hex(plain.fingerprint(key, b, e));
            expect(hex(slot.fingerprint(key, b, e))).toBe(f);
            expect(hex(union.fingerprint(key, b, e))).toBe(f);
            expect(f).toBe(hex(fingerprintOf(termSum(key, sorted.slice(b, e)), e - b)));
          }
        }
      }),
      { ...params, numRuns: 60 },
    );
  });

  it('gives unrelated fingerprints for one set under two keys', () => {
    fc.assert(
      fc.property(bytes16, bytes16, itemSet, (k1, k2, items) => {
        // (the empty set's fingerprint is its count term alone, the same under every key)
        fc.pre(hex(k1) !== hex(k2) && items.length > 0);
        const st = new SortedVectorStorage(items);
        const a = st.fingerprint(new FingerprintKey(k1), 0, st.size);
        const b = st.fingerprint(new FingerprintKey(k2), 0, st.size);
        expect(hex(a)).not.toBe(hex(b));
      }),
      params,
    );
    // About half the bits differ between the two keys' fingerprints, over many sets.
    const k1 = new FingerprintKey(new Uint8Array(16).fill(1));
    const k2 = new FingerprintKey(new Uint8Array(16).fill(2));
    let differ = 0;
    const sets = 200;
    for (let s = 0; s < sets; s++) {
      const st = new SortedVectorStorage(
        Array.from({ length: 20 }, (_, i) => ({
          ts: i,
          id: new Uint8Array(16).map((_, j) => (s * 31 + i * 7 + j) & 0xff),
        })),
      );
      const a = st.fingerprint(k1, 0, st.size);
      const b = st.fingerprint(k2, 0, st.size);
      for (let j = 0; j < 16; j++) differ += popcount(a[j]! ^ b[j]!);
    }
    expect(differ / (sets * 128)).toBeGreaterThan(0.45);
    expect(differ / (sets * 128)).toBeLessThan(0.55);
  });

  it('keeps prefix sums per key: one shared snapshot, sessions under several keys interleaved, and its successor', () => {
    const items: Item[] = Array.from({ length: 2000 }, (_, i) => ({
      ts: Math.floor(i / 3),
      id: new Uint8Array(16).map((_, j) => (i * 97 + j * 31 + ((i * j) >> 3)) & 0xff),
    }));
    const keys = [1, 2, 3].map((b) => new FingerprintKey(new Uint8Array(16).fill(b)));
    const first = items.slice(0, 1500);
    const shared = slotStorage(first);
    const sorted = new SortedVectorStorage(first);
    const ranges = [
      [0, 1500],
      [3, 1497],
      [800, 801],
      [17, 1200],
      [0, 9],
    ] as const;
    for (let round = 0; round < 3; round++) {
      for (const key of keys) {
        for (const [b, e] of ranges) {
          // (the SortedVectorStorage keeps one key's checkpoints: switching keys starts them over)
          expect(hex(shared.fingerprint(key, b, e)), `${round} ${b} ${e}`).toBe(hex(sorted.fingerprint(key, b, e)));
        }
      }
    }
    // The next snapshot (new items at the end, as the sync index adds recent versions) starts from
    // the previous one's prefix sums per key, and agrees with a storage built afresh.
    const next = slotStorage(items, { st: shared, n: 1500 });
    const fresh = new SortedVectorStorage(items);
    for (const key of [keys[1]!, keys[0]!, new FingerprintKey(new Uint8Array(16).fill(9))]) {
      for (const [b, e] of [...ranges, [0, 2000] as const, [1499, 2000] as const]) {
        expect(hex(next.fingerprint(key, b, e))).toBe(hex(fresh.fingerprint(key, b, e)));
      }
    }
    // A mutation of a SortedVectorStorage invalidates the kept key's checkpoints past it.
    sorted.insert({ ts: 0, id: new Uint8Array(16).fill(0xab) });
    const after = new SortedVectorStorage([...first, { ts: 0, id: new Uint8Array(16).fill(0xab) }]);
    for (const key of keys) expect(hex(sorted.fingerprint(key, 0, 1501))).toBe(hex(after.fingerprint(key, 0, 1501)));
  });
});

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v !== 0; v &= v - 1) c++;
  return c;
}
