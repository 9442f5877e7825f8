import type { Position, Velocity } from '../../core/entity/component-types';

/**
 * Track geometry in the map's projection (Web Mercator, EPSG:3857), from ground metres. Pure
 * arithmetic so it is unit-tested without a map: Mercator stretches ground distances by
 * 1 / cos(latitude), which is all a local offset of a few kilometres needs.
 */

export type XY = readonly [number, number];

/** How far ahead the heading leader reaches: where the track will be in this many seconds. */
export const LEADER_SECONDS = 60;
/** Slower than this the track is treated as still: no leader. */
export const STILL_MPS = 0.5;
/** Vertices of an uncertainty ellipse. */
const ELLIPSE_STEPS = 36;

/** Projected units per ground metre at a latitude. */
export function mercatorScale(latDeg: number): number {
  return 1 / Math.cos((latDeg * Math.PI) / 180);
}

/** Heading in degrees from true north, clockwise (what the operator reads), or undefined when still. */
export function headingOf(v: Velocity): number | undefined {
  if (Math.hypot(v.east, v.north) < STILL_MPS) return undefined;
  return ((Math.atan2(v.east, v.north) * 180) / Math.PI + 360) % 360;
}

/** The heading leader: from the track to where its velocity takes it in LEADER_SECONDS. */
export function leaderOf(centre: XY, latDeg: number, v: Velocity): [XY, XY] | undefined {
  if (headingOf(v) === undefined) return undefined;
  const k = mercatorScale(latDeg) * LEADER_SECONDS;
  return [centre, [centre[0] + v.east * k, centre[1] + v.north * k]];
}

/** Semi-axes (metres, 1σ) and the major axis' angle from east, counter-clockwise, in radians. */
export interface Ellipse {
  readonly major: number;
  readonly minor: number;
  readonly angle: number;
}

/**
 * The 1σ error ellipse of a position: from its covariance [varNorth, covNorthEast, varEast] when it
 * has one (eigen-decomposition of the 2×2 matrix), else a circle of radius `accuracy`.
 */
export function ellipseOf(p: Position): Ellipse | undefined {
  if (p.covariance !== undefined) {
    const [n, ne, e] = p.covariance;
    const mean = (e + n) / 2;
    const spread = Math.hypot((e - n) / 2, ne);
    const major = Math.sqrt(Math.max(0, mean + spread));
    const minor = Math.sqrt(Math.max(0, mean - spread));
    if (!(major > 0)) return undefined;
    return { major, minor, angle: 0.5 * Math.atan2(2 * ne, e - n) };
  }
  if (p.accuracy !== undefined && p.accuracy > 0) return { major: p.accuracy, minor: p.accuracy, angle: 0 };
  return undefined;
}

/** The ellipse as a closed ring of projected points around `centre`. */
export function ellipseRing(centre: XY, latDeg: number, ellipse: Ellipse): XY[] {
  const k = mercatorScale(latDeg);
  const cos = Math.cos(ellipse.angle);
  const sin = Math.sin(ellipse.angle);
  const ring: XY[] = [];
  for (let i = 0; i < ELLIPSE_STEPS; i++) {
    const t = (2 * Math.PI * i) / ELLIPSE_STEPS;
    const a = ellipse.major * Math.cos(t);
    const b = ellipse.minor * Math.sin(t);
    ring.push([centre[0] + (a * cos - b * sin) * k, centre[1] + (a * sin + b * cos) * k]);
  }
  ring.push(ring[0]!); // closed exactly, as a polygon ring must be
  return ring;
}

/** The largest 1-2-5 step (metres) at most `maxMetres`: range rings read as round distances. */
export function niceStep(maxMetres: number): number {
  if (!(maxMetres > 0)) return 1;
  const pow = 10 ** Math.floor(Math.log10(maxMetres));
  const unit = [5, 2, 1].find((m) => m * pow <= maxMetres) ?? 1;
  return unit * pow;
}

/** A distance as the scale bar and range rings label it: metres below 1 km, then km. */
export function distanceLabel(metres: number): string {
  if (metres < 1000) return `${Math.round(metres)} m`;
  const km = metres / 1000;
  return `${Number.isInteger(km) ? km : km.toFixed(1)} km`;
}
