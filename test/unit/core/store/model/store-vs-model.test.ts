/**
 * The real store against the reference model over random histories: several nodes write (honest
 * and hostile contexts, deletes, expiries), deliver any subset in any order with duplicates,
 * re-deliver anything ever written (anti-entropy, late peers), purge, and restart from a snapshot.
 * After every step each node's heads equal the model's, and nodes that were delivered the same
 * versions and hold the same floors are identical. Replay a failure with SEED=<printed seed>
 * (NUM_RUNS=... for more or fewer histories).
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

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 2_000);

const ENTITIES = ['e1', 'e2'] as EntityId[];
const KINDS = ['threat', 'speed', 'classification', DELETED] as ComponentKind[];
const HOSTILE = ['omit', 'omit', 'omit', 'future', 'self', 'twice'] as const;

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
  | { readonly t: 'expire'; readonly node: number; readonly entity: number; readonly delta: number }
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
    arbitrary: fc.record({
      t: fc.constant('expire' as const),
      node: nat(3),
      entity: nat(1),
      delta: fc.constantFrom(5, 20, 60),
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
    n.store.apply(w.version);
    n.model.deliver(w);
    n.log.push(w);
  };
  /** A write by `n`: the context is the store's own, possibly tampered with; the history is the model's. */
  const write = (n: SimNode, entity: EntityId, kind: ComponentKind, value: Version['value'], tamper?: Tamper) => {
    const ts = n.hlc.now();
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
      case 'expire': {
        const n = at(step.node);
        write(n, ENTITIES[step.entity]!, EXPIRY, { at: time + n.offset + step.delta });
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
  // Heal: everyone receives everything (twice, as anti-entropy would), and every expiry passes.
  const rnd = prng(steps.length);
  const late = time + 10_000;
  for (let round = 0; round < 2; round++) {
    for (const n of nodes) {
      for (const w of shuffle([...universe.writes.values()], rnd)) deliver(n, w);
      n.store.purgeExpired(late);
      n.model.purge(late);
    }
  }
  check(nodes, { t: 'advance', dt: late - time });
  const excluded = new Set(nodes.flatMap((n) => [...n.model.lateCancelled()]));
  const first = dumpExcept(nodes[0]!.store, excluded);
  for (const n of nodes) {
    expect(dumpExcept(n.store, excluded), `${n.id} after the final heal: replicas differ`).toBe(first);
  }
  stats.histories += 1;
  if (excluded.size > 0) stats.lateCancelled += 1;
}

const stats = { histories: 0, lateCancelled: 0 };

/** The canonical dump without some entities' blocks (and without the totals line). */
function dumpExcept(store: EntityStore, entities: ReadonlySet<EntityId>): string {
  const blocks = dump(store).split('\n').slice(1);
  let skip = false;
  return blocks
    .filter((line) => {
      if (!line.startsWith(' ')) skip = entities.has(line.split(' ')[0] as EntityId);
      return !skip;
    })
    .join('\n');
}

type Tamper = (honest: Timestamp[], ts: Timestamp, self: NodeId) => Timestamp[];

/** A context a buggy or hostile peer might send. */
function tamperer(mode: (typeof HOSTILE)[number], pick: number): Tamper {
  return (honest, ts, self) => {
    switch (mode) {
      case 'omit': // not causally closed: drops entries the writer had seen
        return honest.filter((_, i) => ((pick >> i) & 1) === 1);
      case 'future': // claims a write from the writer's own future
        return [...honest.filter((s) => s.node !== 'zz'), { ms: ts.ms + 1 + (pick % 5), c: 0, node: 'zz' as NodeId }];
      case 'self': // lists the writer itself
        return [...honest, { ms: ts.ms - 1, c: 0, node: self }];
      case 'twice': {
        // lists one author twice
        const s = honest[pick % Math.max(1, honest.length)] ?? { ms: ts.ms - 2, c: 0, node: 'zz' as NodeId };
        return [...honest, s, { ...s, ms: s.ms - 1 }];
      }
      default: {
        const never: never = mode;
        throw new Error(`unknown mode ${String(never)}`);
      }
    }
  };
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
    for (const [entity, floor] of n.model.floors) expect(n.store.state(entity)?.floor, where).toBe(floor.at);
    const same = `${[...n.model.received.keys()].sort().join()}#${sorted(
      new Map([...n.model.floors].map(([e, f]) => [e, [String(f.at)]])),
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
    console.log(`store-vs-model: ${stats.histories} histories, ${stats.lateCancelled} with a late-cancelled expiry`);
    expect(stats.lateCancelled).toBeLessThan(stats.histories / 10);
  }, 120_000);
});
