/**
 * The fused state: reports of different declared sensor types are independent measurements
 * (information update), reports of one type or of no declared type are fused by covariance
 * intersection (docs/fusion.md, "Fused state").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuseGroup, fuseIndependentPair } from '../../../../src/core/fusion/fuse-group';
import { TrackTable } from '../../../../src/core/fusion/track-table';
import type { SensorType } from '../../../../src/core/entity/component-types';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import type { FusedTrack, SourceTrack } from '../../../../src/core/fusion/types';
import type { EntityId } from '../../../../src/core/ids';
import { bearingDistance, offset } from '../../../../src/core/sim/geo';

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
console.log(`fusion fused-state seed ${seed}; replay with SEED=${seed}`);

const BASE = { lat: 52.37, lon: 4.89 };
const T0 = 1_700_000_000_000;

function track(id: string, sensorId: string, east: number, sigma: number, sensorType?: SensorType): SourceTrack {
  const p = offset(BASE, east, 0);
  return {
    id: id as EntityId,
    sensorId,
    ...(sensorType === undefined ? {} : { sensorType }),
    time: T0,
    position: { lat: p.lat, lon: p.lon, covariance: [sigma ** 2, 0, sigma ** 2] },
  };
}

/** The one fused track of these reports, fused at once (1 of 1). */
function fuse(tracks: readonly SourceTrack[]): FusedTrack {
  const f = new FusionEngine({ confirmHits: 1, confirmWindow: 1 });
  for (const t of tracks) f.upsert(t);
  f.scan(T0);
  const fused = f.fused();
  expect(fused.length).toBe(1);
  expect(fused[0]!.fusion.sources.length).toBe(tracks.length);
  return fused[0]!;
}

const eastOf = (t: FusedTrack): number => {
  const { distance, bearing } = bearingDistance(BASE, t.fusion.position);
  return distance * Math.sin(bearing);
};

describe('fused state', () => {
  it('an EO and a radar report (different declared types) combine as independent: variance halves for equal errors', () => {
    const t = fuse([track('a', 'cam', 0, 10, 'eo'), track('b', 'rad', 20, 10, 'radar')]);
    // P = (A⁻¹ + B⁻¹)⁻¹ = 50 m² per axis; the mean of the two.
    expect(t.fusion.position.covariance![0]).toBeCloseTo(50, 2);
    expect(t.fusion.position.covariance![2]).toBeCloseTo(50, 2);
    expect(eastOf(t)).toBeCloseTo(10, 1);
  });

  it('a dominating EO still gains from the radar: the fused variance is below the EO`s', () => {
    const t = fuse([track('a', 'cam', 0, 5, 'eo'), track('b', 'rad', 30, 30, 'radar')]);
    // 1 / (1/25 + 1/900) = 24.32 m².
    expect(t.fusion.position.covariance![0]).toBeCloseTo(24.324, 2);
    expect(eastOf(t)).toBeCloseTo(30 * (25 / 925), 1);
  });

  it('two radars (one declared type) and two undeclared tracks are fused by covariance intersection: no gain on equal errors', () => {
    for (const types of [['radar', 'radar'] as const, [undefined, undefined] as const]) {
      const t = fuse([track('a', 'r1', 0, 10, types[0]), track('b', 'r2', 20, 10, types[1])]);
      expect(t.fusion.position.covariance![0], String(types)).toBeCloseTo(100, 2);
    }
  });

  it('an undeclared track is not taken as independent of a declared one', () => {
    const t = fuse([track('a', 'cam', 0, 10, 'eo'), track('b', 'x', 20, 10)]);
    expect(t.fusion.position.covariance![0]).toBeCloseTo(100, 2);
  });

  it('three sources: the two radars by CI, then the EO by the information update', () => {
    const t = fuse([
      track('a', 'cam', 0, 10, 'eo'),
      track('b', 'r1', 0, 10, 'radar'),
      track('c', 'r2', 0, 10, 'radar'),
    ]);
    // The radars' CI keeps 100 m² (equal errors); with the EO's 100 m²: 50 m², not 33.3.
    expect(t.fusion.position.covariance![0]).toBeCloseTo(50, 2);
  });

  it('property: the columns` fast path for an EO + radar pair gives the general path`s position, anywhere on Earth', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -89.9, max: 89.9, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.double({ min: -300, max: 300, noNaN: true }),
        fc.double({ min: -300, max: 300, noNaN: true }),
        fc.double({ min: 1, max: 400, noNaN: true }),
        fc.double({ min: 1, max: 4_000, noNaN: true }),
        fc.double({ min: -0.9, max: 0.9, noNaN: true }),
        (lat, lon, east, north, va, vb, rho) => {
          const q = offset({ lat, lon }, east, north);
          const cross = rho * Math.sqrt(vb * (vb / 2));
          const tracks: SourceTrack[] = [
            {
              id: 'a' as EntityId,
              sensorId: 'cam',
              sensorType: 'eo',
              time: T0,
              position: { lat, lon, accuracy: Math.sqrt(va) },
            },
            {
              id: 'b' as EntityId,
              sensorId: 'rad',
              sensorType: 'radar',
              time: T0,
              position: { lat: q.lat, lon: q.lon, covariance: [vb, cross, vb / 2] },
            },
          ];
          const table = new TrackTable(2, 100);
          table.sensorIds.push('cam', 'rad');
          tracks.forEach((t, k) => table.setTrack(k, t, k, 50));
          const fast = fuseIndependentPair(table, 0, 1)!;
          const general = fuseGroup(table, [0, 1]);
          expect(Math.abs(fast.lat - general.lat)).toBeLessThanOrEqual(2e-7);
          expect(Math.abs(((fast.lon - general.lon + 540) % 360) - 180)).toBeLessThanOrEqual(2e-7);
          for (let k = 0; k < 3; k++)
            expect(Math.abs(fast.covariance![k]! - general.covariance![k]!)).toBeLessThanOrEqual(2e-3);
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});
