/**
 * Nodes holding the same versions show the same fused picture (docs/fusion.md, "Replication"):
 * two engines given the same report versions, one as they were written and scanned as they came,
 * the other a random subset of the intermediate versions (always the last), in batches and late,
 * scanned at other moments, show identical fused tracks once both hold the last versions and
 * the settle (one dwell and a scan) has passed. Seeded; the seed is printed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SensorType } from '../../../../src/core/entity/component-types';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import { DEFAULT_FUSION_CONFIG, type SourceTrack } from '../../../../src/core/fusion/types';
import type { EntityId } from '../../../../src/core/ids';
import { offset } from '../../../../src/core/sim/geo';

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
console.log(`fusion convergence seed ${seed}; replay with SEED=${seed}`);

const BASE = { lat: 52.37, lon: 4.89 };
const T0 = 1_700_000_000_000;
const DWELL = DEFAULT_FUSION_CONFIG.confirmDwellMs;

const SENSORS: readonly { sensorId: string; author: string; type: SensorType; sigma: number }[] = [
  { sensorId: 'eo', author: 'node-a', type: 'eo', sigma: 8 },
  { sensorId: 'radar', author: 'node-b', type: 'radar', sigma: 40 },
  { sensorId: 'radar', author: 'node-c', type: 'radar', sigma: 60 },
];

/** One version of a track: where it was reported and when (its stamp). */
interface Version {
  readonly track: SourceTrack;
  /** Delivery to the second engine: delayed, or never (an intermediate version it skips). */
  readonly delay: number;
  readonly skipped: boolean;
}

const versionArb = fc.record({
  dt: fc.integer({ min: 200, max: 2_500 }),
  east: fc.integer({ min: -250, max: 250 }),
  north: fc.integer({ min: -250, max: 250 }),
  delay: fc.integer({ min: 0, max: 9_000 }),
  skipped: fc.boolean(),
});
const trackArb = fc.record({
  cluster: fc.integer({ min: 0, max: 2 }),
  sensor: fc.integer({ min: 0, max: SENSORS.length - 1 }),
  start: fc.integer({ min: 0, max: 3_000 }),
  versions: fc.array(versionArb, { minLength: 1, maxLength: 6 }),
});
const worldArb = fc.record({
  tracks: fc.array(trackArb, { minLength: 2, maxLength: 9 }),
  /** How often each engine scans (ms), and the second engine's batch period. */
  scanA: fc.integer({ min: 300, max: 1_500 }),
  scanB: fc.integer({ min: 300, max: 3_000 }),
  batchB: fc.integer({ min: 1, max: 4_000 }),
});

type WorldValue = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function versionsOf(world: WorldValue): Version[][] {
  return world.tracks.map((t, k) => {
    const s = SENSORS[t.sensor]!;
    let time = T0 + t.start;
    const out: Version[] = [];
    t.versions.forEach((v, n) => {
      time += v.dt;
      const p = offset(BASE, 3_000 * t.cluster + v.east, v.north);
      out.push({
        track: {
          id: `t${k}` as EntityId,
          sensorId: s.sensorId,
          author: s.author,
          sensorType: s.type,
          time,
          position: { lat: p.lat, lon: p.lon, covariance: [s.sigma ** 2, 0, s.sigma ** 2] },
        },
        delay: v.delay,
        // The last version always arrives: both engines end holding the same versions.
        skipped: v.skipped && n < t.versions.length - 1,
      });
    });
    return out;
  });
}

/** An engine fed `deliveries` (time of arrival, track) and scanned every `every` ms until `until`. */
function feed(deliveries: readonly { at: number; track: SourceTrack }[], every: number, until: number): FusionEngine {
  const f = new FusionEngine();
  const sorted = [...deliveries].sort((x, y) => x.at - y.at || x.track.time - y.track.time);
  let k = 0;
  for (let now = T0; now <= until; now += every) {
    while (k < sorted.length && sorted[k]!.at <= now) f.upsert(sorted[k++]!.track);
    f.scan(now);
  }
  while (k < sorted.length) f.upsert(sorted[k++]!.track);
  return f;
}

describe('fused pictures converge on the versions held', () => {
  it('property: all versions as written vs some of them late and batched: identical fused tracks one dwell after both hold the last versions', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const versions = versionsOf(w);
        const all = versions.flat();
        const asWritten = all.map((v) => ({ at: v.track.time, track: v.track }));
        // Late and batched: each delivered version arrives at the end of its batch period after its delay.
        const late = all
          .filter((v) => !v.skipped)
          .map((v) => ({ at: Math.ceil((v.track.time + v.delay) / w.batchB) * w.batchB, track: v.track }));
        // Per track a node only moves forward: a version that arrives after a newer one is dropped.
        const newest = new Map<string, number>();
        const inOrder = [...late]
          .sort((x, y) => x.at - y.at || x.track.time - y.track.time)
          .filter((d) => {
            const seen = newest.get(d.track.id) ?? -Infinity;
            if (d.track.time <= seen) return false;
            newest.set(d.track.id, d.track.time);
            return true;
          });
        const held = Math.max(...asWritten.map((d) => d.at), ...inOrder.map((d) => d.at));
        const a = feed(asWritten, w.scanA, held);
        const b = feed(inOrder, w.scanB, held);
        // From here both hold the same versions and scan at the same moments.
        for (let now = held + 1; now <= held + 3 * DWELL; now += 500) {
          a.scan(now);
          b.scan(now);
          if (now >= held + DWELL + 1_000) expect(b.fused(), `at held + ${now - held} ms`).toEqual(a.fused());
        }
      }),
      { seed, numRuns: 150 },
    );
  });
});
