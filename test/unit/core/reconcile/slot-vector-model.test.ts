/**
 * SlotVectorStorage (core/reconcile/slot-vector-storage.ts) over the ids of an IdTable
 * (core/sync/id-table.ts), as the sync index makes its snapshots, against a Map of items: random
 * adds (a bulk first, then a freed slot given out again first), removes, removes of an id added again later, and
 * rebuilds. After each rebuild the snapshot's sums, fingerprints, lookups by id and lower bounds must
 * be the reference's (a SortedVectorStorage's, storage-check.ts), and every older snapshot still
 * alive must still hold its items with the same fingerprint: the table copies the ids it shared
 * before writing a slot a snapshot may name. Replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareItems, type Item } from '../../../../src/core/reconcile/item';
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

/** An id per k (from a pool: ids come back after removal), with the timestamp fixed by k as a version's is. */
const itemOf = (k: number): Item => {
  const id = new Uint8Array(16);
  const view = new DataView(id.buffer);
  view.setUint32(0, Math.imul(k, 0x9e3779b1), true);
  view.setUint32(12, k, true);
  return { ts: k % 37, id };
};

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
      fc.property(fc.nat(400), fc.array(arbOp, { maxLength: 400 }), fc.nat(), (bulk, ops, r) => {
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
          added.clear();
          removed.clear();
          const ref = [...model.values()].sort(compareItems);
          // Under one key of several, picked at random: each key's sums start from its own newest.
          check(base, ref, rand, KEYS[Math.floor(rand() * KEYS.length)]);
          const sorted = new SortedVectorStorage(ref);
          const keyed = KEYS.map((key) => hex(sorted.fingerprint(key, 0, ref.length)));
          held.push({ snap: base, items: ref.map(keyOf), fingerprint: hex(base.fingerprint(K, 0, base.size)), keyed });
        };
        // A bulk first (past 256 items lookups by id are hashed), spread over the pool.
        const all: Op[] = [...Array.from({ length: bulk }, (_, i): Op => ({ op: 'add', k: (i * 7) % 1001 })), ...ops];
        for (const op of all) {
          if (op.op === 'add') {
            const it = itemOf(op.k);
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
      }),
      { seed, numRuns: 100 },
    );
  });
});
