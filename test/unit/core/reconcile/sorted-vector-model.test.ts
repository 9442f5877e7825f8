/**
 * SortedVectorStorage (core/reconcile/sorted-vector-storage.ts) against a Map of items, through
 * random inserts, deletes, bulk inserts and rebuilds (SortedVectorStorage.rebuilt), across growth
 * and the prefix checkpoints it keeps only at every 8th item, for one key at a time: after each step,
 * under a session key picked at random (so the kept checkpoints are often another key's, and kept
 * checkpoints meet later mutations), every range's sum and fingerprint, the lookups by id (scanned
 * and hashed) and the lower bounds must be the reference's. Replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareItems, type Item } from '../../../../src/core/reconcile/item';
import { FingerprintKey, UNSESSIONED_FINGERPRINT_KEY } from '../../../../src/core/reconcile/fingerprint';
import { SortedVectorStorage } from '../../../../src/core/reconcile/sorted-vector-storage';
import { hex } from './helpers';
import { check, keyOf, xorshift } from './storage-check';

/** Session keys the storage is read under in turn: it keeps one key's checkpoints at a time. */
const KEYS = [UNSESSIONED_FINGERPRINT_KEY, ...[1, 2].map((b) => new FingerprintKey(new Uint8Array(16).fill(b)))];

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);

/** Few timestamps and ids from a small pool: duplicates, equal timestamps and repeated ids are common. */
const arbItem = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 600 })).map(([ts, k]): Item => {
  const id = new Uint8Array(16);
  const view = new DataView(id.buffer);
  view.setUint32(0, Math.imul(k, 0x9e3779b1), true);
  view.setUint32(12, k, true);
  return { ts, id };
});

type Op =
  | { op: 'insert'; item: Item }
  | { op: 'delete'; item: Item; pick: number }
  | { op: 'many'; items: Item[] }
  | { op: 'rebuilt'; drop: number[]; added: Item[] };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), item: arbItem }),
  fc.record({ op: fc.constant('delete' as const), item: arbItem, pick: fc.nat() }),
  fc.record({ op: fc.constant('many' as const), items: fc.array(arbItem, { maxLength: 120 }) }),
  fc.record({
    op: fc.constant('rebuilt' as const),
    drop: fc.array(fc.nat(), { maxLength: 20 }),
    added: fc.array(arbItem, { maxLength: 120 }),
  }),
);

const sorted = (m: Map<string, Item>): Item[] => [...m.values()].sort(compareItems);

describe('SortedVectorStorage against a Map of items', () => {
  it('answers sums, fingerprints, lookups and bounds as the reference through every change and growth', () => {
    console.log(`sorted-vector model seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(
        fc.array(arbItem, { maxLength: 40 }),
        fc.array(arbOp, { maxLength: 25 }),
        fc.nat(),
        (init, ops, r) => {
          const rand = xorshift(r);
          let st = new SortedVectorStorage(init);
          const model = new Map<string, Item>();
          for (const it of init) model.set(keyOf(it), it);
          check(st, sorted(model), rand, KEYS[Math.floor(rand() * KEYS.length)]);
          for (const op of ops) {
            if (op.op === 'insert') {
              expect(st.insert(op.item)).toBe(!model.has(keyOf(op.item)));
              model.set(keyOf(op.item), op.item);
            } else if (op.op === 'delete') {
              const ref = sorted(model);
              const target = ref.length > 0 && op.pick % 2 === 0 ? ref[op.pick % ref.length]! : op.item;
              expect(st.delete(target)).toBe(model.delete(keyOf(target)));
            } else if (op.op === 'many') {
              const before = model.size;
              for (const it of op.items) model.set(keyOf(it), it);
              expect(st.insertMany(op.items)).toBe(model.size - before);
            } else {
              // As the sync index calls it: ids it holds dropped, new items (sorted, none held) added.
              const ref = sorted(model);
              // (the index's ids are unique: only an id held once is dropped, as rebuilt finds it by id)
              const copies = new Map<string, number>();
              for (const it of ref) copies.set(hex(it.id), (copies.get(hex(it.id)) ?? 0) + 1);
              const picked = ref.length === 0 ? [] : op.drop.map((d) => ref[d % ref.length]!);
              const drop = picked.filter((it) => copies.get(hex(it.id)) === 1);
              for (const it of drop) model.delete(keyOf(it));
              const held = new Set(sorted(model).map((it) => hex(it.id)));
              const added = new Map<string, Item>();
              for (const it of op.added) if (!held.has(hex(it.id))) added.set(hex(it.id), it);
              const prev = st;
              const prevItems = prev.toArray().map(keyOf);
              st = SortedVectorStorage.rebuilt(
                prev,
                drop.map((it) => it.id),
                [...added.values()].sort(compareItems),
              );
              for (const it of added.values()) model.set(keyOf(it), it);
              // The previous snapshot is not changed (sessions still read it).
              expect(prev.toArray().map(keyOf)).toEqual(prevItems);
            }
            check(st, sorted(model), rand, KEYS[Math.floor(rand() * KEYS.length)]);
          }
        },
      ),
      { seed, numRuns: 120 },
    );
  });
});
