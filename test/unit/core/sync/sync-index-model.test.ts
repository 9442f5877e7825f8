/**
 * The sync index (core/sync/sync-index.ts) against a Map of versions keyed by id, with a finder over
 * a store that is that Map (as EntityStore.retainedOf serves the node): random adds and removes of
 * versions of common kinds and of other kinds (kept apart from the per-slot kind byte), with slots
 * freed and reused and every array growing. After each step: size, has/holds, lookup (a want read
 * back from the store through the slot's entity and kind), and the snapshot's items and its range
 * fingerprints must be the reference's, and every snapshot taken on the way must still hold what it held. Replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { compareItems, SortedVectorStorage, type Item } from '../../../../src/core/reconcile';
import { idKey, SyncIndex, versionId } from '../../../../src/core/sync';
import { timestampTag } from '../../../../src/core/sync/sync-index';
import { UNSESSIONED_FINGERPRINT_KEY as K } from '../../../../src/core/reconcile/fingerprint';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);

const KINDS = ['position', 'velocity', 'expiry', 'tombstone', 'task', 'x-unknown-kind'] as const;

const MS = 1_700_000_000_000;
/**
 * Counters 0–3, or (c = 4) the counter whose timestamp has the tag of (MS, 0) (timestampTag: the
 * counter xor a mix of the ms), so versions of one register at several ms share a slot's tag.
 */
const arbVersion = fc
  .tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom(...KINDS), fc.integer({ min: 0, max: 12 }), fc.nat(4))
  .map(([e, kind, ms, c]): Version => ({
    entity: `e${e}` as EntityId,
    kind: kind as ComponentKind,
    value: { lat: e, lon: ms },
    ts: { ms: MS + ms, c: c < 4 ? c : timestampTag(MS, 0) ^ timestampTag(MS + ms, 0), node: 'n' as NodeId },
    seen: [],
  }));

const hex = (id: Uint8Array): string => Buffer.from(id).toString('hex');

describe('SyncIndex against a Map of versions', () => {
  it('holds, finds, serves and snapshots exactly the versions added and not removed', () => {
    console.log(`sync-index model seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), arbVersion, fc.nat()), { maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (ops, snapshotAt) => {
          const model = new Map<string, Version>();
          const find = (entity: EntityId, kind: ComponentKind): Version[] =>
            [...model.values()].filter((x) => x.entity === entity && x.kind === kind);
          // Entity numbers as EntityStore gives them: while the store holds a version of the entity,
          // freed when it holds none, then given again (to another entity, most often).
          const numbers = new Map<EntityId, number>();
          const byNumber: (EntityId | undefined)[] = [];
          const free: number[] = [];
          const hold = (e: EntityId): void => {
            if (numbers.has(e)) return;
            const n = free.pop() ?? byNumber.length;
            byNumber[n] = e;
            numbers.set(e, n);
          };
          const release = (e: EntityId): void => {
            const n = numbers.get(e);
            if (n === undefined || [...model.values()].some((x) => x.entity === e)) return;
            numbers.delete(e);
            byNumber[n] = undefined;
            free.push(n);
          };
          const finder = {
            numberOf: (e: EntityId) => numbers.get(e),
            retainedAt: (n: number, kind: ComponentKind) => (byNumber[n] === undefined ? [] : find(byNumber[n], kind)),
          };
          const index = new SyncIndex([], finder, [seed, 1, 2, 3]);
          const gone: Version[] = [];
          const taken: { snap: ReturnType<SyncIndex['storage']>; ids: string[]; fingerprint: string }[] = [];
          const snaps = new Set(snapshotAt.map((k) => k % Math.max(1, ops.length)));
          ops.forEach(([what, fresh, pick], step) => {
            const held = [...model.values()];
            if (what === 3) {
              // Indexed before the store holds its entity (no number yet): found once it does.
              index.add([fresh]);
              if (!model.has(idKey(versionId(fresh)))) model.set(idKey(versionId(fresh)), fresh);
              hold(fresh.entity);
            } else if (what > 0 || held.length === 0) {
              // A copy (as the store's rows give back new objects): the index must not need the object it saw.
              const v = what === 2 && held.length > 0 ? { ...held[pick % held.length]! } : fresh;
              if (!model.has(idKey(versionId(v)))) model.set(idKey(versionId(v)), v);
              hold(v.entity);
              index.add([v]);
            } else {
              // The store changes first (its entity forgotten once it holds none), then tells the index.
              const v = held[pick % held.length]!;
              model.delete(idKey(versionId(v)));
              release(v.entity);
              index.remove([{ ...v }]);
              gone.push(v);
            }
            expect(index.size).toBe(model.size);
            if (snaps.has(step)) {
              // A session's snapshot: it must not change while the index goes on (slots freed and reused).
              const snap = index.storage();
              const ids = Array.from({ length: snap.size }, (_, i) => `${snap.timestampAt(i)}:${hex(snap.idAt(i))}`);
              taken.push({ snap, ids, fingerprint: hex(snap.fingerprint(K, 0, snap.size)) });
            }
          });
          for (const h of taken) {
            expect(
              Array.from({ length: h.snap.size }, (_, i) => `${h.snap.timestampAt(i)}:${hex(h.snap.idAt(i))}`),
            ).toEqual(h.ids);
            expect(hex(h.snap.fingerprint(K, 0, h.snap.size))).toBe(h.fingerprint);
          }
          for (const [key, v] of model) {
            const id = versionId(v);
            expect(index.has(id)).toBe(true);
            expect(index.holds(v)).toBe(true);
            const [served] = index.lookup([id]);
            expect(served === undefined ? undefined : idKey(versionId(served))).toBe(key);
          }
          for (const v of gone) {
            if (model.has(idKey(versionId(v)))) continue;
            expect(index.has(versionId(v))).toBe(false);
            expect(index.lookup([versionId(v)])).toEqual([]);
          }
          expect(index.stale).toBe(0);
          const items: Item[] = [...model.values()].map((v) => ({ ts: v.ts.ms, id: versionId(v) })).sort(compareItems);
          const snap = index.storage();
          const ref = new SortedVectorStorage(items);
          expect(snap.size).toBe(items.length);
          for (let i = 0; i < items.length; i++) expect(hex(snap.idAt(i))).toBe(hex(items[i]!.id));
          for (let b = 0; b <= items.length; b += 3) {
            expect(hex(snap.fingerprint(K, b, items.length))).toBe(hex(ref.fingerprint(K, b, items.length)));
          }
        },
      ),
      { seed, numRuns: 150 },
    );
  });
});
