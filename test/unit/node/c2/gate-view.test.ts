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
import type { Version } from '../../../../src/core/merge/version';
import { GATE_KINDS } from '../../../../src/node/approval-loop';
import { gateViewOf } from '../../../../src/node/c2-pipeline';
import { node, type TestNode } from '../../core/support/sim-node';

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

describe('gateViewOf', () => {
  it(`is the store's view with the gate's kinds alone, undefined exactly when it is (seed ${seed})`, () => {
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
