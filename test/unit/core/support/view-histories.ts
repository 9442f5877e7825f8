import fc from 'fast-check';
import type { Version } from '../../../../src/core/merge/version';
import { node, type TestNode } from './sim-node';

/**
 * Random histories for checks on an entity's view: three writers (sim-node.ts), each delivered a
 * random part of the others' writes (so registers hold concurrent heads and contexts), deletes,
 * expiries passed and not, purges. `check` runs on every node after every step, at the wall clock
 * and 300 ms and 10 s later (view-of-kinds.test.ts, node/c2/gate-view.test.ts).
 */
export type ViewStep =
  | { readonly t: 'write'; readonly node: number; readonly entity: number; readonly kind: number; readonly v: number }
  | { readonly t: 'deliver'; readonly to: number; readonly mask: number }
  | { readonly t: 'advance'; readonly dt: number }
  | { readonly t: 'purge'; readonly node: number };

/** Steps over `entities` entity ids and `kinds` component kinds (indices into the caller's lists). */
export function viewSteps(entities: number, kinds: number): fc.Arbitrary<ViewStep[]> {
  const step: fc.Arbitrary<ViewStep> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        t: fc.constant('write' as const),
        node: fc.nat(2),
        entity: fc.nat(entities - 1),
        kind: fc.nat(kinds - 1),
        v: fc.nat(30),
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('deliver' as const), to: fc.nat(2), mask: fc.nat(255) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('advance' as const), dt: fc.nat(600) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('purge' as const), node: fc.nat(2) }) },
  );
  return fc.array(step, { minLength: 1, maxLength: 40 });
}

/** Plays `steps` from wall clock `t0`: `value(kind, v, now)` is what a write of `kind` (not `deleted`) writes. */
export function playViewHistory(
  steps: readonly ViewStep[],
  t0: number,
  entities: readonly string[],
  kinds: readonly string[],
  value: (kind: string, v: number, now: number) => unknown,
  check: (n: TestNode, now: number) => void,
): void {
  let wall = t0;
  const nodes = ['a', 'b', 'c'].map((id) => node(id, t0));
  const written: Version[] = [];
  for (const s of steps) {
    if (s.t === 'write') {
      const n = nodes[s.node]!;
      const kind = kinds[s.kind]!;
      const e = entities[s.entity]!;
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
}
