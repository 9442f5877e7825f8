/**
 * Writes withdrawn at a removal (docs/security.md, "Writes withdrawn at a removal"), at the store:
 * honest nodes write with their stores' contexts (deletes and expiries too); member x writes like
 * them, on top of honest values, and also signs twins with hostile contexts (evidence.ts). At a
 * random point x is removed with a cut-off; each honest node learns the removal at its own later
 * step, and from then on refuses x's versions stamped after the cut-off (the ingest gate) and has
 * withdrawn those it took before (EntityStore.withdraw). x goes on writing and handing its versions
 * to anyone. Any subset of everything reaches any node in any order; nodes sync partly, and purge.
 * Then every honest node learns the removal, and they sync as reconciliation does (what a peer
 * keeps and serves, x's store gated like any source) until nothing changes: every honest node holds
 * the same heads, evidence and knowledge, none holds a version of x after the cut-off, and what any
 * node serves is a duplicate everywhere.
 * Replay a failure with SEED=<printed seed> (NUM_RUNS=... for more or fewer histories).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hlc } from '../../../../../src/core/clock/hlc';
import { compareTs, type Timestamp } from '../../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../../src/core/ids';
import { DELETED, type Version } from '../../../../../src/core/merge/version';
import { EntityStore } from '../../../../../src/core/store/entity-store';
import { dump, prng, shuffle, valueFor } from '../../support/merge-sim';
import { expectSameReplicas, settle } from './replica-sync';
import { expectNumbered } from './numbers';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 600);

const ENTITIES = ['e1', 'e2'] as EntityId[];
const KINDS = ['threat', 'speed', DELETED, 'expiry'] as ComponentKind[];
const X = 'x' as NodeId;
const HONEST = 3;

type Step =
  | { readonly t: 'write'; readonly node: number; readonly entity: number; readonly kind: number; readonly v: number }
  | { readonly t: 'twins'; readonly entity: number; readonly kind: number; readonly seed: number }
  | { readonly t: 'deliver'; readonly to: number; readonly seed: number; readonly rate: number }
  | { readonly t: 'sync'; readonly from: number; readonly to: number; readonly seed: number }
  | { readonly t: 'remove' }
  | { readonly t: 'learn'; readonly node: number }
  | { readonly t: 'purge'; readonly node: number }
  | { readonly t: 'advance'; readonly dt: number };

const nat = (max: number) => fc.integer({ min: 0, max });
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.record({
      t: fc.constant('write' as const),
      node: nat(HONEST),
      entity: nat(1),
      kind: nat(3),
      v: nat(99),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('twins' as const), entity: nat(1), kind: nat(1), seed: fc.nat() }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('deliver' as const),
      to: nat(HONEST),
      seed: fc.nat(),
      rate: fc.constantFrom(0.3, 1),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('sync' as const), from: nat(HONEST), to: nat(HONEST), seed: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'remove' as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('learn' as const), node: nat(HONEST - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('purge' as const), node: nat(HONEST - 1) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('advance' as const), dt: fc.integer({ min: 1, max: 20 }) }) },
);

interface Node {
  readonly id: NodeId;
  readonly hlc: Hlc;
  readonly store: EntityStore;
  /** Whether it merged the removal. */
  knows: boolean;
}

const stats = { histories: 0, withdrawn: 0, evidence: 0, restored: 0 };

/**
 * dump(), with a tombstone time at or below the floor shown as none: a tombstone the floor drops is
 * no longer served, so a replica that never held it has no such time; it removes nothing the floor
 * does not (context-bound.ts), with or without the withdrawal.
 */
const heads = (store: EntityStore): string =>
  dump(store)
    .split('\n')
    .map((line) => {
      const m = /^(\S+) deletedAt=(\S+) floor=(\S+)$/.exec(line);
      if (m === null) return line;
      const s = store.state(m[1] as EntityId)!;
      const below = s.deletedAt !== undefined && s.floor !== undefined && s.deletedAt.ms <= s.floor;
      return below ? `${m[1]} deletedAt=- floor=${m[3]}` : line;
    })
    .join('\n');

function run(steps: readonly Step[]): void {
  let time = 1_700_000_000_000;
  const nodes: Node[] = ['n0', 'n1', 'n2', 'x'].map((name) => {
    const id = name as NodeId;
    return { id, hlc: new Hlc({ node: id, now: () => time }), store: new EntityStore(), knows: false };
  });
  const honest = nodes.slice(0, HONEST);
  const x = nodes[HONEST]!;
  const universe: Version[] = [];
  let cut: Timestamp | undefined;
  const late = (v: Version): boolean => cut !== undefined && v.ts.node === X && compareTs(v.ts, cut) > 0;
  const receive = (n: Node, v: Version): void => {
    if (n !== x && n.knows && late(v)) return; // the ingest gate
    n.hlc.force(v.ts);
    n.store.apply(v);
  };
  const learn = (n: Node): void => {
    if (n.knows || cut === undefined) return;
    n.knows = true;
    const changed = n.store.withdraw(new Map([[X, cut]]), time);
    if (changed.size > 0) stats.withdrawn += 1;
    for (const w of changed.values()) if (w.put.length > 0) stats.restored += 1;
  };
  const sync = (from: Node, to: Node, rnd: () => number): void => {
    if (from === to) return;
    for (const v of shuffle([...from.store.retained()], rnd)) receive(to, v);
  };
  const write = (n: Node, entity: EntityId, kind: ComponentKind, v: number): Version => {
    const ts = n.hlc.now();
    // An expiry carries the floor its writer holds once purged at its stamp (src/node/prepare-write.ts).
    const floor = kind === 'expiry' ? n.store.floorToCarry(entity, ts.ms) : undefined;
    const at = time + 1 + (v % 30);
    return {
      entity,
      kind,
      value: kind === 'expiry' ? (floor === undefined ? { at } : { at, floor }) : valueFor(kind, v),
      ts,
      seen: n.store.contextFor(entity, kind, n.id),
    };
  };
  for (const step of steps) {
    switch (step.t) {
      case 'write': {
        // Node index HONEST is x: it writes on top of what it holds, before and after its removal.
        const n = nodes[step.node]!;
        const kind = KINDS[step.kind]!;
        // Expiries: x's only, any number per entity, so x shortens and lengthens its own expiry
        // (a replica that fired one before hearing of the change takes its floor away then,
        // EntityState.liftFloor).
        if (kind === 'expiry' && n !== x) break;
        const v = write(n, ENTITIES[step.entity]!, kind, step.v);
        universe.push(v);
        receive(n, v);
        break;
      }
      case 'twins': {
        const entity = ENTITIES[step.entity]!;
        const kind = KINDS[step.kind]!;
        const rnd = prng(step.seed);
        const ts = x.hlc.now();
        const own = x.store.contextFor(entity, kind, X);
        const named = universe
          .filter((u) => u.entity === entity && u.kind === kind && u.ts.node !== X && compareTs(u.ts, ts) < 0)
          .map((u) => u.ts);
        const versions: Version[] = [0, 1].map((i) => ({
          entity,
          kind,
          value: valueFor(kind, i),
          ts,
          seen: i === 0 ? own.filter(() => rnd() < 0.5) : latestPerAuthor(named),
        }));
        universe.push(...versions);
        for (const n of nodes) for (const v of shuffle([...versions], rnd)) if (rnd() < 0.6) receive(n, v);
        break;
      }
      case 'deliver': {
        const rnd = prng(step.seed);
        const to = nodes[step.to]!;
        for (const v of shuffle(
          universe.filter(() => rnd() < step.rate),
          rnd,
        ))
          receive(to, v);
        break;
      }
      case 'sync':
        sync(nodes[step.from]!, nodes[step.to]!, prng(step.seed));
        break;
      case 'remove':
        if (cut === undefined) {
          cut = nodes[0]!.hlc.now();
          learn(nodes[0]!);
        }
        break;
      case 'learn':
        learn(honest[step.node]!);
        break;
      case 'purge':
        honest[step.node]!.store.purgeExpired(time);
        break;
      case 'advance':
        time += step.dt;
        break;
      default: {
        const never: never = step;
        throw new Error(`unknown step ${JSON.stringify(never)}`);
      }
    }
    for (const n of nodes) expectNumbered(n.store);
  }
  if (cut === undefined) {
    cut = nodes[0]!.hlc.now();
    // x's last words, after the cut-off, to whoever still takes them.
    const v = write(x, ENTITIES[0]!, KINDS[0]!, 1);
    universe.push(v);
    for (const n of nodes) receive(n, v);
  }
  time += 100;
  for (const n of honest) learn(n);
  const rnd = prng(steps.length);
  settle(honest, () => {
    for (const a of nodes) for (const b of honest) sync(a, b, rnd);
    for (const n of honest) n.store.purgeExpired(time);
  });
  for (const n of honest) expect([...n.store.retained()].filter(late), `${n.id} holds x's late versions`).toEqual([]);
  expectSameReplicas(honest, { entities: ENTITIES, kinds: KINDS }, heads);
  for (const n of nodes) expectNumbered(n.store);
  const first = honest[0]!;
  stats.histories += 1;
  if (first.store.evidenceCount > 0) stats.evidence += 1;
}

function latestPerAuthor(ts: readonly Timestamp[]): Timestamp[] {
  const latest = new Map<NodeId, Timestamp>();
  for (const t of ts) {
    const known = latest.get(t.node);
    if (known === undefined || compareTs(t, known) > 0) latest.set(t.node, t);
  }
  return [...latest.values()];
}

describe('a removed member writing while its removal spreads, at the store', () => {
  it('every honest replica ends with the same heads, evidence and knowledge, and none of its late writes', () => {
    console.log(`withdraw-sync seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 1, maxLength: 60, size: 'medium' }), (steps) => run(steps)),
      { seed, numRuns },
    );
    console.log(
      `withdraw-sync: ${stats.histories} histories, ${stats.withdrawn} withdrawals that took something out, ` +
        `${stats.restored} entities where a withdrawal made a kept version a head again, ${stats.evidence} ending with evidence`,
    );
    expect(stats.withdrawn).toBeGreaterThan(stats.histories / 10);
  }, 300_000);
});
