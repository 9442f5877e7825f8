import { describe, expect, it } from 'vitest';
import {
  distanceLabel,
  ellipseOf,
  ellipseRing,
  headingOf,
  leaderOf,
  LEADER_SECONDS,
  niceStep,
} from '../../../../src/ui/map/track-geometry';

describe('track geometry', () => {
  it('reads headings clockwise from north and has none for a still track', () => {
    expect(headingOf({ east: 0, north: 10 })).toBeCloseTo(0);
    expect(headingOf({ east: 10, north: 0 })).toBeCloseTo(90);
    expect(headingOf({ east: -10, north: 0 })).toBeCloseTo(270);
    expect(headingOf({ east: 0.1, north: 0.1 })).toBeUndefined();
  });

  it('draws the leader to where the track will be, stretched by Mercator at its latitude', () => {
    const [from, to] = leaderOf([1000, 2000], 60, { east: 10, north: -5 })!;
    expect(from).toEqual([1000, 2000]);
    // At 60° a ground metre is two projected units.
    expect(to[0]).toBeCloseTo(1000 + 10 * LEADER_SECONDS * 2);
    expect(to[1]).toBeCloseTo(2000 - 5 * LEADER_SECONDS * 2);
    expect(leaderOf([0, 0], 0, { east: 0, north: 0 })).toBeUndefined();
  });

  it('turns a covariance into its 1σ ellipse, and an accuracy into a circle', () => {
    // varNorth 100, varEast 400, no correlation: 20 m east-west, 10 m north-south.
    const e = ellipseOf({ lat: 0, lon: 0, covariance: [100, 0, 400] })!;
    expect(e.major).toBeCloseTo(20);
    expect(e.minor).toBeCloseTo(10);
    expect(e.angle).toBeCloseTo(0);
    // Equal variances, positive correlation: the major axis points north-east.
    const tilted = ellipseOf({ lat: 0, lon: 0, covariance: [100, 50, 100] })!;
    expect(tilted.angle).toBeCloseTo(Math.PI / 4);
    expect(tilted.major).toBeCloseTo(Math.sqrt(150));
    expect(tilted.minor).toBeCloseTo(Math.sqrt(50));
    expect(ellipseOf({ lat: 0, lon: 0, accuracy: 30 })).toEqual({ major: 30, minor: 30, angle: 0 });
    expect(ellipseOf({ lat: 0, lon: 0 })).toBeUndefined();
    expect(ellipseOf({ lat: 0, lon: 0, covariance: [0, 0, 0] })).toBeUndefined();
  });

  it('rings the ellipse around its centre, closed, at the right size', () => {
    const ring = ellipseRing([0, 0], 0, { major: 20, minor: 10, angle: 0 });
    expect(ring[0]).toEqual(ring.at(-1));
    const xs = ring.map(([x]) => x);
    const ys = ring.map(([, y]) => y);
    expect(Math.max(...xs)).toBeCloseTo(20);
    expect(Math.max(...ys)).toBeCloseTo(10, 0);
  });

  it('picks round range-ring steps and labels them', () => {
    expect(niceStep(740)).toBe(500);
    expect(niceStep(1999)).toBe(1000);
    expect(niceStep(2000)).toBe(2000);
    expect(niceStep(0.3)).toBe(0.2);
    expect(distanceLabel(500)).toBe('500 m');
    expect(distanceLabel(2000)).toBe('2 km');
    expect(distanceLabel(2500)).toBe('2.5 km');
  });
});
