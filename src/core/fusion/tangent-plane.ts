import { EARTH_RADIUS_M, offset, type LatLon } from '../sim/geo';

/**
 * A local tangent plane at a reference point: the azimuthal equidistant projection, east/north in
 * metres from great-circle bearing and distance. Unlike differencing degrees it is right across
 * the antimeridian (longitudes 179.9 and -179.9 are metres apart, not 360°) and near the poles
 * (a degree of longitude shrinks to nothing there); its distortion is (d/R)²/6 of the distance,
 * under 1e-5 at the few kilometres a gate spans.
 */
export interface Offset {
  readonly east: number;
  readonly north: number;
  /**
   * How much to add to a bearing measured at the far point to express it at the reference point
   * (parallel transport along the great circle joining them): north at the far point is not north
   * at the reference near a pole, so a covariance written in the far point's north-up frame is
   * rotated by this before it is combined with one written at the reference.
   */
  readonly frameRotation: number;
}

const RAD = Math.PI / 180;

/**
 * `project` on numbers, writing [east, north, frameRotation] into `out`: the per-pair path of a
 * scan calls it with each latitude's sine and cosine computed once per track, and allocates
 * nothing. The same formulas as sim/geo.ts bearingDistance (haversine distance, atan2 bearings),
 * computed once for both directions.
 */
export function projectInto(
  lat1: number,
  lon1: number,
  s1: number,
  c1: number,
  lat2: number,
  lon2: number,
  s2: number,
  c2: number,
  out: Float64Array,
): void {
  const f1 = lat1 * RAD;
  const f2 = lat2 * RAD;
  const dl = (lon2 - lon1) * RAD;
  const sdl = Math.sin(dl);
  const cdl = Math.cos(dl);
  const h = Math.sin((f2 - f1) / 2) ** 2 + c1 * c2 * Math.sin(dl / 2) ** 2;
  const distance = 2 * EARTH_RADIUS_M * Math.atan2(Math.sqrt(h), Math.sqrt(Math.max(0, 1 - h)));
  if (distance === 0) {
    out[0] = 0;
    out[1] = 0;
    out[2] = 0;
    return;
  }
  const bearing = Math.atan2(sdl * c2, c1 * s2 - s1 * c2 * cdl);
  // Bearing on arrival at p = the reverse of the bearing from p back to ref.
  const back = Math.atan2(-sdl * c1, c2 * s1 - s2 * c1 * cdl);
  out[0] = distance * Math.sin(bearing);
  out[1] = distance * Math.cos(bearing);
  out[2] = bearing - (back + Math.PI);
}

const scratch = new Float64Array(3);

export function project(ref: LatLon, p: LatLon): Offset {
  const f1 = ref.lat * RAD;
  const f2 = p.lat * RAD;
  projectInto(ref.lat, ref.lon, Math.sin(f1), Math.cos(f1), p.lat, p.lon, Math.sin(f2), Math.cos(f2), scratch);
  return { east: scratch[0]!, north: scratch[1]!, frameRotation: scratch[2]! };
}

/** The inverse of `project`: the point at an east/north offset from `ref`. */
export function unproject(ref: LatLon, east: number, north: number): LatLon {
  return offset(ref, east, north);
}
