import type { Position } from '../entity/component-types';
import type { DecodeContext, EncodeContext } from './context';
import { WireError } from './errors';
import {
  ACCURACY_SCALE,
  ALT_SCALE,
  LATLON_SCALE,
  MAX_ACCURACY_Q,
  MAX_ALT_Q,
  MAX_COVARIANCE,
  MAX_LAT_Q,
  MAX_LON_Q,
  q,
} from './quantize';
import { unzigzag, zigzag } from './zigzag';

/**
 * Position layout: a flags byte, then lat/lon on the 1e-7° grid (lossy: see quantize.ts) in the
 * shortest of three forms: two int32 (absolute, 8 bytes); zigzag varint deltas from the batch's
 * previous position (short when positions follow a track or a sweep); or unsigned varint offsets
 * from the batch's smallest lat/lon (3 bytes each for tracks within ~0.2° in any order). Then alt
 * (zigzag dm), accuracy (dm), covariance (3 × float32) when present.
 */
const MODE = 0x03;
const ABSOLUTE = 0;
const DELTA = 1;
const FROM_BASE = 2;
const HAS_ALT = 0x04;
const HAS_ACCURACY = 0x08;
const HAS_COVARIANCE = 0x10;
const KNOWN_FLAGS = MODE | HAS_ALT | HAS_ACCURACY | HAS_COVARIANCE;

export function quantizedLatLon(p: Position): [number, number] {
  const latQ = q(p.lat, LATLON_SCALE);
  const lonQ = q(p.lon, LATLON_SCALE);
  if (!(Math.abs(latQ) <= MAX_LAT_Q && Math.abs(lonQ) <= MAX_LON_Q)) {
    throw new WireError(`cannot encode position ${p.lat}, ${p.lon}: out of range`);
  }
  return [latQ, lonQ];
}

export function encodePosition(ctx: EncodeContext, p: Position): void {
  const [latQ, lonQ] = quantizedLatLon(p);
  const dLat = zigzag(latQ - ctx.latQ);
  const dLon = zigzag(lonQ - ctx.lonQ);
  let mode = ABSOLUTE;
  let best = 8;
  const deltaSize = varintSize(dLat) + varintSize(dLon);
  if (deltaSize < best) {
    mode = DELTA;
    best = deltaSize;
  }
  if (ctx.baseLatQ !== undefined && varintSize(latQ - ctx.baseLatQ) + varintSize(lonQ - ctx.baseLonQ) < best) {
    mode = FROM_BASE;
  }
  const w = ctx.w;
  w.u8(
    mode |
      (p.alt !== undefined ? HAS_ALT : 0) |
      (p.accuracy !== undefined ? HAS_ACCURACY : 0) |
      (p.covariance !== undefined ? HAS_COVARIANCE : 0),
  );
  if (mode === DELTA) {
    w.varint(dLat);
    w.varint(dLon);
  } else if (mode === FROM_BASE) {
    w.varint(latQ - ctx.baseLatQ!);
    w.varint(lonQ - ctx.baseLonQ);
  } else {
    w.i32(latQ);
    w.i32(lonQ);
  }
  ctx.latQ = latQ;
  ctx.lonQ = lonQ;
  if (p.alt !== undefined) {
    const alt = q(p.alt, ALT_SCALE);
    if (!(Math.abs(alt) <= MAX_ALT_Q)) throw new WireError(`cannot encode altitude ${p.alt}`);
    w.varint(zigzag(alt));
  }
  if (p.accuracy !== undefined) {
    const acc = q(p.accuracy, ACCURACY_SCALE);
    if (!(acc >= 0 && acc <= MAX_ACCURACY_Q)) throw new WireError(`cannot encode accuracy ${p.accuracy}`);
    w.varint(acc);
  }
  if (p.covariance !== undefined) {
    // `+ 0`: -0 and 0 get one encoding.
    const [a, b, c] = p.covariance.map((x) => Math.fround(x) + 0) as [number, number, number];
    if (!covarianceInRange(a, b, c)) throw new WireError(`cannot encode covariance ${String(p.covariance)}`);
    w.f32(a);
    w.f32(b);
    w.f32(c);
  }
}

/** Written so that NaN fails. */
function covarianceInRange(a: number, b: number, c: number): boolean {
  return a >= 0 && a <= MAX_COVARIANCE && b >= -MAX_COVARIANCE && b <= MAX_COVARIANCE && c >= 0 && c <= MAX_COVARIANCE;
}

export function decodePosition(ctx: DecodeContext): Position {
  const r = ctx.r;
  const flags = r.u8();
  if ((flags & ~KNOWN_FLAGS) !== 0) r.fail(`unknown position flags 0x${flags.toString(16)}`);
  const mode = flags & MODE;
  let latQ: number;
  let lonQ: number;
  if (mode === DELTA) {
    latQ = ctx.latQ + unzigzag(r.varint());
    lonQ = ctx.lonQ + unzigzag(r.varint());
  } else if (mode === FROM_BASE) {
    if (ctx.baseLatQ === undefined) return r.fail('position offset in a batch without a position base');
    latQ = ctx.baseLatQ + r.varint();
    lonQ = ctx.baseLonQ + r.varint();
  } else if (mode === ABSOLUTE) {
    latQ = r.i32();
    lonQ = r.i32();
  } else return r.fail(`unknown position mode ${mode}`);
  if (latQ > MAX_LAT_Q || latQ < -MAX_LAT_Q) r.fail('position.lat out of [-90, 90]');
  if (lonQ > MAX_LON_Q || lonQ < -MAX_LON_Q) r.fail('position.lon out of [-180, 180]');
  ctx.latQ = latQ;
  ctx.lonQ = lonQ;
  const p: { -readonly [K in keyof Position]: Position[K] } = { lat: latQ / LATLON_SCALE, lon: lonQ / LATLON_SCALE };
  if ((flags & HAS_ALT) !== 0) {
    const alt = unzigzag(r.varint());
    if (alt > MAX_ALT_Q || alt < -MAX_ALT_Q) r.fail('position.alt out of range');
    p.alt = alt / ALT_SCALE;
  }
  if ((flags & HAS_ACCURACY) !== 0) {
    const acc = r.varint();
    if (acc > MAX_ACCURACY_Q) r.fail('position.accuracy out of range');
    p.accuracy = acc / ACCURACY_SCALE;
  }
  if ((flags & HAS_COVARIANCE) !== 0) {
    const a = r.f32() + 0;
    const b = r.f32() + 0;
    const c = r.f32() + 0;
    if (!covarianceInRange(a, b, c)) r.fail('position.covariance out of range');
    p.covariance = [a, b, c];
  }
  return p;
}

export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}
