/**
 * Test helper (not a test file): simulates several nodes writing and gossiping versions, and
 * renders stores in a canonical text form so replicas can be compared.
 */
import fc from 'fast-check';
import { Hlc } from '../../../../src/core/clock/hlc';
import { compareTs, encodeTs, type Timestamp } from '../../../../src/core/clock/timestamp';
import {
  THREAT_LEVELS,
  APPROVAL_STATES,
  DISPOSITIONS,
  ENVIRONMENTS,
} from '../../../../src/core/entity/component-types';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, dominates, type Version } from '../../../../src/core/merge/version';
import { mulberry32 } from '../../../../src/core/random/mulberry32';
import type { EntityMeta } from '../../../../src/core/store/entity-state';
import { EntityStore } from '../../../../src/core/store/entity-store';

export const ENTITIES = ['e1', 'e2'] as EntityId[];
export const KINDS = ['threat', 'classification', 'approval', 'position', 'speed', DELETED] as ComponentKind[];

export type Op =
  | {
      readonly t: 'write';
      readonly node: number;
      readonly entity: number;
      readonly kind: number;
      readonly v: number;
      readonly dt: number;
    }
  | {
      readonly t: 'sync';
      readonly from: number;
      readonly to: number;
      readonly seed: number;
      readonly rate: number;
      readonly dt: number;
    }
  | { readonly t: 'step'; readonly node: number; readonly offset: number };

export interface Program {
  readonly nodes: number;
  readonly ops: readonly Op[];
}

const nat = (max: number) => fc.integer({ min: 0, max });

export const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('write' as const),
      node: nat(5),
      entity: nat(ENTITIES.length - 1),
      kind: nat(KINDS.length - 1),
      v: nat(1_000),
      dt: nat(2),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('sync' as const),
      from: nat(5),
      to: nat(5),
      seed: fc.nat(),
      rate: fc.constantFrom(0.2, 0.5, 1),
      dt: nat(2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('step' as const), node: nat(5), offset: fc.integer({ min: -40, max: 40 }) }),
  },
);

export const arbProgram = (maxOps = 80): fc.Arbitrary<Program> =>
  fc.record({
    nodes: fc.integer({ min: 2, max: 6 }),
    ops: fc.array(arbOp, { minLength: 1, maxLength: maxOps, size: 'max' }),
  });

/** Small deterministic PRNG for choices that depend on data produced during the run. */
export const prng = mulberry32;

export function valueFor(kind: ComponentKind, v: number): ComponentValue | null {
  switch (kind) {
    case DELETED:
      return null;
    case 'threat':
      return { level: THREAT_LEVELS[v % THREAT_LEVELS.length]! };
    case 'classification':
      return {
        label: `l${v % 3}`,
        disposition: DISPOSITIONS[v % DISPOSITIONS.length]!,
        environment: ENVIRONMENTS[v % ENVIRONMENTS.length]!,
        confidence: [0.2, 0.5, 0.9][v % 3]!,
      };
    case 'approval':
      return {
        // Two requests, so the request key of the order is exercised as well as the safety order.
        requestId: encodeTs({ ms: 1_000 + (v % 2), c: 0, node: 'r' as NodeId }),
        state: APPROVAL_STATES[v % APPROVAL_STATES.length]!,
        reason: 'HIGH',
        requestedAt: 1_000,
        deadline: 1_000_000 + v,
      };
    case 'position':
      return { lat: (v % 180) - 89, lon: (v % 360) - 179 };
    default:
      return { kts: v };
  }
}

export interface SimNode {
  readonly id: NodeId;
  readonly hlc: Hlc;
  readonly store: EntityStore;
  /** Every version this node ever applied (what it might relay, possibly late). */
  readonly log: Version[];
  offset: number;
}

export interface SimResult {
  readonly nodes: SimNode[];
  /** Every version written by any node. */
  readonly universe: Version[];
}

export const T0 = 1_700_000_000_000;

/** Runs a program: nodes write based on their own store state and exchange random subsets. */
export function simulate(p: Program): SimResult {
  let time = T0;
  const nodes: SimNode[] = [];
  for (let i = 0; i < p.nodes; i++) {
    const id = `n${i}` as NodeId;
    const node: SimNode = {
      id,
      store: new EntityStore(),
      log: [],
      offset: 0,
      hlc: new Hlc({ node: id, now: () => time + node.offset }),
    };
    nodes.push(node);
  }
  const universe: Version[] = [];
  const receive = (n: SimNode, v: Version): void => {
    const seen = n.hlc.observe(v.ts);
    if (!seen.ok) throw new Error(`unexpected skew ${seen.skewMs}`);
    if (n.store.apply(v).kind === 'applied') n.log.push(v);
  };
  for (const op of p.ops) {
    switch (op.t) {
      case 'write': {
        time += op.dt;
        const n = nodes[op.node % p.nodes]!;
        const entity = ENTITIES[op.entity]!;
        const kind = KINDS[op.kind]!;
        const v: Version = {
          entity,
          kind,
          value: valueFor(kind, op.v),
          ts: n.hlc.now(),
          seen: n.store.contextFor(entity, kind, n.id),
        };
        universe.push(v);
        receive(n, v);
        break;
      }
      case 'sync': {
        time += op.dt;
        const from = nodes[op.from % p.nodes]!;
        const to = nodes[op.to % p.nodes]!;
        if (from === to) break;
        const rnd = prng(op.seed);
        const batch = from.log.filter(() => rnd() < op.rate);
        shuffle(batch, rnd);
        for (const v of batch) receive(to, v);
        break;
      }
      case 'step':
        nodes[op.node % p.nodes]!.offset = op.offset;
        break;
    }
  }
  return { nodes, universe };
}

export function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

export function replica(versions: Iterable<Version>): EntityStore {
  const s = new EntityStore();
  for (const v of versions) s.apply(v);
  return s;
}

const showTs = (t: Timestamp): string => encodeTs(t);
const showV = (v: Version): string =>
  `${showTs(v.ts)}=${JSON.stringify(v.value)} seen[${v.seen.map(showTs).join(',')}]`;

/** Canonical text of a store: entities by id; per register the heads in their stored order. */
export function dump(store: EntityStore, withKnowledge = false): string {
  const ids = new Set<EntityId>();
  for (const v of store.versions()) ids.add(v.entity);
  for (const m of store.snapshot().entities) if (m.floor !== undefined) ids.add(m.id);
  const lines: string[] = [`entities=${store.entityCount} size=${store.size}`];
  for (const id of [...ids].sort()) {
    const s = store.state(id)!;
    const deletedAt = s.deletedAt === undefined ? '-' : showTs(s.deletedAt);
    lines.push(`${id} deletedAt=${deletedAt} floor=${s.floor ?? '-'}`);
    for (const [kind, heads] of [...s.registers()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`  ${kind}: ${heads.map(showV).join(' | ')}`);
    }
    // What each register learned decides what it takes later (not carried by a replay of the versions).
    if (withKnowledge)
      for (const kind of [...s.kinds()].sort()) {
        const k = s.knowledgeOf(kind);
        if (k === undefined) continue;
        const show = (ts: readonly Timestamp[]): string => ts.map(showTs).sort().join(',');
        const cut = k.cut === undefined ? '' : ` cut ${showTs(k.cut)}`;
        lines.push(`  knows ${kind}: own ${show(k.own)} seen ${show(k.seen)}${cut}`);
      }
  }
  return lines.join('\n');
}

/** A meta with its knowledge in one order (entries come in arrival order, which a restore changes). */
export const sortedMeta = (m: EntityMeta | undefined): unknown =>
  m === undefined
    ? undefined
    : {
        ...m,
        knowledge: [...m.knowledge]
          .map((k) => ({ ...k, own: [...k.own].sort(compareTs), seen: [...k.seen].sort(compareTs) }))
          .sort((a, b) => (a.kind < b.kind ? -1 : 1)),
      };

/**
 * The declarative answer the store must reach for a causally complete set: per register, the
 * versions no other version of the set dominates; non-tombstone versions at or before the
 * entity's latest tombstone are gone. Returned as sorted timestamp lists keyed `entity/kind`.
 */
export function oracle(universe: readonly Version[]): Map<string, string[]> {
  const groups = new Map<string, Version[]>();
  const deletedAt = new Map<EntityId, Timestamp>();
  for (const v of universe) {
    const key = `${v.entity}/${v.kind}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
    if (v.kind === DELETED) {
      const d = deletedAt.get(v.entity);
      if (d === undefined || compareTs(v.ts, d) > 0) deletedAt.set(v.entity, v.ts);
    }
  }
  const out = new Map<string, string[]>();
  for (const [key, vs] of groups) {
    const d = deletedAt.get(vs[0]!.entity);
    const heads = vs.filter(
      (v) =>
        !vs.some((u) => u !== v && dominates(u, v)) &&
        (v.kind === DELETED || d === undefined || compareTs(v.ts, d) > 0),
    );
    if (heads.length > 0) out.set(key, heads.map((h) => showTs(h.ts)).sort());
  }
  return out;
}

export function registersOf(store: EntityStore): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of store.versions()) {
    const key = `${v.entity}/${v.kind}`;
    out.set(key, [...(out.get(key) ?? []), showTs(v.ts)].sort());
  }
  return out;
}

export function sortedMap(m: Map<string, string[]>): [string, string[]][] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
