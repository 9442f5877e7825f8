/**
 * viewOfKinds (entity-view.ts) is viewOf restricted to some kinds: what the fusion view reads of a
 * changed entity (src/node/fusion-view.ts, TRACK_KINDS) without building its full view. Over random
 * histories (three writers, each delivered a random part of the others' writes, so registers hold
 * concurrent heads and contexts; deletes, expiries passed and not, purges), it equals the full view
 * with the other kinds left out, at every instant asked. Replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ComponentKind } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { viewOf, viewOfKinds, type EntityView } from '../../../../src/core/store/entity-view';
import { node, type TestNode } from '../support/sim-node';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 300);
const T0 = 1_700_000_000_000;
const ENTITIES = ['e1', 'e2'];
const KINDS = ['source', 'position', 'velocity', 'threat', 'expiry', 'deleted'];
const SUBSETS: readonly (readonly string[])[] = [
  ['source', 'position', 'velocity'],
  ['position'],
  ['threat', 'expiry'],
  ['deleted', 'velocity'],
  [],
  KINDS,
];

const value = (kind: string, v: number, now: number): unknown => {
  switch (kind) {
    case 'source':
      return { sensorId: `s${v % 2}`, sensorType: 'radar' };
    case 'position':
      return { lat: v % 7, lon: v % 5 };
    case 'velocity':
      return { east: v % 3, north: 1 };
    case 'threat':
      return { level: ['LOW', 'HIGH'][v % 2] };
    default:
      return { at: now + (v % 3) * 400 - 200 };
  }
};

/** viewOf(state, now) with only `kinds` kept, as viewOfKinds defines it. */
function restricted(full: EntityView | undefined, kinds: readonly string[]): EntityView | undefined {
  if (full === undefined) return undefined;
  const keep = Object.keys(full.components).filter((k) => kinds.includes(k));
  if (keep.length === 0) return undefined;
  const components = Object.fromEntries(keep.map((k) => [k, full.components[k]!]));
  const meta = Object.fromEntries(keep.map((k) => [k, full.meta[k]!]));
  return { id: full.id, components, meta, conflicts: full.conflicts.filter((k) => keep.includes(k)), updatedAt: 0 };
}

type Step =
  | { readonly t: 'write'; readonly node: number; readonly entity: number; readonly kind: number; readonly v: number }
  | { readonly t: 'deliver'; readonly to: number; readonly mask: number }
  | { readonly t: 'advance'; readonly dt: number }
  | { readonly t: 'purge'; readonly node: number };

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('write' as const),
      node: fc.nat(2),
      entity: fc.nat(ENTITIES.length - 1),
      kind: fc.nat(KINDS.length - 1),
      v: fc.nat(30),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('deliver' as const), to: fc.nat(2), mask: fc.nat(255) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('advance' as const), dt: fc.nat(600) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('purge' as const), node: fc.nat(2) }) },
);

function check(n: TestNode, now: number): void {
  for (const id of ENTITIES) {
    const state = n.store.state(id as never);
    if (state === undefined) continue;
    for (const unchecked of [false, true]) {
      const full = viewOf(state, now, unchecked);
      for (const kinds of SUBSETS) {
        const part = viewOfKinds(state, now, kinds as ComponentKind[], unchecked);
        const want = restricted(full, kinds);
        expect(part === undefined ? undefined : { ...part, updatedAt: 0 }).toEqual(want);
        if (part === undefined) continue;
        // updatedAt: the newest head of the kinds kept, each of which the full view shows.
        expect(part.updatedAt).toBeLessThanOrEqual(full!.updatedAt);
        expect(part.updatedAt).toBe(Math.max(...Object.values(part.meta).map((m) => m.time), part.updatedAt));
      }
    }
  }
}

describe('viewOfKinds', () => {
  it(`is viewOf with the other kinds left out, over random histories (seed ${seed})`, () => {
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 1, maxLength: 40 }), (steps) => {
        let wall = T0;
        const nodes = ['a', 'b', 'c'].map((id) => node(id, T0));
        const written: Version[] = [];
        for (const s of steps) {
          if (s.t === 'write') {
            const n = nodes[s.node]!;
            const kind = KINDS[s.kind]!;
            const e = ENTITIES[s.entity]!;
            written.push(kind === 'deleted' ? n.delete(e) : n.write(e, kind, value(kind, s.v, wall)));
          } else if (s.t === 'deliver') {
            nodes[s.to]!.receive(...written.filter((_, i) => (s.mask >> (i % 8)) & 1));
          } else if (s.t === 'advance') {
            wall += s.dt;
            for (const n of nodes) n.wall = wall;
          } else {
            nodes[s.node]!.store.purgeExpired(wall);
          }
          for (const n of nodes) for (const at of [wall, wall + 300, wall + 10_000]) check(n, at);
        }
      }),
      { seed, numRuns },
    );
  });
});
