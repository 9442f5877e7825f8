/** Gating geometry: the tangent plane across the antimeridian and near the poles, missing covariances, the spatial index. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { separation, within } from '../../../../src/core/fusion/gate';
import { add, inverse, maxEigen, quad, type Sym2 } from '../../../../src/core/fusion/matrix2';
import type { Prepared } from '../../../../src/core/fusion/prepared';
import { gatedPairs } from '../../../../src/core/fusion/spatial-gate';
import { project } from '../../../../src/core/fusion/tangent-plane';
import { covarianceOf } from '../../../../src/core/fusion/uncertainty';
import type { EntityId } from '../../../../src/core/ids';
import { bearingDistance, offset, wrapLon } from '../../../../src/core/sim/geo';

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
console.log(`fusion geometry seed ${seed}; replay with SEED=${seed}`);

const track = (id: string, sensorId: string, lat: number, lon: number, cov: Sym2 = [100, 0, 100]): Prepared => ({
  id: id as EntityId,
  sensorId,
  time: 0,
  lat,
  lon,
  alt: undefined,
  cov,
  maxVar: maxEigen(cov),
});
const GATE = { chi2: 9.21, meters: 500, maxTimeDiffMs: 2_000 };

describe('tangent plane', () => {
  it('is continuous across the antimeridian: 179.9999 and -179.9999 are 22 m apart, not 360°', () => {
    const a = track('a', 'eo', 10, 179.9999);
    const b = track('b', 'radar', 10, -179.9999);
    const o = project(a, b);
    expect(o.east).toBeCloseTo(2 * 11.1319 * Math.cos((10 * Math.PI) / 180), 1);
    expect(Math.abs(o.north)).toBeLessThan(0.01);
    expect(separation(a, b).d2).toBeLessThan(GATE.chi2);
    expect(gatedPairs([a, b], GATE).map((p) => [p.i, p.j])).toEqual([[0, 1]]);
  });

  it('works across the pole: two tracks 11 m either side of the north pole are 22 m apart', () => {
    const a = track('a', 'eo', 89.9999, 0);
    const b = track('b', 'radar', 89.9999, 180);
    expect(separation(a, b).meters).toBeCloseTo(22.24, 1);
    expect(gatedPairs([a, b], GATE)).toHaveLength(1);
    // And at the south pole, 90° of longitude apart.
    const c = track('c', 'eo', -89.9999, 45);
    const d = track('d', 'radar', -89.9999, 135);
    expect(separation(c, d).meters).toBeCloseTo(15.73, 1);
    expect(gatedPairs([c, d], GATE)).toHaveLength(1);
  });

  it('rotates a covariance into the other point`s frame near the pole', () => {
    // a is 1.1 km from the north pole on longitude 0, b 111 m from it on longitude 90: b lies nearly
    // due north of a, and b's own north (towards the pole) is a's west. b's error ellipse is long
    // (σ 1 km) along b's north, so across the line joining them, and short (5 m) along it; a's is
    // round (σ 200 m). Along the line, 1.1 km is 5.6 σ: not one object.
    const a = track('a', 'eo', 89.99, 0, [4e4, 0, 4e4]);
    const b = track('b', 'radar', 89.999, 90, [25, 0, 1e6]);
    const o = project(a, b);
    expect(o.frameRotation).toBeCloseTo(-Math.PI / 2, 2);
    const ab = separation(a, b);
    expect(ab.d2).toBeGreaterThan(25);
    expect(ab.d2).toBeCloseTo(separation(b, a).d2, 6);
    // Taking b's north for a's north would have put the long axis along the line: a false match.
    const naive = quad(inverse(add(a.cov, b.cov))!, o.east, o.north);
    expect(naive).toBeLessThan(2);
  });

  it('property: separation is symmetric anywhere on Earth, poles and antimeridian included', () => {
    const point = fc.record({
      lat: fc.oneof(
        fc.double({ min: -89.99, max: 89.99, noNaN: true }),
        fc.double({ min: 89, max: 89.9999, noNaN: true }),
      ),
      lon: fc.oneof(
        fc.double({ min: -180, max: 179.999, noNaN: true }),
        fc.double({ min: 179.9, max: 179.99999, noNaN: true }),
      ),
    });
    const cov = fc
      .tuple(
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        fc.double({ min: -0.99, max: 0.99, noNaN: true }),
      )
      .map(([x, y, r]): Sym2 => [x, r * Math.sqrt(x * y), y]);
    fc.assert(
      fc.property(
        point,
        cov,
        cov,
        fc.double({ min: 0, max: 2000, noNaN: true }),
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        (p, ca, cb, dist, bearing) => {
          const q = offset(p, dist * Math.sin(bearing), dist * Math.cos(bearing));
          const a = track('a', 'eo', p.lat, p.lon, ca);
          const b = track('b', 'radar', q.lat, q.lon, cb);
          const ab = separation(a, b);
          const ba = separation(b, a);
          expect(ab.meters).toBeCloseTo(ba.meters, 6);
          expect(Math.abs(ab.d2 - ba.d2)).toBeLessThan(1e-6 * Math.max(1, ab.d2));
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});

describe('missing covariance', () => {
  it('uses the covariance when present, else accuracy as an isotropic σ, else the default σ', () => {
    expect(covarianceOf({ lat: 0, lon: 0, covariance: [400, 10, 900] }, 50)).toEqual([900, 10, 400]);
    expect(covarianceOf({ lat: 0, lon: 0, accuracy: 5 }, 50)).toEqual([25, 0, 25]);
    expect(covarianceOf({ lat: 0, lon: 0 }, 50)).toEqual([2500, 0, 2500]);
    // Not positive definite: treated as missing.
    expect(covarianceOf({ lat: 0, lon: 0, covariance: [1, 5, 1], accuracy: 3 }, 50)).toEqual([9, 0, 9]);
  });

  it('a track with neither gates on the default σ: 100 m apart fuses at σ 50 m, not at σ 5 m', () => {
    const near = offset({ lat: 52, lon: 4 }, 100, 0);
    const d = (sigma: number): number =>
      separation(
        track('a', 'eo', 52, 4, covarianceOf({ lat: 52, lon: 4 }, sigma)),
        track('b', 'r', near.lat, near.lon, covarianceOf({ lat: 0, lon: 0 }, sigma)),
      ).d2;
    expect(d(50)).toBeCloseTo(100 ** 2 / 5000, 3);
    expect(d(50)).toBeLessThan(GATE.chi2);
    expect(d(5)).toBeGreaterThan(GATE.chi2);
  });
});

describe('spatial gate', () => {
  it('property: finds exactly the pairs a brute-force scan finds, anywhere on Earth', () => {
    const centre = fc.record({
      lat: fc.oneof(fc.constant(89.998), fc.constant(-89.999), fc.double({ min: -80, max: 80, noNaN: true })),
      lon: fc.oneof(fc.constant(179.999), fc.constant(-179.9995), fc.double({ min: -180, max: 179.9, noNaN: true })),
    });
    const spot = fc.record({
      east: fc.double({ min: -800, max: 800, noNaN: true }),
      north: fc.double({ min: -800, max: 800, noNaN: true }),
      sensor: fc.constantFrom('eo', 'radar', 'radar-2'),
      sigma: fc.double({ min: 3, max: 200, noNaN: true }),
      stretch: fc.double({ min: 1, max: 10, noNaN: true }),
    });
    fc.assert(
      fc.property(centre, fc.array(spot, { minLength: 2, maxLength: 40 }), (c, spots) => {
        const tracks = spots.map((s, k) => {
          const p = offset(c, s.east, s.north);
          return track(`t${String(k).padStart(3, '0')}`, s.sensor, p.lat, wrapLon(p.lon), [
            s.sigma ** 2,
            0,
            (s.sigma * s.stretch) ** 2,
          ]);
        });
        const brute: [number, number][] = [];
        for (let i = 0; i < tracks.length; i++) {
          for (let j = i + 1; j < tracks.length; j++) {
            if (tracks[i]!.sensorId === tracks[j]!.sensorId) continue;
            const s = separation(tracks[i]!, tracks[j]!);
            if (within(s, GATE)) brute.push([i, j]);
          }
        }
        expect(gatedPairs(tracks, GATE).map((p) => [p.i, p.j])).toEqual(brute);
      }),
      { seed, numRuns: 200 },
    );
  });

  it('refuses pairs of one sensor and pairs too far apart in time', () => {
    const a = track('a', 'eo', 0, 0);
    const b = { ...track('b', 'eo', 0, 0.00001) };
    const c = { ...track('c', 'radar', 0, 0.00001), time: 5_000 };
    expect(gatedPairs([a, b, c], GATE)).toEqual([]);
    expect(bearingDistance(a, b).distance).toBeLessThan(2);
  });
});
