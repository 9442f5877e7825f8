/**
 * The approval gate reads an entity's threat, approval and task through gateViewOf (c2-pipeline.ts)
 * instead of its whole view (docs/benchmarks.md, scenario 6: a step follows every threat change of
 * a writeMany). Over random histories (three writers, each delivered a random part of the others'
 * writes; deletes, expiries passed and not, purges) it is undefined exactly when the store's view
 * is, and otherwise shows the gate's kinds exactly as that view does (components and meta), and no
 * other kind. Replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../../src/core/ids';
import { GATE_KINDS } from '../../../../src/node/approval-loop';
import { gateViewOf } from '../../../../src/node/c2-pipeline';
import type { TestNode } from '../../core/support/sim-node';
import { playViewHistory, viewSteps } from '../../core/support/view-histories';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 200);
const T0 = 1_700_000_000_000;
const ENTITIES = ['e1', 'e2'];
const KINDS = ['threat', 'approval', 'task', 'position', 'expiry', 'deleted'];

const value = (kind: string, v: number, now: number): unknown => {
  switch (kind) {
    case 'threat':
      return { level: ['LOW', 'HIGH'][v % 2] };
    case 'approval':
      return { requestId: `r${v % 3}`, state: 'PENDING', deadline: now + 1000 };
    case 'task':
      return { task: 'INTERCEPT', requestId: `r${v % 3}` };
    case 'position':
      return { lat: v % 7, lon: v % 5 };
    default:
      return { at: now + (v % 3) * 400 - 200 };
  }
};

function check(n: TestNode, now: number): void {
  for (const e of ENTITIES) {
    const id = e as EntityId;
    const full = n.store.view(id, now);
    const part = gateViewOf(n.store, id, now);
    if (full === undefined) {
      expect(part).toBeUndefined();
      continue;
    }
    expect(part).toBeDefined();
    const gate = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).filter(([k]) => (GATE_KINDS as readonly string[]).includes(k)));
    expect(part!.id).toBe(id);
    expect(part!.components).toEqual(gate(full.components));
    expect(part!.meta).toEqual(gate(full.meta));
  }
}

describe('gateViewOf', () => {
  it(`is the store's view with the gate's kinds alone, undefined exactly when it is (seed ${seed})`, () => {
    fc.assert(
      fc.property(viewSteps(ENTITIES.length, KINDS.length), (steps) =>
        playViewHistory(steps, T0, ENTITIES, KINDS, value, check),
      ),
      { seed, numRuns },
    );
  });
});
