/**
 * Storage skips an entity's meta when its versions alone restore it (EntityState.restoredByVersions,
 * Knowledge.taughtByAlone) and rewrites it when its evidence changed or a floor was lifted
 * (metasToKeep, src/node/entity-meta.ts, with the triggers of local-writes.ts, remote-merge.ts and
 * LatticeNode's expiry purge). Over random histories of one entity (context-free and context-naming
 * writes by four authors, twins, deletes, expiries with carried floors that fire and are lifted,
 * an evidence bound of 1 to 3 per entity, redelivery), after every step the test stores metas as
 * the node does: the one metasToKeep returns, else the one stored before stays, as storage keeps it
 * (and now and then a commit writes the meta whatever the rule says, as one made before the rule
 * did). A store restored from the versions and that stored meta must equal the live one: heads,
 * what each register knows, floor, tombstone, and the meta; where the rule says no meta is needed,
 * so must one restored from the versions alone. About a third of the checks of an entity the rule
 * needs no meta for restore it with a meta left from an earlier step (the counts are printed).
 * Replay a failure with SEED=<printed seed> (NUM_RUNS=...).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import type { EntityMeta } from '../../../../src/core/store/entity-state';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { metasToKeep } from '../../../../src/node/entity-meta';
import { seededParams } from '../../support/test-keys';
import { dump, sortedMeta, valueFor } from '../support/merge-sim';

const params = seededParams('restore-with-stored-meta', 1_000);
const E = 'e1' as EntityId;
const KINDS = ['threat', 'speed', 'expiry', DELETED] as ComponentKind[];
const AUTHORS = ['a', 'b', 'c', 'd'] as NodeId[];

type Op =
  | {
      readonly t: 'w';
      readonly author: number;
      readonly kind: number;
      /** 0: no context; 1: every earlier write of the register by another author; 2: `mask` of them. */
      readonly context: number;
      readonly mask: number;
      /** How far before now the write is stamped (a twin when an author's instant repeats). */
      readonly back: number;
      readonly v: number;
      readonly at: number;
      /** An expiry's carried floor, `floor` ms before the write (0: none). */
      readonly floor: number;
    }
  | { readonly t: 'tick'; readonly dt: number }
  | { readonly t: 'redeliver'; readonly j: number }
  /** A commit that writes the entity's meta whatever it holds (as one made before the rule did). */
  | { readonly t: 'store' };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('w' as const),
      author: fc.nat(AUTHORS.length - 1),
      // Contexts and deletes keep a meta for good: rarer, so that many histories reach an entity
      // that needs none after one was stored.
      kind: fc.oneof({ weight: 10, arbitrary: fc.nat(1) }, { weight: 3, arbitrary: fc.constant(2) }, fc.constant(3)),
      context: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, fc.constant(1), fc.constant(2)),
      mask: fc.nat(255),
      back: fc.nat(4),
      v: fc.nat(20),
      at: fc.nat(60),
      floor: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.nat(40)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('tick' as const), dt: fc.nat(40) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('redeliver' as const), j: fc.nat(1_000) }) },
  { weight: 2, arbitrary: fc.constant({ t: 'store' as const }) },
);

describe('restore from versions and the stored meta', () => {
  it('equals the live store after every step, whatever meta storage was left holding', () => {
    const stats = { checks: 0, noMetaNeeded: 0, staleMeta: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(arbOp, { minLength: 1, maxLength: 40, size: 'max' }),
        (perEntity, ops) => {
          const opts = { evidence: { perEntity, perAuthor: 1_000, node: 100_000 } };
          const store = new EntityStore(opts);
          let stored: EntityMeta | undefined;
          const written: Version[] = [];
          let now = 1_000;
          ops.forEach((op, step) => {
            // The node's rewrite triggers: evidence kept or released (local-writes.ts, remote-merge.ts),
            // a floor lifted, and versions an expiry purge released (LatticeNode).
            const rewrite = new Set<EntityId>();
            if (op.t === 'store') {
              const s = store.state(E);
              if (s !== undefined) rewrite.add(E);
            } else if (op.t === 'tick') {
              now += op.dt;
              const released: Version[] = [];
              store.purgeExpired(now, released, []);
              if (released.length > 0) rewrite.add(E);
            } else {
              let v: Version;
              if (op.t === 'redeliver') {
                if (written.length === 0) return;
                v = written[op.j % written.length]!;
              } else {
                now += 1;
                const kind = KINDS[op.kind]!;
                const node = AUTHORS[op.author]!;
                const ms = now - op.back * 3;
                const earlier = written.filter((o) => o.kind === kind && o.ts.node !== node);
                const seen: Timestamp[] =
                  op.context === 0
                    ? []
                    : earlier.filter((_, j) => op.context === 1 || (op.mask >> (j % 8)) & 1).map((o) => o.ts);
                const value =
                  kind === 'expiry'
                    ? { at: ms + 1 + op.at, ...(op.floor > 0 && op.floor < ms ? { floor: ms - op.floor } : {}) }
                    : valueFor(kind, op.v);
                v = { entity: E, kind, value: value as never, ts: { ms, c: op.author, node }, seen };
                written.push(v);
              }
              const out = store.apply(v);
              if (
                out.kind !== 'duplicate' &&
                (out.kept !== undefined || out.released !== undefined || store.lastApplyLifted)
              )
                rewrite.add(E);
            }
            // What storage holds: the meta written now, else the one written before.
            let fresh = false;
            for (const m of metasToKeep(store, [E], rewrite)) [stored, fresh] = [m, true];
            const live = store.state(E);
            stats.checks++;
            if (live?.restoredByVersions === true) {
              stats.noMetaNeeded++;
              if (stored !== undefined && !fresh) stats.staleMeta++;
            }
            // The meta storage holds; and none, where the rule says the versions alone restore it.
            const metas = live?.restoredByVersions === true ? [stored, undefined] : [stored];
            for (const meta of metas) {
              const restored = EntityStore.restore(
                { versions: [...store.versions()], entities: meta === undefined ? [] : [meta] },
                opts,
              );
              const at = `step ${step + 1}, stored meta ${JSON.stringify(meta)}`;
              expect(dump(restored, true), at).toBe(dump(store, true));
              expect(sortedMeta(restored.state(E)?.meta()), at).toEqual(sortedMeta(live?.meta()));
            }
          });
        },
      ),
      params('restore'),
    );
    console.log('restore-with-stored-meta checks', stats);
  });
});
