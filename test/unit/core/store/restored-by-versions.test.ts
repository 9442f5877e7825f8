/**
 * EntityState.restoredByVersions decides which entities storage keeps no meta for
 * (src/node/entity-meta.ts): their versions alone must restore them. Over random histories
 * (four writers, context-free writes as scenario 1's concurrent writers make, honest contexts and
 * hostile ones naming any subset of what was written, twins' stale writes, deletes, delivered in any
 * order with duplicates), whenever it says so of an entity, a store restored from that entity's
 * versions alone, and one restored from them with any meta the entity had earlier (the meta storage
 * may still hold from a commit before), equal the live store: heads, what each register knows,
 * tombstone, floor, and the meta. And the entities it must say so of: concurrent context-free
 * writers, whose knowledge is their heads (Knowledge.taughtByAlone), need no meta; a writer that
 * named another's write does. Asked after every delivery, its answer kept between changes
 * (Knowledge.taughtByAlone) is the one a fresh copy works out. Replay a failure with
 * SEED=<printed seed> (NUM_RUNS=...).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import type { EntityMeta } from '../../../../src/core/store/entity-state';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { metasToKeep } from '../../../../src/node/entity-meta';
import { dump, sortedMeta, valueFor } from '../support/merge-sim';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 500);
const ENTITIES = ['e1', 'e2'] as EntityId[];
const KINDS = ['threat', 'speed', 'classification', DELETED] as ComponentKind[];
const AUTHORS = ['a', 'b', 'c', 'd'] as NodeId[];

interface Write {
  readonly author: number;
  readonly entity: number;
  readonly kind: number;
  /** 0: no context; 1: honest (every earlier write of the register this author could have seen); 2: hostile (`mask` of them). */
  readonly context: number;
  readonly mask: number;
  /** Later than the author's previous write, or (a stale twin) at an earlier instant. */
  readonly back: boolean;
  readonly v: number;
}

const arbWrite: fc.Arbitrary<Write> = fc.record({
  author: fc.nat(AUTHORS.length - 1),
  entity: fc.nat(ENTITIES.length - 1),
  // A delete leaves a tombstone (a meta for good): rare, or few histories would ask anything.
  kind: fc.oneof({ weight: 12, arbitrary: fc.nat(KINDS.length - 2) }, fc.constant(KINDS.length - 1)),
  context: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.constant(1), fc.constant(2)),
  mask: fc.nat(255),
  back: fc.boolean(),
  v: fc.nat(20),
});

function versionsOf(writes: readonly Write[]): Version[] {
  const out: Version[] = [];
  writes.forEach((w, i) => {
    const entity = ENTITIES[w.entity]!;
    const kind = KINDS[w.kind]!;
    const node = AUTHORS[w.author]!;
    const ms = 1_000 + (w.back ? Math.max(0, i - 3) : i) * 10;
    const earlier = out.filter((o) => o.entity === entity && o.kind === kind && o.ts.node !== node);
    const seen: Timestamp[] =
      w.context === 0 ? [] : earlier.filter((_, j) => w.context === 1 || (w.mask >> (j % 8)) & 1).map((o) => o.ts);
    out.push({ entity, kind, value: valueFor(kind, w.v), ts: { ms, c: w.author, node }, seen });
  });
  return out;
}

const entityDump = (store: EntityStore, id: EntityId): string =>
  dump(store, true)
    .split(/\n(?=\S)/)
    .filter((block) => block.startsWith(`${id} `))
    .join('\n');

describe('restoredByVersions', () => {
  it(`holds only where an entity's versions alone, with or without an earlier meta, restore it (seed ${seed})`, () => {
    fc.assert(
      fc.property(
        fc.array(arbWrite, { minLength: 1, maxLength: 24 }),
        fc.array(fc.nat(1_000), { maxLength: 24 }),
        (writes, order) => {
          const versions = versionsOf(writes);
          // Any order, with duplicates.
          const delivery = [...versions, ...order.map((j) => versions[j % versions.length]!)];
          order.forEach((j, i) => {
            const a = i % delivery.length;
            const b = j % delivery.length;
            [delivery[a], delivery[b]] = [delivery[b]!, delivery[a]!];
          });
          const store = new EntityStore();
          const earlier = new Map<EntityId, EntityMeta[]>();
          for (const v of delivery) {
            store.apply(v);
            for (const id of ENTITIES) {
              const s = store.state(id);
              if (s === undefined) continue;
              const list = earlier.get(id) ?? [];
              list.push(s.meta());
              earlier.set(id, list);
              // The answer each register keeps between changes (Knowledge.taughtByAlone) is the
              // one a copy that never asked before gives.
              expect(s.restoredByVersions).toBe(s.clone().restoredByVersions);
              if (!s.restoredByVersions) continue;
              const own = [...s.versions()];
              const want = entityDump(store, id);
              for (const metas of [[], ...list.map((m) => [m])]) {
                const restored = EntityStore.restore({ versions: own, entities: metas });
                expect(entityDump(restored, id)).toBe(want);
                expect(sortedMeta(restored.state(id)?.meta())).toEqual(sortedMeta(s.meta()));
              }
            }
          }
        },
      ),
      { seed, numRuns },
    );
  });

  it('needs no meta for concurrent context-free writers, and one once a writer named another', () => {
    const store = new EntityStore();
    const e = 'track' as EntityId;
    const kind = 'speed' as ComponentKind;
    const write = (ms: number, node: string, seen: Timestamp[] = []): Version => ({
      entity: e,
      kind,
      value: valueFor(kind, ms),
      ts: { ms, c: 0, node: node as NodeId },
      seen,
    });
    for (const [ms, node] of [
      [100, 'a'],
      [101, 'b'],
      [102, 'c'],
      [103, 'a'],
    ] as const)
      store.apply(write(ms, node));
    expect(store.heads(e, kind).length).toBe(3);
    expect(metasToKeep(store, [e])).toEqual([]);
    const restored = EntityStore.restore({ versions: [...store.versions()], entities: [] });
    expect(dump(restored, true)).toBe(dump(store, true));
    // d saw b's write: b's is covered by d's context (no head left of b), which a replay of the heads still teaches...
    store.apply(write(104, 'd', [{ ms: 101, c: 0, node: 'b' as NodeId }]));
    expect(store.heads(e, kind).length).toBe(3);
    // ...but a context is kept in a meta, as before.
    expect(metasToKeep(store, [e]).map((m) => m.id)).toEqual([e]);
  });
});
