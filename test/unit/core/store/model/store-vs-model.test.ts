/**
 * The real store against the reference model over random histories: several nodes write (honest
 * and hostile contexts, deletes, expiries, hostile expiries whose deadline is not after their own
 * write), sign twins (another context, and maybe value, under a
 * timestamp already written: an equivocating member), deliver any subset in any order with
 * duplicates, re-deliver anything ever written (anti-entropy, late peers), purge, and restart from a
 * snapshot. After every step each node's heads equal the model's, and nodes that were delivered the
 * same versions and hold the same floors are identical. At the end the nodes heal as reconciliation
 * does, each receiving only what the others keep and serve (heads and evidence, see
 * src/core/store/evidence.ts): then they are identical, and delivering everything ever written
 * changes no node's heads, so no node learned from something it does not serve. Replay a failure
 * with SEED=<printed seed> (NUM_RUNS=... for more or fewer histories).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hlc } from '../../../../../src/core/clock/hlc';
import type { Timestamp } from '../../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../../src/core/ids';
import { DELETED, type Version } from '../../../../../src/core/merge/version';
import { EntityStore } from '../../../../../src/core/store/entity-store';
import { dump, prng, shuffle, valueFor } from '../../support/merge-sim';
import { EXPIRY, keyOf, ModelNode, registerOf, Universe, type ModelWrite } from './reference-model';
import { canonicalContent } from '../../../../../src/core/merge/version-content';
import { HOSTILE, tamperer, type Tamper } from './contexts';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 2_000);

const ENTITIES = ['e1', 'e2'] as EntityId[];
const KINDS = ['threat', 'speed', 'classification', DELETED] as ComponentKind[];

type Step =
  | { readonly t: 'write'; readonly node: number; readonly entity: number; readonly kind: number; readonly v: number }
  | {
      readonly t: 'hostile';
      readonly node: number;
      readonly entity: number;
      readonly kind: number;
      readonly mode: (typeof HOSTILE)[number];
      readonly pick: number;
    }
  | { readonly t: 'twin'; readonly to: number; readonly pick: number; readonly mode: number; readonly v: number }
  | {
      readonly t: 'expire';
      readonly node: number;
      readonly entity: number;
      readonly delta: number;
      /** -1: the floor the writer holds once purged at its stamp; else a hostile floor (hostileFloor, which may leave it out). */
      readonly floor: number;
    }
  | { readonly t: 'deliver'; readonly from: number; readonly to: number; readonly seed: number; readonly rate: number }
  | { readonly t: 'replay'; readonly to: number; readonly seed: number; readonly count: number }
  | { readonly t: 'advance'; readonly dt: number }
  | { readonly t: 'purge'; readonly node: number }
  | { readonly t: 'restart'; readonly node: number };

const nat = (max: number) => fc.integer({ min: 0, max });
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ t: fc.constant('write' as const), node: nat(3), entity: nat(1), kind: nat(3), v: nat(99) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('hostile' as const),
      node: nat(3),
      entity: nat(1),
      kind: nat(1),
      mode: fc.constantFrom(...HOSTILE),
      pick: fc.nat(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('twin' as const), to: nat(3), pick: fc.nat(), mode: nat(3), v: nat(99) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('expire' as const),
      node: nat(3),
      entity: nat(1),
      // At or before the write's own time (0, -15): a buggy or hostile member's, refused everywhere.
      delta: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(5, 20, 60) }, fc.constantFrom(0, -15)),
      floor: fc.oneof({ weight: 6, arbitrary: fc.constant(-1) }, nat(4)),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('deliver' as const),
      from: nat(3),
      to: nat(3),
      seed: fc.nat(),
      rate: fc.constantFrom(0.3, 0.7, 1),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('replay' as const), to: nat(3), seed: fc.nat(), count: nat(6) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('advance' as const), dt: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('purge' as const), node: nat(3) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const), node: nat(3) }) },
);

interface SimNode {
  readonly id: NodeId;
  readonly hlc: Hlc;
  readonly model: ModelNode;
  /** Everything this node was ever delivered, which it may relay (late, or again). */
  readonly log: ModelWrite[];
  store: EntityStore;
  readonly offset: number;
}

function run(nodeCount: number, steps: readonly Step[]): void {
  let time = 1_700_000_000_000;
  const universe = new Universe();
  const nodes: SimNode[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const id = `n${i}` as NodeId;
    const offset = i % 3;
    nodes.push({
      id,
      offset,
      hlc: new Hlc({ node: id, now: () => time + offset }),
      model: new ModelNode(universe),
      log: [],
      store: new EntityStore(),
    });
  }
  const at = (i: number): SimNode => nodes[i % nodeCount]!;
  const deliver = (n: SimNode, w: ModelWrite): void => {
    n.hlc.force(w.version.ts);
    // The evidence the store holds before w and once w merged: a floor taken away leaves it (the
    // model's lift, ModelNode.deliver).
    const evidence = new Set([...n.store.evidence()].map(keyOf));
    n.store.apply(w.version);
    for (const v of n.store.evidence()) evidence.add(keyOf(v));
    n.model.deliver(w, evidence);
    n.log.push(w);
  };
  /** A write by `n`: the context is the store's own, possibly tampered with; the history is the model's. */
  const write = (
    n: SimNode,
    entity: EntityId,
    kind: ComponentKind,
    valueAt: Version['value'] | ((ts: Timestamp) => Version['value']),
    tamper?: Tamper,
  ) => {
    const ts = n.hlc.now();
    const value = typeof valueAt === 'function' ? valueAt(ts) : valueAt;
    const honest = n.store.contextFor(entity, kind, n.id);
    const seen = tamper === undefined ? honest : tamper(honest, ts, n.id);
    const version: Version = { entity, kind, value, ts, seen };
    const register = registerOf(version);
    const settled = (t: Timestamp): boolean => n.model.settled(entity, kind, t);
    const history =
      tamper === undefined ? universe.historyFor(register, n.model.received.values(), n.id, settled) : undefined;
    deliver(n, universe.add(version, history));
  };

  for (const step of steps) {
    switch (step.t) {
      case 'write': {
        const kind = KINDS[step.kind]!;
        write(at(step.node), ENTITIES[step.entity]!, kind, valueFor(kind, step.v));
        break;
      }
      case 'hostile': {
        const kind = KINDS[step.kind]!;
        write(at(step.node), ENTITIES[step.entity]!, kind, valueFor(kind, step.pick), tamperer(step.mode, step.pick));
        break;
      }
      case 'twin': {
        // The author of a write signs another content under its timestamp (hostile: its context is
        // taken literally) and hands it to some node.
        const all = [...universe.writes.values()];
        if (all.length === 0) break;
        const w = all[step.pick % all.length]!.version;
        const author = w.ts.node;
        const others = all
          .map((x) => x.version)
          .filter((x) => registerOf(x) === registerOf(w) && x.ts.node !== author && x.ts.ms < w.ts.ms);
        let seen: Timestamp[];
        switch (step.mode) {
          case 0: // leaves out one entry
            seen = w.seen.filter((_, i) => i !== step.v % Math.max(1, w.seen.length));
            break;
          case 1: {
            // names another author's write it may never have seen
            const x = others[step.v % Math.max(1, others.length)];
            seen = x === undefined ? [] : [...w.seen.filter((s) => s.node !== x.ts.node), x.ts];
            break;
          }
          case 2: // a rest marker
            seen = [
              ...w.seen.filter((s) => s.node !== author),
              { ms: w.ts.ms - 1 - (step.v % 30), c: 0, node: author },
            ];
            break;
          default:
            seen = [];
        }
        const same = step.v % 2 === 0 || w.kind === DELETED || w.kind === EXPIRY;
        let value = same ? w.value : valueFor(w.kind, step.v);
        if (w.kind === EXPIRY) {
          const { at, floor } = w.value as { at: number; floor?: number };
          // Another deadline (after its own write's time, so taken), earlier or later: which twin is
          // kept decides which deadline fires.
          const other = step.v % 4 >= 2 ? Math.max(w.ts.ms + 1, at + (step.v % 7) * 6 - 18) : at;
          // Or another floor carried (below its own write's time, so taken): both twins carry theirs.
          const carried = step.v % 3 === 1 ? w.ts.ms - 1 - (step.v % 20) : floor;
          value = carried === undefined ? { at: other } : { at: other, floor: carried };
        }
        const twin: Version = { entity: w.entity, kind: w.kind, value, ts: w.ts, seen };
        if (canonicalContent(twin) === canonicalContent(w) || universe.writes.has(keyOf(twin))) break;
        deliver(at(step.to), universe.add(twin, undefined));
        break;
      }
      case 'expire': {
        const n = at(step.node);
        const entity = ENTITIES[step.entity]!;
        write(n, entity, EXPIRY, (ts) => {
          const deadline = time + n.offset + step.delta;
          // The write door's floor (src/node/prepare-write.ts, stampWrite), as the model states it.
          const honest = n.model.floorToCarry(entity, ts.ms);
          expect(n.store.floorToCarry(entity, ts.ms), 'the floor an expiry carries').toBe(honest);
          const floor = step.floor < 0 ? honest : hostileFloor(step.floor, ts, honest);
          return floor === undefined ? { at: deadline } : { at: deadline, floor };
        });
        break;
      }
      case 'deliver': {
        const [from, to] = [at(step.from), at(step.to)];
        if (from === to) break;
        const rnd = prng(step.seed);
        const batch = from.log.filter(() => rnd() < step.rate);
        batch.push(...batch.filter(() => rnd() < 0.2)); // duplicates
        for (const w of shuffle(batch, rnd)) deliver(to, w);
        break;
      }
      case 'replay': {
        const all = [...universe.writes.values()];
        const rnd = prng(step.seed);
        for (let i = 0; i < step.count && all.length > 0; i++)
          deliver(at(step.to), all[Math.floor(rnd() * all.length)]!);
        break;
      }
      case 'advance':
        time += step.dt;
        break;
      case 'purge': {
        const n = at(step.node);
        n.store.purgeExpired(time + n.offset);
        n.model.purge(time + n.offset);
        break;
      }
      case 'restart': {
        const n = at(step.node);
        n.store = EntityStore.restore(structuredClone(n.store.snapshot()));
        break;
      }
      default: {
        const never: never = step;
        throw new Error(`unknown step ${JSON.stringify(never)}`);
      }
    }
    check(nodes, step);
  }
  const rnd = prng(steps.length);
  const late = time + 10_000;
  // Heal as reconciliation does: each node receives what the others keep and serve (heads and
  // evidence), every expiry passes, until nothing changes.
  const served = (n: SimNode): string => [...n.store.retained()].map(keyOf).sort().join();
  for (let round = 0; ; round++) {
    const before = nodes.map(served).join('#');
    for (const from of nodes) {
      for (const to of nodes) {
        if (from === to) continue;
        for (const v of shuffle([...from.store.retained()], rnd)) deliver(to, universe.writes.get(keyOf(v))!);
      }
    }
    for (const n of nodes) {
      n.store.purgeExpired(late);
      n.model.purge(late);
    }
    if (nodes.map(served).join('#') === before) break;
    expect(round, 'the heal does not settle').toBeLessThan(10);
  }
  const synced = nodes.map((n) => headsOnly(dump(n.store)));
  // Then everyone receives everything ever written (twice), as before: nothing any node learned
  // from is left unserved, so no head changes (but where an expiry was cancelled too late).
  for (let round = 0; round < 2; round++) {
    for (const n of nodes) {
      for (const w of shuffle([...universe.writes.values()], rnd)) deliver(n, w);
      n.store.purgeExpired(late);
      n.model.purge(late);
    }
  }
  check(nodes, { t: 'advance', dt: late - time });
  // Every replica is the same, late-cancelled expiries included (a floor set by an expiry that
  // was changed before its deadline is taken away when the change arrives, EntityState.liftFloor).
  // Only what such a floor dropped from every replica before the change arrived does not come back
  // through reconciliation (docs/architecture.md, "Expiry"): those entities are left out of the
  // second comparison.
  const excluded = new Set(nodes.flatMap((n) => [...n.model.lateCancelled()]));
  const first = dumpExcept(nodes[0]!.store, new Set());
  nodes.forEach((n, i) => {
    expect(dumpExcept(n.store, new Set()), `${n.id} after the final heal: replicas differ`).toBe(first);
    expect(
      blocksExcept(headsOnly(dump(n.store)), excluded),
      `${n.id}: everything ever written changed what reconciliation had settled on`,
    ).toBe(blocksExcept(synced[i]!, excluded));
  });
  stats.histories += 1;
  if (excluded.size > 0) stats.lateCancelled += 1;
  if (nodes.some((n) => n.store.evidenceCount > 0)) stats.evidence += 1;
  if (nodes.some((n) => n.model.carried.size > 0)) stats.carried += 1;
}

const stats = { histories: 0, lateCancelled: 0, evidence: 0, carried: 0 };

/**
 * A floor a hostile (or buggy) member's expiry carries: 0, the write's own time (refused); 1, some
 * time before it that its writer never held as a floor (taken: a tombstone could remove as much);
 * 2, after it (refused); 3, none, whatever its writer held (as a build before floors were carried
 * writes it: an expiry after a deadline that drops the fired one from the heads without its floor);
 * 4, less than its writer held.
 */
function hostileFloor(mode: number, ts: Timestamp, honest: number | undefined): number | undefined {
  if (mode === 0) return ts.ms;
  if (mode === 1) return ts.ms - 7;
  if (mode === 2) return ts.ms + 1;
  if (mode === 3 || honest === undefined) return undefined;
  return honest - 1 - (ts.ms % 9) > 0 ? honest - 1 - (ts.ms % 9) : undefined;
}

/** The canonical dump without some entities' blocks (and without the totals line). */
function dumpExcept(store: EntityStore, entities: ReadonlySet<EntityId>): string {
  return blocksExcept(dump(store), entities);
}

/**
 * A dump's heads and floors without the latest tombstone's time: a tombstone at or below the floor is
 * purged and so never served, yet a node that receives it keeps its time, which removes nothing
 * the floor does not (the expiry, which a floor spares, is not removed by a tombstone either).
 */
function headsOnly(text: string): string {
  return text.replace(/ deletedAt=\S+ /g, ' ');
}

function blocksExcept(text: string, entities: ReadonlySet<EntityId>): string {
  const blocks = text.split('\n').slice(1);
  let skip = false;
  return blocks
    .filter((line) => {
      if (!line.startsWith(' ')) skip = entities.has(line.split(' ')[0] as EntityId);
      return !skip;
    })
    .join('\n');
}

function registersOf(store: EntityStore): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of store.versions()) out.set(registerOf(v), [...(out.get(registerOf(v)) ?? []), keyOf(v)]);
  return out;
}

const sorted = (m: Map<string, string[]>): [string, string[]][] => [...m].sort(([a], [b]) => (a < b ? -1 : 1));

function check(nodes: readonly SimNode[], step: Step): void {
  const groups = new Map<string, string>();
  for (const n of nodes) {
    const where = `${n.id} after ${JSON.stringify(step)}`;
    expect(sorted(registersOf(n.store)), `${where}: heads differ from the model`).toEqual(sorted(n.model.registers()));
    for (const [entity, floor] of n.model.allFloors()) expect(n.store.state(entity)?.floor, where).toBe(floor);
    // The evidence ledger counts what is held, whatever released or kept it (a lifted floor too),
    // each item charged to whom its entity's evidence says (evidence.ts, chargedFor).
    const held = [...n.store.evidence()];
    const charged = new Set<NodeId>();
    for (const e of new Set(held.map((v) => v.entity)))
      for (const x of n.store.state(e)?.meta().evidence ?? []) charged.add(x.by);
    expect(n.store.evidenceStats(), `${where}: the evidence ledger drifted`).toMatchObject({
      held: held.length,
      authors: charged.size,
    });
    const same = `${[...n.model.received.keys()].sort().join()}#${sorted(
      new Map([...n.model.allFloors()].map(([e, f]) => [e, [String(f)]])),
    ).join()}`;
    // Knowledge too: equal deliveries and floors, in any order, with purges before or after, learn the same.
    const state = dump(n.store, true);
    const other = groups.get(same);
    if (other === undefined) groups.set(same, state);
    else expect(state, `${where}: same versions delivered, different state`).toBe(other);
  }
}

describe('the store against the reference model', () => {
  it('every node equals the model after every step of random histories, and equal deliveries give equal states', () => {
    console.log(`store-vs-model seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.array(arbStep, { minLength: 1, maxLength: 60, size: 'medium' }),
        run,
      ),
      { seed, numRuns },
    );
    // The exception above must stay an exception, or the final comparison proves little.
    console.log(
      `store-vs-model: ${stats.histories} histories, ${stats.lateCancelled} with a late-cancelled expiry, ${stats.evidence} with evidence, ${stats.carried} with a carried floor`,
    );
    expect(stats.lateCancelled).toBeLessThan(stats.histories / 10);
  }, 120_000);

  // Shrunk counterexamples (SEED=439637888, SEED=245884998): a floor taken away once no expiry head
  // has its deadline leaves what the store keeps as evidence, a losing twin, and what its context
  // taught (EntityState.liftFloor learns each register again from its heads and its evidence). The
  // model forgot it: the node that had fired the floor then matched a replica that never held the
  // twin (n1 here) but kept the twin's knowledge, and a head the twin's rest marker covers showed in
  // the model only.
  it('a lifted floor keeps the losing twin of an expiry the store holds as evidence, and what it saw', () => {
    run(2, [
      { t: 'expire', node: 0, entity: 0, delta: 5, floor: 0 },
      { t: 'expire', node: 1, entity: 0, delta: 5, floor: -1 },
      { t: 'twin', to: 0, pick: 330544557, mode: 1, v: 6 },
      { t: 'advance', dt: 24 },
      { t: 'purge', node: 0 },
      { t: 'replay', to: 0, seed: 1248474915, count: 2 },
      { t: 'expire', node: 0, entity: 0, delta: 5, floor: 0 },
    ]);
  });

  it('a lifted floor keeps a twin held as evidence whose rest marker covers a later-delivered write', () => {
    run(2, [
      { t: 'expire', node: 0, entity: 0, delta: 5, floor: -1 },
      { t: 'write', node: 1, entity: 0, kind: 0, v: 0 },
      { t: 'advance', dt: 7 },
      { t: 'purge', node: 0 },
      { t: 'write', node: 0, entity: 0, kind: 0, v: 0 },
      { t: 'twin', to: 0, pick: 128399102, mode: 2, v: 0 },
      { t: 'twin', to: 0, pick: 0, mode: 0, v: 22 },
      { t: 'replay', to: 0, seed: 0, count: 1 },
    ]);
  });
});
