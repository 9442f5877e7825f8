import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareBounds,
  itemAtOrAfter,
  minimalBound,
  ZERO_BOUND,
  INFINITE_BOUND,
} from '../../../../src/core/reconcile/bound';
import { ReconcileError, ReconcileErrorCode } from '../../../../src/core/reconcile/errors';
import {
  combineState,
  decodeFingerprint,
  encodeFingerprint,
  fingerprintOf,
  sumFromState,
  UNSESSIONED_FINGERPRINT_KEY,
} from '../../../../src/core/reconcile/fingerprint';
import { compareItems, type Item } from '../../../../src/core/reconcile/item';
import { decodeMessage, MessageEncoder, PROTOCOL_VERSION } from '../../../../src/core/reconcile/message';
import { mix128, unmix128 } from '../../../../src/core/reconcile/mix128';
import { SortedVectorStorage } from '../../../../src/core/reconcile/sorted-vector-storage';
import { add128, lanesFromBytes, lanesToBytes, sub128 } from '../../../../src/core/reconcile/sum128';
import { hex, makeItems } from './helpers';

const seed = Number(process.env.SEED ?? Date.now());
console.log(`reconcile primitives: fast-check seed ${seed} (replay with SEED=${seed})`);
const params = { seed, verbose: 1 as const };

const id16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const lanes = fc
  .array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 })
  .map((a) => Uint32Array.from(a));

function toBig(v: Uint32Array): bigint {
  return BigInt(v[0]!) | (BigInt(v[1]!) << 32n) | (BigInt(v[2]!) << 64n) | (BigInt(v[3]!) << 96n);
}
const MOD = 1n << 128n;

describe('message varints', () => {
  // The byte codec itself: test/unit/core/bytes. Here: its failures surface as ReconcileError.
  it('refuses truncated, non-canonical and too long varints as malformed', () => {
    for (const bad of [
      [0x80],
      [0xff, 0xff],
      [0x80, 0x00],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
    ]) {
      const message = Uint8Array.from([PROTOCOL_VERSION, ...bad]);
      expect(() => decodeMessage(message, 1 << 20)).toThrow(ReconcileError);
      expect(() => decodeMessage(message, 1 << 20)).toThrow(
        expect.objectContaining({ code: ReconcileErrorCode.Malformed }),
      );
    }
  });

  it('refuses to write a varint it cannot carry', () => {
    expect(() => new MessageEncoder().w.writeVarUint(-1)).toThrow(ReconcileError);
    expect(() => new MessageEncoder().w.writeVarUint(-1)).toThrow(
      expect.objectContaining({ code: ReconcileErrorCode.Usage }),
    );
  });
});

describe('128-bit arithmetic and mixing', () => {
  it('add/sub match BigInt modulo 2^128', () => {
    fc.assert(
      fc.property(lanes, lanes, (a, b) => {
        const s = new Uint32Array(4);
        add128(a, 0, b, 0, s, 0);
        expect(toBig(s)).toBe((toBig(a) + toBig(b)) % MOD);
        const d = new Uint32Array(4);
        sub128(a, 0, b, 0, d, 0);
        expect(toBig(d)).toBe((((toBig(a) - toBig(b)) % MOD) + MOD) % MOD);
      }),
      params,
    );
  });

  it('bytes <-> lanes is little-endian', () => {
    fc.assert(
      fc.property(id16, (id) => {
        const l = new Uint32Array(4);
        lanesFromBytes(id, 0, l, 0);
        let expected = 0n;
        for (let i = 15; i >= 0; i--) expected = (expected << 8n) | BigInt(id[i]!);
        expect(toBig(l)).toBe(expected);
        const back = new Uint8Array(16);
        lanesToBytes(l, 0, back, 0);
        expect(hex(back)).toBe(hex(id));
      }),
      params,
    );
  });

  it('unmix128 inverts mix128, and mixing changes about half the bits', () => {
    fc.assert(
      fc.property(lanes, (v) => {
        const m = v.slice();
        mix128(m, 0);
        const back = m.slice();
        unmix128(back, 0);
        expect([...back]).toEqual([...v]);
      }),
      params,
    );
    // avalanche sanity check: flipping one input bit flips roughly half of the output bits
    let flipped = 0;
    const trials = 256;
    for (let t = 0; t < trials; t++) {
      const a = Uint32Array.of(t * 2654435761, t, ~t, 12345);
      const b = a.slice();
      b[t % 4]! ^= 1 << (t % 32);
      mix128(a, 0);
      mix128(b, 0);
      for (let i = 0; i < 4; i++) {
        let x = (a[i]! ^ b[i]!) >>> 0;
        while (x) {
          flipped += x & 1;
          x >>>= 1;
        }
      }
    }
    const mean = flipped / trials;
    expect(mean).toBeGreaterThan(48);
    expect(mean).toBeLessThan(80);
  });
});

describe('fingerprint', () => {
  it('is order-independent and depends on the count', () => {
    fc.assert(
      fc.property(fc.array(id16, { maxLength: 30 }), (ids) => {
        const sumOf = (list: Uint8Array[]): Uint32Array => {
          const s = new Uint32Array(4);
          const l = new Uint32Array(4);
          for (const id of list) {
            lanesFromBytes(id, 0, l, 0);
            add128(s, 0, l, 0, s, 0);
          }
          return s;
        };
        const fwd = fingerprintOf(sumOf(ids), ids.length);
        const rev = fingerprintOf(sumOf([...ids].reverse()), ids.length);
        expect(hex(fwd)).toBe(hex(rev));
        expect(hex(fingerprintOf(sumOf(ids), ids.length + 1))).not.toBe(hex(fwd));
      }),
      params,
    );
  });

  it('id terms are invertible, and structured ids do not make sums collide', () => {
    fc.assert(
      fc.property(id16, (id) => {
        const t = new Uint32Array(4);
        UNSESSIONED_FINGERPRINT_KEY.term(id, 0, t, 0);
        expect(hex(UNSESSIONED_FINGERPRINT_KEY.idFromTerm(t, 0))).toBe(hex(id));
      }),
      params,
    );
    // {a, b} and {c, d} with a + b = c + d as plain integers
    const mk = (hi: number): Uint8Array => {
      const id = new Uint8Array(16);
      id[15] = hi;
      return id;
    };
    const termSum = (ids: Uint8Array[]): Uint32Array => {
      const s = new Uint32Array(4);
      const t = new Uint32Array(4);
      for (const id of ids) {
        UNSESSIONED_FINGERPRINT_KEY.term(id, 0, t, 0);
        add128(s, 0, t, 0, s, 0);
      }
      return s;
    };
    expect(hex(fingerprintOf(termSum([mk(1), mk(4)]), 2))).not.toBe(hex(fingerprintOf(termSum([mk(2), mk(3)]), 2)));
  });

  it('a decoded fingerprint gives back the sum for the right count', () => {
    fc.assert(
      fc.property(lanes, fc.nat({ max: 1_000_000 }), (sum, count) => {
        const state = new Uint32Array(4);
        combineState(sum, 0, count, state, 0);
        const bytes = new Uint8Array(16);
        encodeFingerprint(state, 0, bytes, 0);
        expect(hex(bytes)).toBe(hex(fingerprintOf(sum, count)));
        const back = new Uint32Array(4);
        decodeFingerprint(bytes, 0, back, 0);
        sumFromState(back, 0, count, back, 0);
        expect([...back]).toEqual([...sum]);
      }),
      params,
    );
  });
});

describe('bounds', () => {
  it('minimal bound separates adjacent items and is as short as possible', () => {
    const item = fc.record({
      ts: fc.integer({ min: 0, max: 5 }),
      id: fc.uint8Array({ minLength: 16, maxLength: 16, max: 2 }),
    });
    fc.assert(
      fc.property(item, item, (x, y) => {
        const c = compareItems(x, y);
        fc.pre(c !== 0);
        const [prev, curr] = c < 0 ? [x, y] : [y, x];
        const b = minimalBound(prev.ts, prev.id, 0, curr.ts, curr.id, 0);
        expect(itemAtOrAfter(b, curr.ts, curr.id, 0)).toBe(true);
        expect(itemAtOrAfter(b, prev.ts, prev.id, 0)).toBe(false);
        if (prev.ts !== curr.ts) expect(b.prefix.length).toBe(0);
        expect(compareBounds(ZERO_BOUND, b)).toBeLessThanOrEqual(0);
        expect(compareBounds(b, INFINITE_BOUND)).toBeLessThan(0);
      }),
      params,
    );
  });
});

describe('SortedVectorStorage', () => {
  const itemArb: fc.Arbitrary<Item> = fc.record({ ts: fc.integer({ min: 0, max: 20 }), id: id16 });

  function model(items: Item[]): Item[] {
    const m = new Map<string, Item>();
    for (const it of items) m.set(`${it.ts}:${hex(it.id)}`, it);
    return [...m.values()].sort(compareItems);
  }

  it('keeps items sorted and unique through inserts, deletes and bulk inserts', () => {
    fc.assert(
      fc.property(
        fc.array(itemArb, { maxLength: 60 }),
        fc.array(fc.tuple(fc.constantFrom('insert', 'delete', 'many'), itemArb, fc.array(itemArb, { maxLength: 12 })), {
          maxLength: 40,
        }),
        (initial, ops) => {
          const st = new SortedVectorStorage(initial);
          let ref = model(initial);
          for (const [op, it, many] of ops) {
            if (op === 'insert') {
              const had = ref.some((r) => compareItems(r, it) === 0);
              expect(st.insert(it)).toBe(!had);
              ref = model([...ref, it]);
            } else if (op === 'delete') {
              const target = ref.length > 0 && it.ts % 2 === 0 ? ref[it.id[0]! % ref.length]! : it;
              const had = ref.some((r) => compareItems(r, target) === 0);
              expect(st.delete(target)).toBe(had);
              ref = ref.filter((r) => compareItems(r, target) !== 0);
            } else {
              const before = ref.length;
              ref = model([...ref, ...many]);
              expect(st.insertMany(many)).toBe(ref.length - before);
            }
            // prefix sums stay right after mutations
            const s = new Uint32Array(4);
            const expected = new Uint32Array(4);
            const l = new Uint32Array(4);
            const lo = Math.floor(ref.length / 3);
            for (let i = lo; i < ref.length; i++) {
              UNSESSIONED_FINGERPRINT_KEY.term(ref[i]!.id, 0, l, 0);
              add128(expected, 0, l, 0, expected, 0);
            }
            st.sum(UNSESSIONED_FINGERPRINT_KEY, lo, ref.length, s, 0);
            expect([...s]).toEqual([...expected]);
          }
          expect(st.toArray().map((x) => `${x.ts}:${hex(x.id)}`)).toEqual(ref.map((x) => `${x.ts}:${hex(x.id)}`));
          for (let i = 0; i < ref.length; i++)
            expect(st.indexOfId(0, ref.length, ref[i]!.id)).toBeGreaterThanOrEqual(0);
        },
      ),
      params,
    );
  });

  it('findLowerBound agrees with a linear scan and indexOfId with the hash index', () => {
    const items = makeItems(3000, 7);
    const st = new SortedVectorStorage(items);
    const sorted = [...items].sort(compareItems);
    for (let k = 1; k < sorted.length; k += 37) {
      const b = minimalBound(sorted[k - 1]!.ts, sorted[k - 1]!.id, 0, sorted[k]!.ts, sorted[k]!.id, 0);
      expect(st.findLowerBound(b)).toBe(k);
      expect(st.findLowerBound(b, k + 1)).toBe(k + 1);
      expect(st.indexOfId(0, st.size, sorted[k]!.id)).toBe(k); // hash index path
      expect(st.indexOfId(Math.max(0, k - 5), Math.min(st.size, k + 5), sorted[k]!.id)).toBe(k); // scan path
      expect(st.indexOfId(k + 1, st.size, sorted[k]!.id)).toBe(-1);
    }
    expect(st.findLowerBound(INFINITE_BOUND)).toBe(st.size);
    expect(st.findLowerBound(ZERO_BOUND)).toBe(0);
  });

  it('validates items and ranges', () => {
    expect(() => new SortedVectorStorage([{ ts: -1, id: new Uint8Array(16) }])).toThrow(ReconcileError);
    expect(() => new SortedVectorStorage([{ ts: 1.5, id: new Uint8Array(16) }])).toThrow(ReconcileError);
    expect(() => new SortedVectorStorage([{ ts: 1, id: new Uint8Array(15) }])).toThrow(ReconcileError);
    const st = new SortedVectorStorage(makeItems(10, 1));
    expect(() => st.fingerprint(UNSESSIONED_FINGERPRINT_KEY, 5, 11)).toThrow(ReconcileError);
    expect(() => st.idAt(10)).toThrow(ReconcileError);
  });
});
