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
import { LINEAGE_RING, SlotVectorStorage, type SlotItem } from '../../../../src/core/reconcile/slot-vector-storage';
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

/** A key that counts the terms it computes (the cost of a round's fingerprints). */
class CountingKey extends FingerprintKey {
  count = 0;
  override term(bytes: Uint8Array, off: number, out: Uint32Array, oOff: number): void {
    this.count++;
    super.term(bytes, off, out, oOff);
  }
}

/**
 * A chain of snapshots as the sync index makes them (SlotVectorStorage.rebuilt), over ids of their
 * own: `n` items first, then `step` appended (newest timestamps, so at the end) per snapshot.
 */
function chain(n: number, capacity: number) {
  const bytes = new Uint8Array(capacity * 16);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (Math.imul(i + 1, 0x9e3779b1) >>> 11) & 0xff;
  // (the slot in the last 4 bytes: ids all distinct)
  const view = new DataView(bytes.buffer);
  for (let slot = 0; slot < capacity; slot++) view.setUint32(slot * 16 + 12, slot, true);
  const ids = { bytes, words: new Uint32Array(bytes.buffer) };
  const itemAt = (slot: number): Item => ({ ts: slot, id: bytes.slice(slot * 16, slot * 16 + 16) });
  let next = 0;
  let items: Item[] = [];
  let snap = SlotVectorStorage.empty();
  const append = (count: number, drop: readonly Item[] = []): SlotVectorStorage => {
    const added = Array.from({ length: count }, (_, i) => ({ ts: next + i, slot: next + i }));
    const gone = new Set(drop.map((it) => hex(it.id)));
    items = [...items.filter((it) => !gone.has(hex(it.id))), ...added.map((a) => itemAt(a.slot))];
    next += count;
    snap = SlotVectorStorage.rebuilt(snap, drop, added, ids);
    return snap;
  };
  append(n);
  return { append, items: () => items, snap: () => snap };
}

/** The fingerprints of a round: the whole set and 8 slices of it. */
function round(st: SlotVectorStorage | SortedVectorStorage, key: FingerprintKey): string[] {
  const n = st.size;
  const out = [hex(st.fingerprint(key, 0, n))];
  for (let s = 0; s < 8; s++)
    out.push(hex(st.fingerprint(key, Math.floor((n * s) / 8), Math.floor((n * (s + 1)) / 8))));
  return out;
}

describe('SlotVectorStorage prefix sums along a chain of snapshots, several keys in turn', () => {
  /** A plain key with a counting key's bytes (the reference's: its terms are not counted). */
  const bytesOf = (_: CountingKey, b: number): FingerprintKey => new FingerprintKey(new Uint8Array(16).fill(b));

  it('computes per round the terms of what was added since the key last ran, not of the whole set', () => {
    const n = 20_000;
    const c = chain(n, n + 50 * 40);
    const fill = [1, 2, 3];
    const keys = fill.map((b) => new CountingKey(new Uint8Array(16).fill(b)));
    for (let r = 0; r < 30; r++) {
      const snap = c.append(50);
      const i = r % keys.length;
      const key = keys[i]!;
      const before = key.count;
      const got = round(snap, key);
      const terms = key.count - before;
      // The first round of each key sums the whole set once; after that, the 50 × 3 items appended
      // since the key's last round, and under BLOCK (8) terms per end of each of the 9 ranges.
      if (r >= keys.length) expect(terms, `round ${r}`).toBeLessThanOrEqual(50 * keys.length + 9 * 2 * 8);
      else expect(terms).toBeGreaterThanOrEqual(n);
      expect(got).toEqual(round(new SortedVectorStorage(c.items()), bytesOf(key, fill[i]!)));
    }
  });

  it('a drop at an early position invalidates the sums from its block on, for every key', () => {
    const n = 20_000;
    const c = chain(n, n + 50 * 20);
    const keys = [1, 2].map((b) => new CountingKey(new Uint8Array(16).fill(b)));
    for (let r = 0; r < 4; r++) round(c.append(50), keys[r % 2]!);
    // The item at position 20 (block 2) goes: every key recomputes from there, all but ~20 terms.
    const early = c.items()[20]!;
    c.append(50, [early]);
    for (const [i, key] of keys.entries()) {
      const before = key.count;
      const got = round(c.snap(), key);
      expect(key.count - before).toBeGreaterThanOrEqual(n - 24);
      expect(got).toEqual(round(new SortedVectorStorage(c.items()), bytesOf(key, i + 1)));
    }
    // And the rounds after are small again.
    for (let r = 0; r < 4; r++) {
      const key = keys[r % 2]!;
      const before = key.count;
      const got = round(c.append(50), key);
      expect(key.count - before).toBeLessThanOrEqual(100 + 9 * 2 * 8);
      expect(got).toEqual(round(new SortedVectorStorage(c.items()), bytesOf(key, (r % 2) + 1)));
    }
  });

  it('recomputes, correctly, for a key whose newest sums are older than the ring', () => {
    const n = 2000;
    const c = chain(n, n + LINEAGE_RING + 100);
    const idle = new CountingKey(new Uint8Array(16).fill(1));
    const busy = new CountingKey(new Uint8Array(16).fill(2));
    round(c.snap(), idle);
    // Within the ring: reused.
    for (let r = 0; r < LINEAGE_RING - 1; r++) {
      c.append(r % 50 === 0 ? 1 : 0);
      if (r % 100 === 0) round(c.snap(), busy);
    }
    let before = idle.count;
    let got = round(c.snap(), idle);
    expect(idle.count - before).toBeLessThanOrEqual(30 + 9 * 2 * 8);
    expect(got).toEqual(round(new SortedVectorStorage(c.items()), bytesOf(idle, 1)));
    // Past the ring: computed afresh.
    for (let r = 0; r < LINEAGE_RING + 1; r++) c.append(r % 100 === 0 ? 1 : 0);
    before = idle.count;
    got = round(c.snap(), idle);
    expect(idle.count - before).toBeGreaterThanOrEqual(n);
    expect(got).toEqual(round(new SortedVectorStorage(c.items()), bytesOf(idle, 1)));
  });
});
