/** EntityStore.countShown's running totals (shown-count.ts) against a walk of list(), and their cost. */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { EntityId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityState } from '../../../../src/core/store/entity-state';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { node } from '../support/sim-node';

/** What countShown must say: a walk of every view list() shows at `now`. */
function walk(store: EntityStore, now: number, skip?: (id: EntityId) => boolean) {
  const views = store.list(now).filter((v) => skip?.(v.id) !== true);
  return { entities: views.length, conflicts: views.filter((v) => v.conflicts.length > 0).length };
}

const ENTITIES = ['e0', 'e1', 'e2', 'e3', 'e4'];
const skipE4 = (id: EntityId): boolean => id === 'e4';

type Op =
  | { op: 'write'; by: 0 | 1; e: number; kind: 'position' | 'threat' }
  | { op: 'delete'; by: 0 | 1; e: number }
  | { op: 'expiry'; by: 0 | 1; e: number; in: number }
  | { op: 'sync' }
  | { op: 'hold'; on: boolean }
  | { op: 'time'; step: number }
  | { op: 'purge' }
  | { op: 'restore' }
  | { op: 'count'; skip: boolean };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('write' as const),
    by: fc.constantFrom(0 as const, 1 as const),
    e: fc.nat(4),
    kind: fc.constantFrom('position' as const, 'threat' as const),
  }),
  fc.record({ op: fc.constant('delete' as const), by: fc.constantFrom(0 as const, 1 as const), e: fc.nat(4) }),
  fc.record({
    op: fc.constant('expiry' as const),
    by: fc.constantFrom(0 as const, 1 as const),
    e: fc.nat(4),
    in: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ op: fc.constant('sync' as const) }),
  // Writes held back, then delivered newest first: arrivals the merge refuses, or that remove heads.
  fc.record({ op: fc.constant('hold' as const), on: fc.boolean() }),
  // Mostly forward; sometimes back (a wall clock set back), which the totals must survive.
  fc.record({ op: fc.constant('time' as const), step: fc.integer({ min: -4, max: 6 }) }),
  fc.record({ op: fc.constant('purge' as const) }),
  fc.record({ op: fc.constant('restore' as const) }),
  fc.record({ op: fc.constant('count' as const), skip: fc.boolean() }),
);

describe('EntityStore.countShown running totals', () => {
  it('agree with a walk of list() after random writes, deletes, expiries, purges, restores and clock steps (property)', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log('shown-count seed', seed);
    fc.assert(
      fc.property(fc.array(arbOp, { minLength: 1, maxLength: 60 }), (ops) => {
        const writers = [node('a', 1_000), node('b', 1_000)];
        let store = new EntityStore();
        let now = 1_000;
        const sent: Version[][] = [[], []];
        let held: Version[] | undefined;
        const deliver = (by: 0 | 1, v: Version): void => {
          if (held === undefined) store.apply(v);
          else held.push(v);
          sent[by]!.push(v);
        };
        for (const o of ops) {
          for (const w of writers) w.wall = now;
          switch (o.op) {
            case 'write': {
              const value = o.kind === 'position' ? { lat: o.e, lon: now % 90 } : { level: 'LOW' };
              deliver(o.by, writers[o.by]!.write(ENTITIES[o.e]!, o.kind, value));
              break;
            }
            case 'delete':
              deliver(o.by, writers[o.by]!.delete(ENTITIES[o.e]!));
              break;
            case 'expiry':
              deliver(o.by, writers[o.by]!.write(ENTITIES[o.e]!, 'expiry', { at: now + o.in }));
              break;
            case 'sync':
              // Each writer learns the other's writes: what they write next supersedes them.
              writers[0]!.receive(...sent[1]!.splice(0));
              writers[1]!.receive(...sent[0]!.splice(0));
              break;
            case 'hold':
              if (o.on) held ??= [];
              else {
                for (const v of (held ?? []).reverse()) store.apply(v);
                held = undefined;
              }
              break;
            case 'time':
              now = Math.max(1_000, now + o.step);
              break;
            case 'purge':
              store.purgeExpired(now);
              break;
            case 'restore':
              store = EntityStore.restore(store.snapshot());
              break;
            case 'count': {
              const skip = o.skip ? skipE4 : undefined;
              expect(store.countShown(now, skip)).toEqual(walk(store, now, skip));
              break;
            }
          }
          expect(store.countShown(now)).toEqual(walk(store, now));
        }
      }),
      { seed, numRuns: 300 },
    );
  });

  it('summarises only the entities changed since the last count', () => {
    const a = node('a', 1_000);
    for (let i = 0; i < 200; i++) a.write(`t${i.toString()}`, 'position', { lat: 1, lon: i * 0.1 });
    expect(a.store.countShown(2_000)).toEqual({ entities: 200, conflicts: 0 });
    a.write('t7', 'threat', { level: 'LOW' });
    a.delete('t8');
    const registers = vi.spyOn(EntityState.prototype, 'registers');
    try {
      expect(a.store.countShown(2_001)).toEqual({ entities: 199, conflicts: 0 });
      // The two changed entities (the deleted one shows nothing and reads no register); the old walk read all 200.
      expect(registers.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      registers.mockRestore();
    }
  });

  it('an expiry firing between two counts changes the count without a write', () => {
    const a = node('a', 1_000);
    a.write('x', 'position', { lat: 1, lon: 2 });
    a.write('x', 'expiry', { at: 1_500 });
    a.write('y', 'position', { lat: 1, lon: 3 });
    expect(a.store.countShown(1_499)).toEqual({ entities: 2, conflicts: 0 });
    expect(a.store.countShown(1_500)).toEqual({ entities: 1, conflicts: 0 });
    // The wall clock set back: the expiry has not fired at that time.
    expect(a.store.countShown(1_200)).toEqual({ entities: 2, conflicts: 0 });
  });
});
