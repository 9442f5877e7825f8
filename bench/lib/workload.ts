import type { ComponentValue } from '../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../src/core/ids';
import type { Version } from '../../src/core/merge/version';
import { quantizeValue } from '../../src/core/wire';
import { fakeNodeId, prng, randInt } from './prng';

/**
 * The scenario-1 workload of docs/performance.md: 1,000 entities × 6 kinds, 50 authors, remote writes
 * in batches of 1,000. Writers never see each other (each write's `seen` is empty), as in the Yjs
 * reference figures and the conflict measurement of bench/s1-merge-throughput.ts (one Y.Doc per author).
 */
export const ENTITIES = 1000;
export const AUTHORS = 50;
export const BATCH = 1000;
export const KINDS = ['position', 'velocity', 'classification', 'threat', 'source', 'expiry'] as const;
/** 2023-11-14T22:13:20Z: any fixed epoch works; it only has to be realistic for varint sizes. */
export const T0 = 1_700_000_000_000;

export interface Workload {
  readonly nodes: readonly NodeId[];
  readonly entities: readonly EntityId[];
  /** Every write in order; `ts.node` is the author. */
  readonly writes: readonly Version[];
  /** Author index of each write, for the peers' per-author documents. */
  readonly authorOf: readonly number[];
}

const LABELS = ['fixed wing', 'rotary wing', 'small uav', 'vehicle', 'vessel', 'person', 'unknown'];
const DISPOSITIONS = ['HOSTILE', 'SUSPICIOUS', 'UNKNOWN', 'PENDING', 'NEUTRAL', 'ASSUMED_FRIENDLY', 'FRIENDLY'];
const THREATS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'];

export function entityIds(n: number, prefix = 'track-'): EntityId[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}` as EntityId);
}

export function nodeIds(n: number, seed = 7): NodeId[] {
  const rand = prng(seed);
  return Array.from({ length: n }, () => fakeNodeId(rand) as NodeId);
}

/** One value of `kind` for entity `e` at write number `i`: tracks move ~10 m per write in a 0.2° area. */
export function valueFor(kind: string, e: number, i: number, author: number, rand: () => number): ComponentValue {
  const phase = e * 0.37 + i * 1e-4;
  let v: ComponentValue;
  switch (kind) {
    case 'position':
      v = {
        lat: 52 + 0.1 * Math.sin(phase) + (e % 37) * 1e-3,
        lon: 4 + 0.1 * Math.cos(phase * 1.3),
        alt: 100 + (e % 900),
      };
      break;
    case 'velocity':
      v = { east: 40 * Math.cos(phase), north: 40 * Math.sin(phase) };
      break;
    case 'classification':
      v = {
        label: LABELS[e % LABELS.length]!,
        disposition: DISPOSITIONS[randInt(rand, DISPOSITIONS.length)]!,
        environment: e % 3 === 0 ? 'AIR' : 'LAND',
        confidence: rand(),
      } as ComponentValue;
      break;
    case 'threat':
      v = { level: THREATS[randInt(rand, THREATS.length)]! } as ComponentValue;
      break;
    case 'source':
      v = { sensorId: `sensor-${author}`, sensorType: author % 2 === 0 ? 'radar' : 'eo' } as ComponentValue;
      break;
    case 'expiry':
      v = { at: T0 + i + 30_000 };
      break;
    default:
      throw new Error(kind);
  }
  // Writers store the quantised value (quantize.ts), so what peers decode equals the writer's copy.
  return quantizeValue(kind, v);
}

/**
 * `total` writes spread at random over entities, kinds and authors, 10 per millisecond. With
 * `singleWriter`, each entity has one author (entity e → author e mod 50): the sensor-owned-track
 * case, where no write is concurrent with another.
 */
export function scenario1(total: number, seed = 1, singleWriter = false): Workload {
  const rand = prng(seed);
  const nodes = nodeIds(AUTHORS);
  const entities = entityIds(ENTITIES);
  const lastMs = new Array<number>(AUTHORS).fill(-1);
  const lastC = new Array<number>(AUTHORS).fill(0);
  const writes: Version[] = [];
  const authorOf: number[] = [];
  for (let i = 0; i < total; i++) {
    const e = randInt(rand, ENTITIES);
    const kind = KINDS[randInt(rand, KINDS.length)]!;
    const a = singleWriter ? e % AUTHORS : randInt(rand, AUTHORS);
    const ms = T0 + Math.floor(i / 10);
    const c = ms === lastMs[a] ? lastC[a]! + 1 : 0;
    lastMs[a] = ms;
    lastC[a] = c;
    writes.push({
      entity: entities[e]!,
      kind: kind as ComponentKind,
      value: valueFor(kind, e, i, a, rand),
      ts: { ms, c, node: nodes[a]! },
      seen: [],
    });
    authorOf.push(a);
  }
  return { nodes, entities, writes, authorOf };
}

export function batches<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
