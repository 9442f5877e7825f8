/**
 * Geodesy on a sphere of the Earth's mean radius (IUGG R1 = 6,371,008.8 m): great-circle steps and
 * bearings, which are exact on the sphere and within about 0.5 % of the WGS84 ellipsoid, plenty for
 * simulated motion and threat geometry over tens of kilometres. Unlike a flat local ENU frame they
 * stay valid across the antimeridian and near the poles: every formula here uses atan2 and a clamped
 * asin, so no input in range produces NaN (at a pole, where bearings are undefined, they come out as
 * some finite value).
 */
export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

export interface LatLon {
  readonly lat: number;
  readonly lon: number;
}

/** Wraps a longitude to [-180, 180). */
export function wrapLon(lon: number): number {
  const w = (((lon + 180) % 360) + 360) % 360;
  return w - 180;
}

/** Wraps an angle in radians to (-π, π]. */
export function wrapAngle(a: number): number {
  const w = (((a + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  return w === 0 ? Math.PI : w - Math.PI;
}

const clamp1 = (x: number): number => Math.max(-1, Math.min(1, x));

/** Initial great-circle bearing (radians clockwise from true north) and distance (m) from a to b. */
export function bearingDistance(a: LatLon, b: LatLon): { readonly bearing: number; readonly distance: number } {
  const f1 = a.lat * RAD;
  const f2 = b.lat * RAD;
  const dl = (b.lon - a.lon) * RAD;
  const h = Math.sin((f2 - f1) / 2) ** 2 + Math.cos(f1) * Math.cos(f2) * Math.sin(dl / 2) ** 2;
  const distance = 2 * EARTH_RADIUS_M * Math.atan2(Math.sqrt(h), Math.sqrt(Math.max(0, 1 - h)));
  const bearing = Math.atan2(
    Math.sin(dl) * Math.cos(f2),
    Math.cos(f1) * Math.sin(f2) - Math.sin(f1) * Math.cos(f2) * Math.cos(dl),
  );
  return { bearing, distance };
}

/**
 * The point `distance` metres from `from` along the great circle leaving at `bearing`, and the
 * bearing on arrival (a straight path on the sphere changes bearing as it goes; carrying the arrival
 * bearing forward is what keeps a constant-velocity leg straight).
 */
export function destination(
  from: LatLon,
  bearing: number,
  distance: number,
): { readonly lat: number; readonly lon: number; readonly bearing: number } {
  const d = distance / EARTH_RADIUS_M;
  const f1 = from.lat * RAD;
  const l1 = from.lon * RAD;
  const f2 = Math.asin(clamp1(Math.sin(f1) * Math.cos(d) + Math.cos(f1) * Math.sin(d) * Math.cos(bearing)));
  const l2 = l1 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(f1), Math.cos(d) - Math.sin(f1) * Math.sin(f2));
  const to = { lat: f2 / RAD, lon: wrapLon(l2 / RAD) };
  // Arrival bearing: the reverse of the bearing from the destination back to the start.
  const back = bearingDistance(to, from).bearing;
  return { ...to, bearing: distance === 0 ? bearing : wrapAngle(back + Math.PI) };
}

/** A local east/north offset (m) applied at a point, as a great-circle step. */
export function offset(from: LatLon, east: number, north: number): LatLon {
  const p = destination(from, Math.atan2(east, north), Math.hypot(east, north));
  return { lat: p.lat, lon: p.lon };
}
