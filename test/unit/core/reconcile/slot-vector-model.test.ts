/**
 * SlotVectorStorage (core/reconcile/slot-vector-storage.ts) over the ids of an IdTable
 * (core/sync/id-table.ts), as the sync index makes its snapshots, against a Map of items: random
 * adds (a bulk first, then a freed slot given out again first), removes, removes of an id added again later, and
 * rebuilds. After each rebuild the snapshot's sums, fingerprints, lookups by id and lower bounds must
 * be the reference's (a SortedVectorStorage's, storage-check.ts), and every older snapshot still
 * alive must still hold its items with the same fingerprint: the table copies the ids it shared
 * before writing a slot a snapshot may name. Timestamps are small integers, or drawn from a pool
 * of HLC-like ms, the edges of the 32-bit offsets a snapshot keeps them as (2^32 − 1 and 2^32 past
 * the least), the greatest an item may have, −0 and any valid one: each must read back as the very number,
 * and a snapshot holds them in 4 B each exactly when all are integers within 2^32 − 1 of the least.
 * Replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareItems, MAX_ITEM_TS, type Item } from '../../../../src/core/reconcile/item';
import { compareAt, SlotVectorStorage, type SlotItem } from '../../../../src/core/reconcile/slot-vector-storage';
import { IdTable } from '../../../../src/core/sync/id-table';
import { idKey } from '../../../../src/core/sync/version-id';
import { hex } from './helpers';
import { check, keyOf, xorshift } from './storage-check';
import { FingerprintKey, UNSESSIONED_FINGERPRINT_KEY as K } from '../../../../src/core/reconcile/fingerprint';
import { SortedVectorStorage } from '../../../../src/core/reconcile/sorted-vector-storage';

/** Session keys the snapshots serve in turn (as links' rounds do), besides K. */
const KEYS = [K, ...[1, 2].map((b) => new FingerprintKey(new Uint8Array(16).fill(b)))];

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);

/**
 * An id per k (from a pool: ids come back after removal), with the timestamp fixed by k as a
 * version's is: k % 37, or from `stamps`.
 */
const itemOf = (k: number, stamps: readonly number[] | null): Item => {
  const id = new Uint8Array(16);
  const view = new DataView(id.buffer);
  view.setUint32(0, Math.imul(k, 0x9e3779b1), true);
  view.setUint32(12, k, true);
  return { ts: stamps === null ? k % 37 : stamps[k % stamps.length]!, id };
};

/** An HLC ms of today's order. */
const T = 1_796_000_000_000;
const arbStamp: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 100 }).map((d) => T + d) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(T - 1, T + 2 ** 32 - 1, T + 2 ** 32, 2 ** 32 - 1, 2 ** 48, MAX_ITEM_TS, 0, -0),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: MAX_ITEM_TS }) },
);

/** Whether a snapshot of items with these timestamps keeps them as 32-bit offsets (4 B each). */
const narrow = (ts: readonly number[]): boolean =>
  ts.every((t) => Number.isSafeInteger(t) && !Object.is(t, -0)) &&
  (ts.length === 0 || Math.max(...ts) - Math.min(...ts) <= 2 ** 32 - 1);

type Op =
  { op: 'add'; k: number } | { op: 'remove'; pick: number } | { op: 'rebuild' } | { op: 'release'; pick: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), k: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rebuild' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat() }) },
);

interface Held {
  readonly snap: SlotVectorStorage;
  readonly items: string[];
  readonly fingerprint: string;
  /** Under each of KEYS, from a SortedVectorStorage of the items. */
  readonly keyed: string[];
}

describe('SlotVectorStorage over an IdTable against a Map of items', () => {
  it('answers as a SortedVectorStorage of the same items, and older snapshots keep theirs', () => {
    console.log(`slot-vector model seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(
        fc.nat(400),
        fc.array(arbOp, { maxLength: 400 }),
        fc.nat(),
        fc.option(fc.array(arbStamp, { minLength: 1, maxLength: 8 }), { nil: null }),
        (bulk, ops, r, stamps) => {
          const rand = xorshift(r);
          const table = new IdTable([r, 1, 2, 3]);
          const free: number[] = [];
          let nextSlot = 0;
          const model = new Map<string, Item>();
          const slotOf = new Map<string, number>();
          // As SyncIndex keeps them: slots added since the last snapshot, ids removed from it (with ts).
          const added = new Set<number>();
          const removed = new Map<string, Item>();
          const tsOf: number[] = [];
          let base = SlotVectorStorage.empty();
          const held: Held[] = [];
          const rebuild = (): void => {
            const ids = table.share();
            const list: SlotItem[] = [...added].map((slot) => ({ ts: tsOf[slot]!, slot }));
            list.sort((a, b) => compareAt(a.ts, ids.bytes, 16 * a.slot, b.ts, ids.bytes, 16 * b.slot));
            base = SlotVectorStorage.rebuilt(base, [...removed.values()], list, ids);
            expect(base.timestampBytes).toBe((narrow([...model.values()].map((it) => it.ts)) ? 4 : 8) * base.size);
            added.clear();
            removed.clear();
            const ref = [...model.values()].sort(compareItems);
            // Under one key of several, picked at random: each key's sums start from its own newest.
            check(base, ref, rand, KEYS[Math.floor(rand() * KEYS.length)]);
            // The very numbers (keyOf prints −0 as 0).
            for (let i = 0; i < ref.length; i++) expect(Object.is(base.timestampAt(i), ref[i]!.ts)).toBe(true);
            const sorted = new SortedVectorStorage(ref);
            const keyed = KEYS.map((key) => hex(sorted.fingerprint(key, 0, ref.length)));
            held.push({
              snap: base,
              items: ref.map(keyOf),
              fingerprint: hex(base.fingerprint(K, 0, base.size)),
              keyed,
            });
          };
          // A bulk first (past 256 items lookups by id are hashed), spread over the pool.
          const all: Op[] = [...Array.from({ length: bulk }, (_, i): Op => ({ op: 'add', k: (i * 7) % 1001 })), ...ops];
          for (const op of all) {
            if (op.op === 'add') {
              const it = itemOf(op.k, stamps);
              const key = idKey(it.id);
              if (slotOf.has(key)) continue;
              const slot = free.pop() ?? nextSlot++;
              table.add(key, slot);
              tsOf[slot] = it.ts;
              slotOf.set(key, slot);
              model.set(key, it);
              added.add(slot);
            } else if (op.op === 'remove') {
              if (model.size === 0) continue;
              const keys = [...model.keys()];
              const key = keys[op.pick % keys.length]!;
              const slot = slotOf.get(key)!;
              expect(table.delete(key)).toBe(slot);
              if (!added.delete(slot) && !removed.has(key)) removed.set(key, model.get(key)!);
              model.delete(key);
              slotOf.delete(key);
              free.push(slot);
            } else if (op.op === 'release') {
              // A session ends: its snapshot is dropped.
              if (held.length > 0) held.splice(op.pick % held.length, 1);
            } else {
              rebuild();
            }
            for (const h of held) {
              expect(h.snap.toArray().map(keyOf)).toEqual(h.items);
              expect(hex(h.snap.fingerprint(K, 0, h.snap.size))).toBe(h.fingerprint);
              // An older snapshot under a key whose newest sums are a later snapshot's.
              const k = Math.floor(rand() * KEYS.length);
              expect(hex(h.snap.fingerprint(KEYS[k]!, 0, h.snap.size))).toBe(h.keyed[k]);
            }
          }
          rebuild();
        },
      ),
      { seed, numRuns: 100 },
    );
  });

  it('keeps timestamps as 32-bit offsets from the least exactly when each reads back as the very number', () => {
    const table = new IdTable([0, 1, 2, 3]);
    const snapshot = (stamps: readonly number[]): SlotVectorStorage => {
      const items = stamps.map((ts, k) => ({ ...itemOf(k, stamps), ts }));
      items.forEach((it, slot) => table.add(idKey(it.id), slot));
      const ids = table.share();
      const list = items.map((it, slot) => ({ ts: it.ts, slot }));
      list.sort((a, b) => compareAt(a.ts, ids.bytes, 16 * a.slot, b.ts, ids.bytes, 16 * b.slot));
      const snap = SlotVectorStorage.rebuilt(SlotVectorStorage.empty(), [], list, ids);
      for (const it of items) table.delete(idKey(it.id));
      return snap;
    };
    const cases: [readonly number[], number][] = [
      [[T, T + 1, T + 2 ** 32 - 1], 4],
      [[T, T + 2 ** 32], 8],
      [[T, T + 0.5], 8],
      [[-0, 1], 8],
      [[-5, 0], 4],
      [[2 ** 53 - 1, 2 ** 53 - 2], 4],
      [[2 ** 53, 2 ** 53 - 1], 8],
    ];
    for (const [stamps, bytes] of cases) {
      const snap = snapshot(stamps);
      expect(snap.timestampBytes).toBe(bytes * stamps.length);
      const sorted = [...stamps].sort((a, b) => a - b);
      // (−0 and 1 sort as −0 first either way)
      expect(Array.from({ length: snap.size }, (_, i) => snap.timestampAt(i))).toEqual(sorted);
      if (stamps.some((t) => Object.is(t, -0))) expect(Object.is(snap.timestampAt(0), -0)).toBe(true);
    }
    // A wide snapshot rebuilt without the timestamp that made it wide is narrow again.
    const ids = table.share();
    table.add(idKey(itemOf(0, null).id), 0);
    table.add(idKey(itemOf(1, null).id), 1);
    const wide = SlotVectorStorage.rebuilt(
      SlotVectorStorage.empty(),
      [],
      [
        { ts: T, slot: 0 },
        { ts: T + 2 ** 40, slot: 1 },
      ],
      table.share(),
    );
    expect(wide.timestampBytes).toBe(16);
    const again = SlotVectorStorage.rebuilt(wide, [{ ts: T + 2 ** 40, id: itemOf(1, null).id }], [], table.share());
    expect(again.timestampBytes).toBe(4);
    expect(again.timestampAt(0)).toBe(T);
    expect(ids.bytes.length).toBeGreaterThan(0);
  });
});
