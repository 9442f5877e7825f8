import { pathBytes, splitPath } from '../../src/core/signing/merkle';
import { LEAF_FORM_BINARY } from '../../src/core/signing/leaf-form';
import type { ComponentValue } from '../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../src/core/ids';
import type { Version } from '../../src/core/merge/version';
import { quantizeValue } from '../../src/core/wire';
import { fakeNodeId, prng, randInt } from './prng';
import { T0 } from './workload';

/**
 * Moving tracks as sensors report them (scenario 2): 1,000 tracks held by 5 sensors, in a box of
 * 0.2° × 0.2° (~22 km), at 5–250 m/s; every track is reported once per second, sensors' reports
 * interleaved in time (1 ms apart). An update is a position (lat, lon, altitude HAE) and a
 * velocity (east, north) with one clock: the "entity id + clock + position + velocity" of
 * docs/performance.md row 2.
 */
export const TRACKS = 1000;
export const SENSORS = 5;

interface Track {
  readonly id: EntityId;
  readonly sensor: number;
  lat: number;
  lon: number;
  readonly alt: number;
  readonly east: number;
  readonly north: number;
}

export interface Feed {
  readonly nodes: readonly NodeId[];
  /** Author index of each update. */
  readonly authorOf: number[];
  /** Each update is two versions (position, velocity) with the same entity and clock. */
  readonly updates: Version[][];
}

export type IdScheme = 'sequential' | 'random';

const M_PER_DEG = 111_320;
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function trackFeed(updates: number, scheme: IdScheme = 'sequential', seed = 11): Feed {
  const rand = prng(seed);
  const nodes = Array.from({ length: SENSORS }, () => fakeNodeId(rand) as NodeId);
  const tracks: Track[] = Array.from({ length: TRACKS }, (_, i) => {
    const sensor = i % SENSORS;
    const speed = 5 + rand() * 245;
    const heading = rand() * 2 * Math.PI;
    const id =
      scheme === 'sequential'
        ? `sensor-${sensor + 1}.track-${String(Math.floor(i / SENSORS)).padStart(4, '0')}`
        : Array.from({ length: 21 }, () => ID_CHARS[randInt(rand, ID_CHARS.length)]).join('');
    return {
      id: id as EntityId,
      sensor,
      lat: 52 + rand() * 0.2,
      lon: 4 + rand() * 0.2,
      alt: speed > 60 ? 300 + rand() * 9000 : rand() * 50,
      east: speed * Math.sin(heading),
      north: speed * Math.cos(heading),
    };
  });
  const out: Version[][] = [];
  const authorOf: number[] = [];
  let scan = 0;
  while (out.length < updates) {
    // One scan: every track once, in a random order (a sensor's sweep order is not ours to pick).
    const order = tracks.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = randInt(rand, i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order) {
      if (out.length >= updates) break;
      const t = tracks[i]!;
      t.lat += t.north / M_PER_DEG;
      t.lon += t.east / (M_PER_DEG * Math.cos((t.lat * Math.PI) / 180));
      const ts = { ms: T0 + scan * 1000 + (out.length % TRACKS), c: 0, node: nodes[t.sensor]! };
      const pos = quantizeValue('position', { lat: t.lat, lon: t.lon, alt: t.alt });
      const vel = quantizeValue('velocity', { east: t.east, north: t.north });
      out.push([version(t.id, 'position', pos, ts), version(t.id, 'velocity', vel, ts)]);
      authorOf.push(t.sensor);
    }
    scan++;
  }
  return { nodes, authorOf, updates: out };
}

export function version(entity: EntityId, kind: string, value: ComponentValue, ts: Version['ts']): Version {
  return { entity, kind: kind as ComponentKind, value, ts, seen: [] };
}

/**
 * The versions as each author's group commit signs them (docs/security.md, "One signature per
 * batch"): one 64-byte signature per author (random bytes: sizes only), each version a leaf of
 * its author's batch. Encoded together, each author's versions form a whole batch (no proof hashes).
 */
export function signed(vs: readonly Version[], rand: () => number): Version[] {
  const byAuthor = new Map<string, { sig: Uint8Array; count: number; next: number }>();
  for (const v of vs) {
    const a = byAuthor.get(v.ts.node);
    if (a === undefined) {
      byAuthor.set(v.ts.node, { sig: Uint8Array.from({ length: 64 }, () => randInt(rand, 256)), count: 1, next: 0 });
    } else a.count++;
  }
  return vs.map((v) => {
    const a = byAuthor.get(v.ts.node)!;
    const index = a.next++;
    const path = splitPath(new Uint8Array(pathBytes(a.count, index)));
    return { ...v, proof: { kind: 'path', form: LEAF_FORM_BINARY, sig: a.sig, count: a.count, index, path } };
  });
}
