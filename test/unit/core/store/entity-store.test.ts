/** EntityStore: list/query filters and version counting. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/core/errors';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { validateQuery } from '../../../../src/core/store/query';
import { arbProgram, simulate } from '../support/merge-sim';
import { node } from '../support/sim-node';
import { expectNumbered } from './model/numbers';

function picture() {
  const a = node('a', 1_000);
  a.write('london', 'position', { lat: 51.5, lon: -0.1 });
  a.write('london', 'threat', { level: 'LOW' });
  a.write('fiji', 'position', { lat: -17.7, lon: 178.1 });
  a.write('fiji', 'threat', { level: 'HIGH' });
  a.write('samoa', 'position', { lat: -13.8, lon: -172.1 });
  a.write('samoa', 'threat', { level: 'MEDIUM' });
  a.write('nopos', 'threat', { level: 'HIGH' });
  a.write('quiet', 'position', { lat: 0, lon: 0 });
  return a;
}
const ids = (vs: { id: string }[]) => vs.map((v) => v.id).sort();

describe('EntityStore.list', () => {
  it('lists every live entity without a filter', () => {
    expect(ids(picture().store.list(0))).toEqual(['fiji', 'london', 'nopos', 'quiet', 'samoa']);
  });

  it('filters by kind', () => {
    const s = picture().store;
    expect(ids(s.list(0, { kind: 'threat' }))).toEqual(['fiji', 'london', 'nopos', 'samoa']);
    expect(ids(s.list(0, { kind: 'position' }))).toEqual(['fiji', 'london', 'quiet', 'samoa']);
    expect(s.list(0, { kind: 'velocity' })).toEqual([]);
  });

  it('filters by kind without matching Object.prototype member names', () => {
    const s = picture().store;
    for (const kind of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(s.list(0, validateQuery({ kind })), kind).toEqual([]);
    }
    const b = node('b');
    b.write('x', 'constructor', { v: 1 }); // an unknown kind may legitimately be called that
    expect(ids(b.store.list(0, { kind: 'constructor' }))).toEqual(['x']);
  });

  it('filters by minimum threat', () => {
    const s = picture().store;
    expect(ids(s.list(0, { minThreat: 'NONE' }))).toEqual(['fiji', 'london', 'nopos', 'samoa']);
    expect(ids(s.list(0, { minThreat: 'MEDIUM' }))).toEqual(['fiji', 'nopos', 'samoa']);
    expect(ids(s.list(0, { minThreat: 'HIGH' }))).toEqual(['fiji', 'nopos']);
  });

  it('filters by area, including a box across the antimeridian', () => {
    const s = picture().store;
    expect(ids(s.list(0, { area: { south: 50, west: -1, north: 52, east: 1 } }))).toEqual(['london']);
    // the Pacific box 175E..170W crosses the antimeridian
    expect(ids(s.list(0, { area: { south: -20, west: 175, north: -10, east: -170 } }))).toEqual(['fiji', 'samoa']);
    // the same numbers as a non-crossing box (west < east) cover the other way round
    expect(ids(s.list(0, { area: { south: -20, west: -170, north: -10, east: 175 } }))).toEqual([]);
    // entities without a position never match an area
    expect(ids(s.list(0, { area: { south: -90, west: -180, north: 90, east: 180 } }))).toEqual([
      'fiji',
      'london',
      'quiet',
      'samoa',
    ]);
    // edges are inclusive
    expect(ids(s.list(0, { area: { south: 0, west: 0, north: 0, east: 0 } }))).toEqual(['quiet']);
  });

  it('combines filters and honours limit', () => {
    const s = picture().store;
    expect(
      ids(
        s.list(0, { kind: 'position', minThreat: 'MEDIUM', area: { south: -20, west: 175, north: -10, east: -170 } }),
      ),
    ).toEqual(['fiji', 'samoa']);
    expect(s.list(0, { limit: 2 })).toHaveLength(2);
    expect(s.list(0, { limit: 0 })).toEqual([]);
    expect(s.list(0, { minThreat: 'HIGH', limit: 1 })).toHaveLength(1);
  });

  it('filters conflicted entities', () => {
    const a = picture();
    const b = node('b', 1_000);
    const vb = b.write('london', 'threat', { level: 'HIGH' }); // concurrent with a's LOW
    a.receive(vb);
    expect(ids(a.store.list(0, { conflicted: true }))).toEqual(['london']);
    expect(a.store.list(0, { conflicted: false })).toHaveLength(5);
    expect(a.store.view('london' as EntityId, 0)!.components.threat).toEqual({ level: 'HIGH' });
  });

  it('skips deleted and expired entities', () => {
    const a = picture();
    a.delete('london');
    a.write('fiji', 'expiry', { at: 5_000 });
    expect(ids(a.store.list(4_999))).toEqual(['fiji', 'nopos', 'quiet', 'samoa']);
    expect(ids(a.store.list(5_000))).toEqual(['nopos', 'quiet', 'samoa']);
  });
});

describe('validateQuery', () => {
  it('accepts a full filter and undefined', () => {
    expect(validateQuery(undefined)).toEqual({});
    const q = {
      kind: 'position',
      minThreat: 'LOW',
      area: { south: -1, west: 170, north: 1, east: -170 },
      conflicted: true,
      limit: 10,
    };
    expect(validateQuery(q)).toEqual(q);
  });

  it.each([
    [{ kind: 'Bad Kind' }, 'filter.kind'],
    [{ kind: '$deleted' }, 'filter.kind'],
    [{ minThreat: 'SEVERE' }, 'filter.minThreat'],
    [{ limit: -1 }, 'filter.limit'],
    [{ limit: 1.5 }, 'filter.limit'],
    [{ area: { south: -91, west: 0, north: 0, east: 0 } }, 'filter.area.south'],
    [{ area: { south: 0, west: 0, north: 0 } }, 'filter.area.east'],
    [{ area: { south: 0, west: 0, north: 0, east: 0, radius: 5 } }, 'filter.area'],
    [{ conflicted: 'false' }, 'filter.conflicted'],
    [{ color: 'red' }, 'filter'],
    ['nope', 'filter'],
  ])('refuses %j naming %s', (q, field) => {
    expect(() => validateQuery(q)).toThrow(ValidationError);
    expect(() => validateQuery(q)).toThrow(field);
  });
});

describe('EntityStore.size counts stored versions', () => {
  const count = (s: { versions(): Iterable<unknown> }) => [...s.versions()].length;

  it('stays correct through supersede, conflict, resolve, delete, revive and purge', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_000);
    a.write('e', 'position', { lat: 1, lon: 1 });
    a.write('e', 'position', { lat: 2, lon: 2 }); // supersedes
    expect(a.store.size).toBe(1);
    a.receive(b.write('e', 'position', { lat: 3, lon: 3 })); // conflict
    expect(a.store.size).toBe(2);
    a.write('e', 'position', { lat: 4, lon: 4 }); // resolves both
    a.write('e', 'threat', { level: 'LOW' });
    expect(a.store.size).toBe(2);
    a.delete('e');
    expect(a.store.size).toBe(1);
    a.wall = 2_000;
    a.write('e', 'threat', { level: 'HIGH' });
    a.write('e', 'expiry', { at: 3_000 });
    expect(a.store.size).toBe(3);
    // The tombstone and the threat go; the expiry stays as the entity's floor.
    expect(a.store.purgeExpired(3_000)).toHaveLength(2);
    expect(a.store.size).toBe(1);
    expect(a.store.entityCount).toBe(1);
  });

  it('equals the number of versions the store holds on every node of random histories (property)', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log('entity-store size seed', seed);
    fc.assert(
      fc.property(arbProgram(), fc.integer({ min: 0, max: 3 }), (program, purgeAt) => {
        const { nodes } = simulate(program);
        for (const n of nodes) {
          expect(n.store.size).toBe(count(n.store));
          n.store.purgeExpired(purgeAt);
          expect(n.store.size).toBe(count(n.store));
        }
      }),
      { seed, numRuns: 100 },
    );
  });
});

describe('EntityStore.countShown', () => {
  it('counts what list() shows and its conflicts, skipping what it is told to', () => {
    const a = picture();
    a.receive(node('b', 1_000).write('london', 'threat', { level: 'HIGH' })); // a conflict
    a.delete('samoa');
    a.write('fiji', 'expiry', { at: 5_000 });
    for (const now of [0, 4_999, 5_000]) {
      const views = a.store.list(now);
      expect(a.store.countShown(now)).toEqual({
        entities: views.length,
        conflicts: views.filter((v) => v.conflicts.length > 0).length,
      });
    }
    expect(a.store.countShown(0)).toEqual({ entities: 4, conflicts: 1 });
    expect(a.store.countShown(0, (id) => id === 'london')).toEqual({ entities: 3, conflicts: 0 });
  });

  it('agrees with list() on random histories (property)', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log('entity-store countShown seed', seed);
    fc.assert(
      fc.property(arbProgram(), fc.integer({ min: 0, max: 3 }), (program, at) => {
        for (const n of simulate(program).nodes) {
          const views = n.store.list(at);
          expect(n.store.countShown(at)).toEqual({
            entities: views.length,
            conflicts: views.filter((v) => v.conflicts.length > 0).length,
          });
        }
      }),
      { seed, numRuns: 100 },
    );
  });
});

describe('EntityStore entity numbers (what the sync index names entities by)', () => {
  const at = (entity: string, author: string, ms: number): Version => ({
    entity: entity as EntityId,
    kind: 'position' as ComponentKind,
    value: { lat: ms, lon: 2 },
    ts: { ms, c: 0, node: author as NodeId },
    seen: [],
  });

  it('frees the number of an entity forgotten (emptied by a withdrawal) and gives it to the next one held', () => {
    const s = new EntityStore();
    s.apply(at('a', 'x', 10));
    s.apply(at('b', 'y', 10));
    expect([s.numberOf('a' as EntityId), s.numberOf('b' as EntityId)]).toEqual([0, 1]);
    expectNumbered(s);
    // x's writes after its cut-off are taken out: `a` holds nothing and is forgotten.
    s.withdraw(new Map([['x' as NodeId, { ms: 5, c: 0, node: 'x' as NodeId }]]), 100);
    expect(s.numberOf('a' as EntityId)).toBeUndefined();
    expect([...s.retainedAt(0, 'position' as ComponentKind)]).toEqual([]);
    expectNumbered(s);
    s.apply(at('c', 'y', 11));
    expect(s.numberOf('c' as EntityId)).toBe(0);
    expect([...s.retainedAt(0, 'position' as ComponentKind)].map((v) => v.entity)).toEqual(['c']);
    expectNumbered(s);
    // A restored store numbers what it holds afresh.
    expectNumbered(EntityStore.restore(s.snapshot()));
  });
});

describe('EntityStore views of conflicts', () => {
  it('lists conflicting kinds in the same order on replicas that received the same versions in another order', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_000);
    const writes = [
      a.write('x', 'speed', { kts: 1 }),
      a.write('x', 'threat', { level: 'LOW' }),
      b.write('x', 'threat', { level: 'HIGH' }),
      b.write('x', 'speed', { kts: 2 }),
    ];
    const first = node('c', 1_000).receive(...writes);
    const second = node('d', 1_000).receive(...[...writes].reverse());
    const one = first.store.view('x' as EntityId, 0);
    const two = second.store.view('x' as EntityId, 0);
    expect(one?.conflicts).toEqual(['speed', 'threat']);
    expect(two?.conflicts).toEqual(one?.conflicts);
  });
});
