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
import { viewOf, viewOfKinds, type EntityView } from '../../../../src/core/store/entity-view';
import type { TestNode } from '../support/sim-node';
import { playViewHistory, viewSteps } from '../support/view-histories';

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
      fc.property(viewSteps(ENTITIES.length, KINDS.length), (steps) =>
        playViewHistory(steps, T0, ENTITIES, KINDS, value, check),
      ),
      { seed, numRuns },
    );
  });
});
