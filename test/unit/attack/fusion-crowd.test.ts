/**
 * A peer's tracks laid out all within the gate of each other (docs/fusion.md, "What a peer's tracks
 * can cost"): 83 clusters of 120 EO and 120 radar tracks, every EO of a cluster gated with every
 * radar of it, used to make the gate measure 1.2 M pairs a scan (0.6–0.9 s). A crowded query now
 * measures its maxGateMeasured nearest candidates only: the work is bounded per query, counted in
 * stats(), and honest tracks elsewhere still fuse. Work is counted, not timed.
 */
import { describe, expect, it } from 'vitest';
import { FusionEngine } from '../../../src/core/fusion/engine';
import { fusedId } from '../../../src/core/fusion/fused-id';
import type { Prepared } from '../../../src/core/fusion/prepared';
import { CROWD_PER_AUTHOR, GateWork, gatePairs } from '../../../src/core/fusion/spatial-gate';
import { TrackTable } from '../../../src/core/fusion/track-table';
import type { SourceTrack } from '../../../src/core/fusion/types';
import type { EntityId } from '../../../src/core/ids';
import { offset } from '../../../src/core/sim/geo';
import { CLUSTER_BASE as BASE, CLUSTER_T0 as T0, gatedClusters } from '../support/gated-clusters';

/** Ids that sort before the honest ones: id order must not let the crowd go first and starve them. */
const crowd = (clusters: number, side: number): SourceTrack[] =>
  gatedClusters(clusters, side, { prefix: 'a.', author: 'mallory' });

/** Honest EO + radar pairs 3 m apart, 1 km apart from each other, south of the crowd. */
function honest(pairs: number): SourceTrack[] {
  const out: SourceTrack[] = [];
  for (let k = 0; k < pairs; k++) {
    const p = offset(BASE, k * 1_000, -10_000);
    const r = offset(p, 3, 0);
    out.push(
      {
        id: `eo.${k}` as EntityId,
        sensorId: 'eo',
        sensorType: 'eo',
        author: 'us',
        time: T0,
        position: { ...p, accuracy: 5 },
      },
      {
        id: `radar.${k}` as EntityId,
        sensorId: 'radar',
        sensorType: 'radar',
        author: 'us',
        time: T0,
        position: { ...r, accuracy: 30 },
      },
    );
  }
  return out;
}

describe('attack: a crowd of tracks all within the gate of each other', () => {
  it('each gate query measures at most maxGateMeasured candidates (counted), the same from any order, and honest pairs still fuse', () => {
    const tracks = [...crowd(83, 120), ...honest(20)];
    const config = { confirmHits: 1, confirmWindow: 1 };
    const a = new FusionEngine(config);
    for (const t of tracks) a.upsert(t);
    a.scan(T0);
    const s = a.stats();
    const { maxGateMeasured } = a.config;
    expect(maxGateMeasured).toBeLessThanOrEqual(16);
    // The crowd's queries were cut (every radar of it asks, its box holding 120 EO tracks)…
    expect(s.gateCrowded).toBeGreaterThanOrEqual(83 * 120);
    // …so the separations measured are at most maxGateMeasured per track (the queries are a subset
    // of the tracks, one speed class here): 1.2 M before, 20k × 16 = 320k at most now.
    expect(s.gateSeparations).toBeLessThanOrEqual(tracks.length * maxGateMeasured);
    expect(s.gateSeparations).toBeGreaterThan(0);
    // Every honest pair is fused.
    const fused = new Set(a.fused().map((f) => f.id));
    for (let k = 0; k < 20; k++) expect(fused.has(fusedId([`eo.${k}`, `radar.${k}`]))).toBe(true);
    // The cut is a function of the tracks held: the same picture from the reverse order.
    const b = new FusionEngine(config);
    for (const t of [...tracks].reverse()) b.upsert(t);
    b.scan(T0);
    expect(b.fused()).toEqual(a.fused());
    expect(b.stats()).toEqual(s);
  });

  // A peer's tracks laid between one honest pair: before, the nearest maxGateMeasured counted the
  // asking track and tracks of its own sensor, and 15 decoys of one sensor kept the honest partner
  // from being measured at all. Whom the association then prefers is the tracker's business (a
  // decoy nearer than the partner may win it); the gate must not hide the partner.
  for (const [label, sensors] of [
    ['one sensor', 1],
    ['20 sensors of one author', 20],
  ] as const) {
    it(`the gate still measures an honest pair with 20 of a peer's tracks (${label}) between them`, () => {
      const at = (east: number, north: number): { lat: number; lon: number } => offset(BASE, east, north);
      const track = (id: string, sensorId: string, east: number, north: number, sigma: number): Prepared => ({
        id: id as EntityId,
        sensorId,
        time: T0,
        alt: undefined,
        cov: [sigma * sigma, 0, sigma * sigma],
        maxVar: sigma * sigma,
        ...at(east, north),
      });
      const decoys = Array.from({ length: 20 }, (_, k) =>
        track(
          `a.decoy.${String(k).padStart(2, '0')}`,
          `mallory/d${k % sensors}`,
          1.5 + 0.05 * (k % 5),
          0.05 * Math.floor(k / 5),
          30,
        ),
      );
      const tracks = [track('eo.0', 'us/eo', 0, 0, 5), track('radar.0', 'us/radar', 3, 0, 30), ...decoys];
      const table = TrackTable.fromPrepared(tracks, 0);
      for (const s of table.sensorIds) table.sensorAuthor.push(s.startsWith('mallory/') ? 1 : 0);
      const work = new GateWork();
      const p = gatePairs(
        table,
        { chi2: 9.21, meters: 5_000, maxTimeDiffMs: 5_000 },
        256,
        undefined,
        undefined,
        16,
        work,
      );
      expect(work.crowded).toBeGreaterThan(0);
      const eo = table.ids.indexOf('eo.0' as EntityId);
      const radar = table.ids.indexOf('radar.0' as EntityId);
      const pairs = Array.from({ length: p.count }, (_, k) => [p.i[k], p.j[k]].sort().join());
      expect(pairs).toContain([eo, radar].sort().join());
      // One author's tracks take at most CROWD_PER_AUTHOR places of a crowded query.
      expect(work.separations).toBeLessThanOrEqual(2 * (1 + CROWD_PER_AUTHOR) + 20 * 16);
    });
  }
});
