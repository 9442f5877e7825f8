/** Time alignment: reports taken at different instants are compared, and fused, at one time. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Position } from '../../../../src/core/entity/component-types';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import { separation } from '../../../../src/core/fusion/gate';
import { maxEigen, type Sym2 } from '../../../../src/core/fusion/matrix2';
import type { Prepared } from '../../../../src/core/fusion/prepared';
import { gatedPairs } from '../../../../src/core/fusion/spatial-gate';
import type { FusionConfig, SourceTrack } from '../../../../src/core/fusion/types';
import type { EntityId } from '../../../../src/core/ids';
import { bearingDistance, offset, wrapLon } from '../../../../src/core/sim/geo';

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
console.log(`fusion time alignment seed ${seed}; replay with SEED=${seed}`);

const BASE = { lat: 52.37, lon: 4.89 };
const T0 = 1_700_000_000_000;
const SPEED = 250;

function at(
  id: string,
  sensorId: string,
  east: number,
  time: number,
  extra: Partial<SourceTrack> = {},
  p: Partial<Position> = {},
): SourceTrack {
  const q = offset(BASE, east, 0);
  return { id: id as EntityId, sensorId, time, position: { lat: q.lat, lon: q.lon, ...p }, ...extra };
}

/**
 * An aircraft flying east at 250 m/s: each second the EO reports where it is now, the radar (no
 * velocity) where it was `radarLagMs` earlier. Returns the engine after `scans` scans.
 */
function chase(config: Partial<FusionConfig>, eoVelocity: boolean, radarLagMs: number, scans = 5): FusionEngine {
  const f = new FusionEngine(config);
  for (let k = 0; k < scans; k++) {
    const t = T0 + k * 1000;
    const x = SPEED * k;
    f.upsert(at('eo.a', 'eo', x, t, eoVelocity ? { velocity: { east: SPEED, north: 0 } } : {}, { accuracy: 5 }));
    f.upsert(at('radar.a', 'radar', x - (SPEED * radarLagMs) / 1000, t - radarLagMs, {}, { accuracy: 20 }));
    f.scan(t);
  }
  return f;
}

describe('time alignment', () => {
  it('reports of one instant are compared as they are: no growth, no motion', () => {
    const f = chase({}, true, 0);
    expect(f.fused()).toHaveLength(1);
    // The EO is better in every direction: CI keeps it whole, where it is.
    const fused = f.fused()[0]!;
    expect(bearingDistance(fused.fusion.position, offset(BASE, SPEED * 4, 0)).distance).toBeLessThan(0.05);
    expect(fused.fusion.position.accuracy).toBeCloseTo(5, 2);
  });

  it('a track with a velocity is moved to the other report`s time before gating, and fused there', () => {
    // The EO reports 1 s late, 250 m behind the radar's report of the same moment; the radar has
    // no velocity and the unknown speed is 0, so nothing but the EO's velocity can bring them together.
    const run = (velocity: boolean): FusionEngine => {
      const f = new FusionEngine({ unknownSpeedMps: 0 });
      for (let k = 0; k < 5; k++) {
        const t = T0 + k * 1000;
        const x = SPEED * k;
        const v = velocity ? { velocity: { east: SPEED, north: 0 } } : {};
        f.upsert(at('eo.a', 'eo', x - SPEED, t - 1000, v, { accuracy: 5 }));
        f.upsert(at('radar.a', 'radar', x, t, {}, { accuracy: 20 }));
        f.scan(t);
      }
      return f;
    };
    // As reported they are 250 m apart: d² = 250² / (25 + 400) ≈ 147.
    expect(run(false).fused()).toEqual([]);
    const fused = run(true).fused();
    expect(fused).toHaveLength(1);
    // Fused at the newer time, the EO predicted to it (not where it was reported, 250 m back).
    expect(fused[0]!.time).toBe(T0 + 4000);
    expect(bearingDistance(fused[0]!.fusion.position, offset(BASE, SPEED * 4, 0)).distance).toBeLessThan(0.5);
  });

  it('without a velocity the gate widens with age, and only by the ground the assumed speed covers', () => {
    // Radar 1 s late, no velocity anywhere: at the default 100 m/s its σ grows to √(20² + 100²),
    // d² = 250² / (25 + 400 + 10,000) ≈ 6.0, inside the 9.21 gate.
    expect(chase({}, false, 1_000).fused()).toHaveLength(1);
    // At 0.5 s late the growth is 50 m, the miss 125 m: d² = 125² / (25 + 400 + 2,500) ≈ 5.3.
    expect(chase({}, false, 500).fused()).toHaveLength(1);
    // The metres gate grows too, but no further than the speed allows: 600 m at 1 s, not 1,000.
    // σ 300 m each: the χ² gate admits both distances, the summed covariance stays inside the
    // metres gate (a wider one is refused, gate.ts sepWithin), so the metres gate decides.
    const far = new FusionEngine({ unknownSpeedMps: 100, gateMeters: 500, defaultSigmaM: 300 });
    for (let k = 0; k < 5; k++) {
      const t = T0 + k * 1000;
      far.upsert(at('eo.a', 'eo', 0, t));
      far.upsert(at('radar.a', 'radar', 700, t - 1000));
      far.scan(t);
    }
    expect(far.fused()).toEqual([]);
    const near = new FusionEngine({ unknownSpeedMps: 100, gateMeters: 500, defaultSigmaM: 300 });
    for (let k = 0; k < 5; k++) {
      const t = T0 + k * 1000;
      near.upsert(at('eo.a', 'eo', 0, t));
      near.upsert(at('radar.a', 'radar', 550, t - 1000));
      near.scan(t);
    }
    expect(near.fused()).toHaveLength(1);
  });

  it('an aged track without velocity fuses with its covariance grown by the age', () => {
    const f = chase({}, false, 1_000);
    const fused = f.fused()[0]!;
    // The EO (σ 5) still dominates the grown radar (σ ≈ 102): the fused track is the EO's report.
    expect(fused.fusion.position.accuracy).toBeCloseTo(5, 2);
    expect(fused.time).toBe(T0 + 4000);
  });

  it('property: the spatial gate finds exactly the brute-force pairs when reports differ in time and some move', () => {
    const spot = fc.record({
      east: fc.double({ min: -900, max: 900, noNaN: true }),
      north: fc.double({ min: -900, max: 900, noNaN: true }),
      sensor: fc.constantFrom('eo', 'radar', 'radar-2'),
      sigma: fc.double({ min: 3, max: 150, noNaN: true }),
      lagMs: fc.integer({ min: 0, max: 3_000 }),
      velocity: fc.option(
        fc.record({
          east: fc.double({ min: -300, max: 300, noNaN: true }),
          north: fc.double({ min: -300, max: 300, noNaN: true }),
        }),
        { nil: undefined },
      ),
    });
    const centre = fc.oneof(
      fc.constant({ lat: 52.37, lon: 4.89 }),
      fc.constant({ lat: -33, lon: -179.999 }),
      fc.constant({ lat: 89.998, lon: 0 }),
    );
    const gate = { chi2: 9.21, meters: 500, maxTimeDiffMs: 2_000 };
    fc.assert(
      fc.property(
        centre,
        fc.array(spot, { minLength: 2, maxLength: 30 }),
        fc.constantFrom(0, 30, 100),
        (c, spots, u) => {
          const tracks: Prepared[] = spots.map((s, k) => {
            const p = offset(c, s.east, s.north);
            const cov: Sym2 = [s.sigma ** 2, 0, s.sigma ** 2];
            return {
              id: `t${String(k).padStart(3, '0')}` as EntityId,
              sensorId: s.sensor,
              time: T0 - s.lagMs,
              lat: p.lat,
              lon: wrapLon(p.lon),
              alt: undefined,
              cov,
              maxVar: maxEigen(cov),
              ...(s.velocity ? { velocity: s.velocity } : {}),
            };
          });
          const brute: [number, number][] = [];
          for (let i = 0; i < tracks.length; i++) {
            for (let j = i + 1; j < tracks.length; j++) {
              if (tracks[i]!.sensorId === tracks[j]!.sensorId) continue;
              const s = separation(tracks[i]!, tracks[j]!, u);
              if (s.d2 <= gate.chi2 && s.meters <= gate.meters + s.slackMeters && s.dtMs <= gate.maxTimeDiffMs)
                brute.push([i, j]);
            }
          }
          expect(gatedPairs(tracks, gate, u).map((p) => [p.i, p.j])).toEqual(brute);
        },
      ),
      { seed, numRuns: 200 },
    );
  });
});
