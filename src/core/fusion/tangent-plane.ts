import { bearingDistance, offset, type LatLon } from '../sim/geo';

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

export function project(ref: LatLon, p: LatLon): Offset {
  const { bearing, distance } = bearingDistance(ref, p);
  if (distance === 0) return { east: 0, north: 0, frameRotation: 0 };
  // Bearing on arrival at p = the reverse of the bearing from p back to ref.
  const back = bearingDistance(p, ref).bearing;
  const arrival = back + Math.PI;
  return {
    east: distance * Math.sin(bearing),
    north: distance * Math.cos(bearing),
    frameRotation: bearing - arrival,
  };
}

/** The inverse of `project`: the point at an east/north offset from `ref`. */
export function unproject(ref: LatLon, east: number, north: number): LatLon {
  return offset(ref, east, north);
}
