import { MAX_COVARIANCE } from '../entity/bounds';
import type { Position } from '../entity/component-types';
import type { DecodeContext, EncodeContext } from './context';
import { WireError } from './errors';
import {
  ACCURACY_SCALE,
  ALT_SCALE,
  LATLON_SCALE,
  MAX_ACCURACY_Q,
  MAX_ALT_Q,
  MAX_LAT_Q,
  MAX_LON_Q,
  q,
} from './quantize';
import { varintSize } from '../bytes/varint';
import { unzigzag, zigzag } from '../bytes/zigzag';

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
  w.writeU8(
    mode |
      (p.alt !== undefined ? HAS_ALT : 0) |
      (p.accuracy !== undefined ? HAS_ACCURACY : 0) |
      (p.covariance !== undefined ? HAS_COVARIANCE : 0),
  );
  if (mode === DELTA) {
    w.writeVarUint(dLat);
    w.writeVarUint(dLon);
  } else if (mode === FROM_BASE) {
    w.writeVarUint(latQ - ctx.baseLatQ!);
    w.writeVarUint(lonQ - ctx.baseLonQ);
  } else {
    w.writeI32(latQ);
    w.writeI32(lonQ);
  }
  ctx.latQ = latQ;
  ctx.lonQ = lonQ;
  if (p.alt !== undefined) {
    const alt = q(p.alt, ALT_SCALE);
    if (!(Math.abs(alt) <= MAX_ALT_Q)) throw new WireError(`cannot encode altitude ${p.alt}`);
    w.writeVarUint(zigzag(alt));
  }
  if (p.accuracy !== undefined) {
    const acc = q(p.accuracy, ACCURACY_SCALE);
    if (!(acc >= 0 && acc <= MAX_ACCURACY_Q)) throw new WireError(`cannot encode accuracy ${p.accuracy}`);
    w.writeVarUint(acc);
  }
  if (p.covariance !== undefined) {
    // `+ 0`: -0 and 0 get one encoding.
    const [a, b, c] = p.covariance.map((x) => Math.fround(x) + 0) as [number, number, number];
    if (!covarianceInRange(a, b, c)) throw new WireError(`cannot encode covariance ${String(p.covariance)}`);
    w.writeF32(a);
    w.writeF32(b);
    w.writeF32(c);
  }
}

/** Written so that NaN fails. */
function covarianceInRange(a: number, b: number, c: number): boolean {
  return a >= 0 && a <= MAX_COVARIANCE && b >= -MAX_COVARIANCE && b <= MAX_COVARIANCE && c >= 0 && c <= MAX_COVARIANCE;
}

export function decodePosition(ctx: DecodeContext): Position {
  const r = ctx.r;
  const flags = r.readU8();
  if ((flags & ~KNOWN_FLAGS) !== 0) r.fail(`unknown position flags 0x${flags.toString(16)}`);
  const mode = flags & MODE;
  let latQ: number;
  let lonQ: number;
  if (mode === DELTA) {
    latQ = ctx.latQ + unzigzag(r.readVarUint());
    lonQ = ctx.lonQ + unzigzag(r.readVarUint());
  } else if (mode === FROM_BASE) {
    if (ctx.baseLatQ === undefined) return r.fail('position offset in a batch without a position base');
    latQ = ctx.baseLatQ + r.readVarUint();
    lonQ = ctx.baseLonQ + r.readVarUint();
  } else if (mode === ABSOLUTE) {
    latQ = r.readI32();
    lonQ = r.readI32();
  } else return r.fail(`unknown position mode ${mode}`);
  if (latQ > MAX_LAT_Q || latQ < -MAX_LAT_Q) r.fail('position.lat out of [-90, 90]');
  if (lonQ > MAX_LON_Q || lonQ < -MAX_LON_Q) r.fail('position.lon out of [-180, 180]');
  ctx.latQ = latQ;
  ctx.lonQ = lonQ;
  const lat = latQ / LATLON_SCALE;
  const lon = lonQ / LATLON_SCALE;
  // The common forms as whole literals (a property added after one costs an allocation and a
  // change of hidden class); the same fields, in the same order, as the general form below.
  if ((flags & (HAS_ACCURACY | HAS_COVARIANCE)) === 0) {
    if ((flags & HAS_ALT) === 0) return { lat, lon } satisfies Position;
    return { lat, lon, alt: readAlt(ctx) } satisfies Position;
  }
  const p: { -readonly [K in keyof Position]: Position[K] } = { lat, lon };
  if ((flags & HAS_ALT) !== 0) p.alt = readAlt(ctx);
  if ((flags & HAS_ACCURACY) !== 0) {
    const acc = r.readVarUint();
    if (acc > MAX_ACCURACY_Q) r.fail('position.accuracy out of range');
    p.accuracy = acc / ACCURACY_SCALE;
  }
  if ((flags & HAS_COVARIANCE) !== 0) {
    const a = r.readF32() + 0;
    const b = r.readF32() + 0;
    const c = r.readF32() + 0;
    if (!covarianceInRange(a, b, c)) r.fail('position.covariance out of range');
    p.covariance = [a, b, c];
  }
  return p;
}

function readAlt(ctx: DecodeContext): number {
  const alt = unzigzag(ctx.r.readVarUint());
  if (alt > MAX_ALT_Q || alt < -MAX_ALT_Q) ctx.r.fail('position.alt out of range');
  return alt / ALT_SCALE;
}
