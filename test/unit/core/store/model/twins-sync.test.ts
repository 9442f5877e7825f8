/**
 * Twins with different contexts, then anti-entropy (issue 8 "zero divergence", issue 12
 * "equivocating versions"; core/store/evidence.ts). Honest nodes write with their stores' contexts
 * (deletes too); a hostile member signs two or three contents under one timestamp, with the same or
 * different values and different contexts (naming honest heads it never saw, leaving out what it
 * did, a rest marker), and hands each to any subset of the nodes in any order. Any subset of
 * everything ever written reaches any node in any order, with duplicates, and nodes sync partly.
 * Then every node syncs with every other as reconciliation does: a node receives only what its peer
 * keeps and serves (heads and evidence). After that, every node holds the same heads, the same
 * evidence and knowledge that covers the same versions (the context a new write would carry), and
 * sending any node's set to any other changes nothing (nothing is fetched and refused again). Before the evidence, a node that learned a
 * losing twin's context never served it, and replicas differed for good.
 * Replay a failure with SEED=<printed seed> (NUM_RUNS=... for more or fewer histories).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hlc } from '../../../../../src/core/clock/hlc';
import { compareTs, type Timestamp } from '../../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../../src/core/ids';
import { DELETED, type Version } from '../../../../../src/core/merge/version';
import { canonicalContent } from '../../../../../src/core/merge/version-content';
import { EntityStore } from '../../../../../src/core/store/entity-store';
import { prng, shuffle, valueFor } from '../../support/merge-sim';
import { expectSameReplicas, settle } from './replica-sync';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 1_000);

const ENTITIES = ['e1', 'e2'] as EntityId[];
const KINDS = ['threat', 'speed', DELETED] as ComponentKind[];
/** Honest nodes n0..n3; the equivocating member is x, which also keeps a store (and syncs). */
const X = 'x' as NodeId;

type Step =
  | { readonly t: 'write'; readonly node: number; readonly entity: number; readonly kind: number; readonly v: number }
  | {
      readonly t: 'twins';
      readonly entity: number;
      readonly kind: number;
      readonly count: number;
      readonly sameValue: boolean;
      readonly seed: number;
    }
  | { readonly t: 'deliver'; readonly to: number; readonly seed: number; readonly rate: number }
  | { readonly t: 'sync'; readonly from: number; readonly to: number; readonly seed: number }
  | { readonly t: 'advance'; readonly dt: number };

const nat = (max: number) => fc.integer({ min: 0, max });
const arbStepWith = (maxTwins: number): fc.Arbitrary<Step> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        t: fc.constant('write' as const),
        node: nat(4),
        entity: nat(1),
        kind: nat(2),
        v: nat(99),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant('twins' as const),
        entity: nat(1),
        kind: nat(1),
        count: fc.integer({ min: 2, max: maxTwins }),
        sameValue: fc.boolean(),
        seed: fc.nat(),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant('deliver' as const),
        to: nat(4),
        seed: fc.nat(),
        rate: fc.constantFrom(0.2, 0.5, 1),
      }),
    },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), from: nat(4), to: nat(4), seed: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('advance' as const), dt: fc.integer({ min: 1, max: 20 }) }) },
  );
const arbStep = arbStepWith(3);

interface Node {
  readonly id: NodeId;
  readonly hlc: Hlc;
  readonly store: EntityStore;
}

const stats = { histories: 0, withTwins: 0, withEvidence: 0, twinsMet: 0, atBound: 0, cut: 0 };

/** `perEntity`: the entity's evidence bound (default MAX_EVIDENCE_PER_ENTITY). */
function run(steps: readonly Step[], perEntity?: number): void {
  let time = 1_700_000_000_000;
  const nodes: Node[] = ['n0', 'n1', 'n2', 'n3', 'x'].map((name) => {
    const id = name as NodeId;
    return {
      id,
      hlc: new Hlc({ node: id, now: () => time }),
      store: new EntityStore(perEntity === undefined ? {} : { evidence: { perEntity } }),
    };
  });
  const universe: Version[] = [];
  let twins = 0;
  // Whether the entity's bound cut something: a delivery refused because it would be kept past it
  // (limited: the author and node bounds are far off here), or one kept at the bound that
  // released another while the entity stayed at the bound.
  let cut = false;
  const receive = (n: Node, v: Version): void => {
    n.hlc.force(v.ts);
    const out = n.store.apply(v);
    if (perEntity === undefined || out.kind === 'duplicate') return;
    if (out.kind === 'obsolete' && out.limited === true) cut = true;
    else if (
      out.kept !== undefined &&
      out.released !== undefined &&
      n.store.state(v.entity)?.evidenceCount === perEntity
    )
      cut = true;
  };
  /** What reconciliation moves from `from` to `to`: everything `from` keeps and serves. */
  const sync = (from: Node, to: Node, rnd: () => number): void => {
    if (from === to) return;
    for (const v of shuffle([...from.store.retained()], rnd)) receive(to, v);
  };
  for (const step of steps) {
    switch (step.t) {
      case 'write': {
        const n = nodes[step.node % 4]!;
        const entity = ENTITIES[step.entity]!;
        const kind = KINDS[step.kind]!;
        const v: Version = {
          entity,
          kind,
          value: valueFor(kind, step.v),
          ts: n.hlc.now(),
          seen: n.store.contextFor(entity, kind, n.id),
        };
        universe.push(v);
        receive(n, v);
        break;
      }
      case 'twins': {
        const x = nodes[4]!;
        const entity = ENTITIES[step.entity]!;
        const kind = KINDS[step.kind]!;
        const rnd = prng(step.seed);
        const ts = x.hlc.now();
        // What x could name: the latest write of each author of the register, honest heads it never
        // received included, and a rest marker of its own.
        const latest = new Map<NodeId, Timestamp>();
        for (const u of universe) {
          if (u.entity !== entity || u.kind !== kind || u.ts.node === X || compareTs(u.ts, ts) >= 0) continue;
          const known = latest.get(u.ts.node);
          if (known === undefined || compareTs(u.ts, known) > 0) latest.set(u.ts.node, u.ts);
        }
        const honest = x.store.contextFor(entity, kind, X);
        const versions: Version[] = [];
        for (let i = 0; i < step.count; i++) {
          let seen: Timestamp[];
          const mode = Math.floor(rnd() * 4);
          if (mode === 0) seen = honest.filter(() => rnd() < 0.5);
          else if (mode === 1) seen = [...latest.values()].filter(() => rnd() < 0.6);
          else if (mode === 2)
            seen = [...honest.filter((s) => s.node !== X), { ms: ts.ms - 1 - Math.floor(rnd() * 20), c: 0, node: X }];
          else seen = honest;
          const v: Version = { entity, kind, value: valueFor(kind, step.sameValue ? 7 : i), ts, seen };
          if (!versions.some((w) => canonicalContent(w) === canonicalContent(v))) versions.push(v);
        }
        if (versions.length < 2) break;
        twins += 1;
        universe.push(...versions);
        // Each twin to any subset of the nodes, x's own store included, in any order.
        for (const n of nodes) for (const v of shuffle([...versions], rnd)) if (rnd() < 0.5) receive(n, v);
        break;
      }
      case 'deliver': {
        const rnd = prng(step.seed);
        const batch = universe.filter(() => rnd() < step.rate);
        batch.push(...batch.filter(() => rnd() < 0.2));
        const to = nodes[step.to]!;
        for (const v of shuffle(batch, rnd)) receive(to, v);
        break;
      }
      case 'sync':
        sync(nodes[step.from]!, nodes[step.to]!, prng(step.seed));
        break;
      case 'advance':
        time += step.dt;
        break;
      default: {
        const never: never = step;
        throw new Error(`unknown step ${JSON.stringify(never)}`);
      }
    }
  }
  // Anti-entropy: every node syncs with every other until nothing changes.
  const rnd = prng(steps.length);
  settle(nodes, () => {
    for (const a of nodes) for (const b of nodes) sync(a, b, rnd);
  });
  expectSameReplicas(nodes, { entities: ENTITIES, kinds: KINDS });
  const first = nodes[0]!;
  stats.histories += 1;
  if (twins > 0) stats.withTwins += 1;
  if (first.store.evidenceCount > 0) stats.withEvidence += 1;
  if (perEntity !== undefined && ENTITIES.some((e) => first.store.state(e)?.evidenceCount === perEntity))
    stats.atBound += 1;
  if (cut) stats.cut += 1;
  stats.twinsMet += nodes.reduce((n, x) => n + x.store.evidenceStats().equivocations, 0);
}

describe('twins with different contexts, then anti-entropy', () => {
  it('every replica holds the same heads, evidence and knowledge, in any delivery order and subset', () => {
    console.log(`twins-sync seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 1, maxLength: 50, size: 'medium' }), (steps) => run(steps)),
      { seed, numRuns },
    );
    console.log(
      `twins-sync: ${stats.histories} histories, ${stats.withTwins} with twins, ${stats.withEvidence} ending with evidence, ${stats.twinsMet} twins met`,
    );
    // The histories must exercise what they are about.
    expect(stats.withEvidence).toBeGreaterThan(stats.histories / 10);
  }, 300_000);

  // SEED=1135209265, shrunk: three contents under one timestamp, each naming something else (none,
  // n0's write, a rest marker), reach the nodes in different subsets. A node that weighed them one
  // at a time kept the earlier twin that names both; one that held the later two together kept
  // those. Evidence then depended on the order of delivery, and the two fetched and refused each
  // other's for good (docs/architecture.md, "Evidence").
  // Past the entity's bound (docs/security.md, "Twins and evidence"): twins arriving in different
  // orders left replicas with different evidence that each refused from the other, and an honest
  // head applied on one and obsolete on the other. The bound is now applied after the weighing.
  it('past the entity evidence bound (2 here), every replica still holds the same', () => {
    const bounded = { histories: stats.histories, cut: 0 };
    stats.cut = 0;
    console.log(`twins-sync (bound 2) seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.array(arbStepWith(5), { minLength: 1, maxLength: 50, size: 'medium' }), (steps) => run(steps, 2)),
      { seed, numRuns },
    );
    bounded.cut = stats.cut;
    console.log(
      `twins-sync (bound 2): ${stats.histories - bounded.histories} histories, ${stats.atBound} at the bound, ${bounded.cut} with a cut`,
    );
    // The histories must exercise the cut, not only reach the bound.
    expect(bounded.cut).toBeGreaterThan((stats.histories - bounded.histories) / 20);
  }, 300_000);

  // SEED=1149617460, shrunk: three pairs of twins over two kinds of one entity, bound 2. The nodes
  // that got them in different orders kept different pairs and refused each other's for good.
  it('keeps the same first evidence past the entity bound, whatever the order (SEED=1149617460)', () => {
    run(
      [
        { t: 'twins', entity: 0, kind: 0, count: 2, sameValue: false, seed: 207927774 },
        { t: 'twins', entity: 0, kind: 0, count: 2, sameValue: true, seed: 0 },
        { t: 'twins', entity: 0, kind: 1, count: 2, sameValue: false, seed: 427554530 },
        { t: 'deliver', to: 0, seed: 0, rate: 0.2 },
      ],
      2,
    );
  });

  it('keeps the same evidence whichever of three twins arrive together (SEED=1135209265)', () => {
    run([
      { t: 'write', node: 0, entity: 0, kind: 1, v: 0 },
      { t: 'deliver', to: 4, seed: 0, rate: 1 },
      { t: 'twins', entity: 0, kind: 1, count: 2, sameValue: false, seed: 924528303 },
      { t: 'deliver', to: 4, seed: 0, rate: 0.2 },
      { t: 'twins', entity: 0, kind: 1, count: 3, sameValue: false, seed: 2058469765 },
      { t: 'write', node: 0, entity: 0, kind: 0, v: 0 },
    ]);
  });
});
