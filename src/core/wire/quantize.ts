import type { ComponentValue, Position, Velocity } from '../entity/component-types';
import { MAX_ACCURACY, MAX_ALT, MAX_LAT, MAX_LON, MAX_SPEED } from '../entity/bounds';
import { DELETED, type Version } from '../merge/version';

/**
 * The wire is lossy for these fields, to the stated resolution (every other field is exact):
 *
 *   position.lat / lon        1e-7 degree  (int32; ≈ 1.1 cm of latitude, ≤ 1.1 cm of longitude)
 *   position.alt              0.1 m        (decimetres)
 *   position.accuracy         0.1 m        (decimetres)
 *   position.covariance       float32      (≈ 7 significant digits)
 *   velocity.east/north/up    0.01 m/s     (cm/s)
 *   confidence (classification, fusion)   1e-4 (stored as uint16 of 1/10000)
 *
 * and -0 becomes 0 in every number (JSON of unknown kinds included). Writers should store the
 * quantised value (quantizeValue) so that the local replica, the signed bytes and every peer's
 * replica hold the same value.
 */
export const LATLON_SCALE = 1e7;
export const ALT_SCALE = 10;
export const ACCURACY_SCALE = 10;
export const VELOCITY_SCALE = 100;
export const CONFIDENCE_SCALE = 10_000;

/** The validated bounds (entity/bounds.ts) on the wire's integer grid. */
export const MAX_LAT_Q = MAX_LAT * LATLON_SCALE;
export const MAX_LON_Q = MAX_LON * LATLON_SCALE;
export const MAX_ALT_Q = MAX_ALT * ALT_SCALE;
export const MAX_ACCURACY_Q = MAX_ACCURACY * ACCURACY_SCALE;
export const MAX_SPEED_Q = MAX_SPEED * VELOCITY_SCALE;

/** Round to the wire's integer grid; `+ 0` turns -0 into 0. */
export function q(x: number, scale: number): number {
  return Math.round(x * scale) + 0;
}

export function quantizePosition(p: Position): Position {
  const out: { -readonly [K in keyof Position]: Position[K] } = {
    lat: q(p.lat, LATLON_SCALE) / LATLON_SCALE,
    lon: q(p.lon, LATLON_SCALE) / LATLON_SCALE,
  };
  if (p.alt !== undefined) out.alt = q(p.alt, ALT_SCALE) / ALT_SCALE;
  if (p.accuracy !== undefined) out.accuracy = q(p.accuracy, ACCURACY_SCALE) / ACCURACY_SCALE;
  if (p.covariance !== undefined) {
    const [a, b, c] = p.covariance;
    out.covariance = [Math.fround(a) + 0, Math.fround(b) + 0, Math.fround(c) + 0];
  }
  return out;
}

export function quantizeVelocity(v: Velocity): Velocity {
  const out: { -readonly [K in keyof Velocity]: Velocity[K] } = {
    east: q(v.east, VELOCITY_SCALE) / VELOCITY_SCALE,
    north: q(v.north, VELOCITY_SCALE) / VELOCITY_SCALE,
  };
  if (v.up !== undefined) out.up = q(v.up, VELOCITY_SCALE) / VELOCITY_SCALE;
  return out;
}

export function quantizeConfidence(c: number): number {
  return q(c, CONFIDENCE_SCALE) / CONFIDENCE_SCALE;
}

/** The value a peer decodes for this (valid) value. */
export function quantizeValue(kind: string, value: ComponentValue): ComponentValue {
  const v = value as Record<string, unknown>;
  switch (kind) {
    case 'position':
      return quantizePosition(value as Position);
    case 'velocity':
      return quantizeVelocity(value as Velocity);
    case 'classification':
      return { ...v, confidence: quantizeConfidence(v.confidence as number) } as ComponentValue;
    case 'fusion':
      return {
        ...v,
        position: quantizePosition(v.position as Position),
        confidence: quantizeConfidence(v.confidence as number),
      } as ComponentValue;
    case 'expiry':
      return typeof v.floor === 'number' && v.floor !== 0
        ? { at: (v.at as number) + 0, floor: v.floor + 0 }
        : { at: (v.at as number) + 0 };
    // approval and task times are whole ms (validated), exact on the wire.
    case 'approval':
    case 'threat':
    case 'source':
    case 'task':
      return { ...v } as ComponentValue;
    default:
      return JSON.parse(JSON.stringify(value)) as ComponentValue;
  }
}

export function quantizeVersion(v: Version): Version {
  if (v.kind === DELETED || v.value === null) return v;
  return { ...v, value: quantizeValue(v.kind, v.value) };
}
