/**
 * purgeExpired visits only the entities whose next deadline has passed (DeadlineIndex), where it
 * used to scan every entity at each tick. The model: the scan, run on a twin store fed the same
 * random history; at every step both purge the same versions and hold the same state.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import { DeadlineIndex } from '../../../../src/core/store/deadline-index';
import { EntityState } from '../../../../src/core/store/entity-state';
import { EntityStore } from '../../../../src/core/store/entity-store';
import type { Evidence } from '../../../../src/core/store/evidence';
import { dump } from '../support/merge-sim';

const T0 = 1_700_000_000_000;
const ENTITIES = ['a', 'b', 'c', 'd'] as EntityId[];
const AUTHORS = ['n0', 'n1', 'n2'] as NodeId[];

type Step =
  | { t: 'write'; e: number; author: number; kind: 'position' | 'expiry' | 'delete'; v: number; seesAll: boolean }
  | { t: 'advance'; dt: number }
  | { t: 'purge' }
  | { t: 'restart' };

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('write' as const),
      e: fc.nat(ENTITIES.length - 1),
      author: fc.nat(AUTHORS.length - 1),
      kind: fc.constantFrom('position' as const, 'expiry' as const, 'expiry' as const, 'delete' as const),
      v: fc.integer({ min: -3, max: 30 }),
      seesAll: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('advance' as const), dt: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 3, arbitrary: fc.constant({ t: 'purge' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'restart' as const }) },
);

/** What purgeExpired did before the index: every entity whose earliest expiry head has passed. */
function purgeByScan(store: EntityStore, now: number): Version[] {
  const purged: Version[] = [];
  const gone: Evidence[] = [];
  for (const id of ENTITIES) {
    const s = store.state(id);
    const at = s?.expiresAt;
    if (s === undefined || at === undefined || at > now) continue;
    purged.push(...s.purge(now, gone));
  }
  return purged;
}

const keys = (vs: readonly Version[]): string[] =>
  vs.map((v) => `${v.entity}/${v.kind}/${v.ts.ms}.${v.ts.c}.${v.ts.node}`).sort();
/** The dump without its totals line (the scan above bypasses the store's running counts). */
const state = (store: EntityStore): string => dump(store, true).split('\n').slice(1).join('\n');

/**
 * EntityState.deadlineAtMost, which EntityStore.apply reads for its `before` instead of the earliest
 * deadline: never before it, and at or before a bound exactly when the earliest is.
 */
function deadlineAtMostAgrees(store: EntityStore, now: number): void {
  for (const id of ENTITIES) {
    const s = store.state(id);
    if (s === undefined) continue;
    const next = s.nextDeadline;
    for (const bound of [now - 5, now, now + 7, now + 30, Number.NaN]) {
      const d = s.deadlineAtMost(bound);
      if (next === undefined) {
        expect(d).toBeUndefined();
        continue;
      }
      expect(d).toBeGreaterThanOrEqual(next);
      expect(d! <= bound).toBe(next <= bound);
    }
  }
}

function run(steps: readonly Step[]): void {
  let indexed = new EntityStore();
  let scanned = new EntityStore();
  let now = T0;
  const counters = new Map<NodeId, number>();
  const written: Version[] = [];
  for (const step of steps) {
    switch (step.t) {
      case 'write': {
        const author = AUTHORS[step.author]!;
        const entity = ENTITIES[step.e]!;
        const kind = (step.kind === 'delete' ? DELETED : step.kind) as ComponentKind;
        const c = counters.get(author) ?? 0;
        counters.set(author, c + 1);
        // Seeing every head of the register, or nothing: concurrent writes and supersession both.
        const seen = step.seesAll ? indexed.heads(entity, kind).map((h) => h.ts) : [];
        const value = kind === DELETED ? null : kind === 'expiry' ? { at: now + step.v } : { lat: step.v, lon: 0 };
        const v: Version = { entity, kind, value: value as never, ts: { ms: now, c, node: author }, seen };
        written.push(v);
        indexed.apply(v);
        scanned.apply(v);
        break;
      }
      case 'advance':
        now += step.dt;
        break;
      case 'purge':
        expect(keys(indexed.purgeExpired(now))).toEqual(keys(purgeByScan(scanned, now)));
        break;
      case 'restart':
        indexed = EntityStore.restore(structuredClone(indexed.snapshot()));
        scanned = EntityStore.restore(structuredClone(scanned.snapshot()));
        break;
    }
    expect(state(indexed)).toBe(state(scanned));
    deadlineAtMostAgrees(indexed, now);
  }
  // A late re-delivery of everything, then a purge far ahead: still the same.
  for (const v of written) {
    indexed.apply(v);
    scanned.apply(v);
  }
  now += 1_000;
  expect(keys(indexed.purgeExpired(now))).toEqual(keys(purgeByScan(scanned, now)));
  expect(state(indexed)).toBe(state(scanned));
}

describe('the expiry index', () => {
  it('purges the same entities as a scan of every entity, at every step of random histories', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log(`expiry-index seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.array(arbStep, { maxLength: 60 }), (steps) => run(steps)),
      { seed, numRuns: 300 },
    );
  });

  it('a tick visits only the entities due, not those expired before or due later', () => {
    const store = new EntityStore();
    const write = (id: number, kind: string, value: unknown, ms: number): void => {
      const v = { entity: `e${id}`, kind, value, ts: { ms, c: 0, node: 'n0' }, seen: [] } as unknown as Version;
      store.apply(v);
    };
    for (let i = 0; i < 1_000; i++) {
      write(i, 'position', { lat: 1, lon: 1 }, T0);
      // Half expire at T0+10, half much later.
      write(i, 'expiry', { at: i % 2 === 0 ? T0 + 10 : T0 + 1_000_000 }, T0 + 1);
    }
    const purge = vi.spyOn(EntityState.prototype, 'purge');
    expect(store.purgeExpired(T0 + 10)).toHaveLength(500);
    expect(purge).toHaveBeenCalledTimes(500);
    purge.mockClear();
    // The floored half keeps its marker, whose deadline has passed: nothing to do, nothing visited.
    for (let t = 11; t < 20; t++) expect(store.purgeExpired(T0 + t)).toEqual([]);
    expect(purge).not.toHaveBeenCalled();
    purge.mockRestore();
  });

  it('gives each entity due once, earliest first, and drops stale entries', () => {
    // The store: each entity's deadline now (EntityState.nextDeadline), which the index reads.
    const now = new Map<EntityId, number>();
    const index = new DeadlineIndex((e) => now.get(e));
    const id = (s: string): EntityId => s as EntityId;
    const set = (e: EntityId, at: number | undefined): void => {
      if (at === undefined) now.delete(e);
      else now.set(e, at);
      index.set(e, at);
    };
    set(id('a'), 30);
    set(id('b'), 10);
    set(id('c'), 20);
    set(id('b'), 40);
    set(id('c'), undefined);
    expect(index.due(25)).toEqual([]);
    expect(index.due(35)).toEqual([id('a')]);
    expect(index.due(35)).toEqual([]);
    expect(index.due(100)).toEqual([id('b')]);
    for (let i = 0; i < 500; i++) set(id('x'), i);
    expect(index.entries).toBeLessThanOrEqual(130);
    expect(index.due(1_000)).toEqual([id('x')]);
  });

  it('gives an entity whose deadline was set twice once, and keeps one entry per entity at a compaction', () => {
    const now = new Map<EntityId, number>();
    const index = new DeadlineIndex((e) => now.get(e));
    const set = (e: string, at: number): void => {
      now.set(e as EntityId, at);
      index.set(e as EntityId, at);
    };
    set('a', 10);
    set('a', 10);
    set('b', 10);
    expect(index.due(10)).toEqual(['a', 'b']);
    expect(index.entries).toBe(0);
    // 40 entities, each set 4 times to the same deadline: compactions leave one entry each.
    for (let r = 0; r < 4; r++) for (let e = 0; e < 40; e++) set(`e${e}`, 100 + e);
    expect(index.entries).toBeLessThanOrEqual(2 * 40 + 40);
    expect(index.due(1_000)).toEqual(Array.from({ length: 40 }, (_, e) => `e${e}`));
  });
  it('gives an entity whose deadline moved later without a new entry at its new deadline, in order', () => {
    const now = new Map<EntityId, number>();
    const index = new DeadlineIndex((e) => now.get(e));
    const set = (e: string, at: number): void => {
      const before = now.get(e as EntityId);
      now.set(e as EntityId, at);
      index.set(e as EntityId, at, before);
    };
    set('a', 10);
    set('b', 20);
    // Later deadlines: no entry pushed, the ones at 10 and 20 stand for them.
    set('a', 30);
    set('a', 40);
    expect(index.entries).toBe(2);
    expect(index.due(25)).toEqual(['b']);
    expect(index.due(35)).toEqual([]);
    // An earlier deadline is pushed.
    set('c', 50);
    set('c', 5);
    expect(index.due(45)).toEqual(['c', 'a']);
    expect(index.due(1_000)).toEqual([]);
    // Many renewals, each later: one entry per entity, compactions keep its deadline.
    for (let r = 0; r < 100; r++) for (let e = 0; e < 10; e++) set(`e${e}`, 2_000 + 10 * r + e);
    expect(index.entries).toBe(10);
    expect(index.due(2_998)).toEqual(Array.from({ length: 9 }, (_, e) => `e${e}`));
    expect(index.due(3_000)).toEqual(['e9']);
  });
});
