import type { Position } from '../entity/component-types';
import { intersect, type Estimate } from './covariance-intersection';
import { add, apply, inverse, rotate, toStore, trace, type Sym2 } from './matrix2';
import { EARTH_RADIUS_M, wrapLon } from '../sim/geo';
import { project, projectInto, unproject } from './tangent-plane';
import { alignTo, type Aligned } from './time-alignment';
import type { TrackTable } from './track-table';

/**
 * The fused position of a group (rows of the scan's table, in id order) at the group's newest
 * time: each member is first aligned to that time (time-alignment.ts), then placed in the tangent
 * plane of the first (its covariance rotated into that frame). Members are then combined by what
 * is known of their independence (docs/fusion.md, "Fused state"):
 *
 * - members of one declared sensor type (two radars) are folded by covariance intersection, one
 *   at a time in id order (the pairwise sequence is the usual approximation of N-way CI): one type
 *   may be one tracker's outputs relayed, or one fused from another, so their correlation is unknown;
 * - the estimates of different declared types (an EO camera's, a radar's) are independent
 *   measurements of the object, combined by the information (Kalman) update P⁻¹ = Σ Pₖ⁻¹,
 *   x = P Σ Pₖ⁻¹ xₖ, which gains over the better one whichever dominates;
 * - members of no declared type are folded into that by covariance intersection.
 *
 * The result is carried back to latitude/longitude with its covariance in the fused point's own
 * north-up frame. Rounded (1e-7°, about 1 cm; covariance to 0.001 m²) so that a value that did not
 * really move does not produce an update.
 */
export function fuseGroup(t: TrackTable, group: readonly number[]): Position {
  let at = -Infinity;
  for (const i of group) if (t.time[i]! > at) at = t.time[i]!;
  const members = group.map((i) => alignTo(t, i, at));
  const ref = members[0]!;
  // One estimate per declared type (index 0: no declared type), folded by CI within it. While CI
  // keeps one input whole (ω = 0 or 1), `kept` is that member: its own position and covariance,
  // without a round trip through the plane.
  const byKind: (Folded | undefined)[] = [];
  for (let k = 0; k < members.length; k++) {
    const m = members[k]!;
    const o = k === 0 ? undefined : project(ref, m);
    const est: Folded = o
      ? { x: [o.east, o.north], cov: rotate(m.cov, o.frameRotation), kept: m }
      : { x: [0, 0], cov: ref.cov, kept: ref };
    const kind = t.kind[group[k]!]!;
    const prev = byKind[kind];
    if (prev === undefined) {
      byKind[kind] = est;
      continue;
    }
    const r = intersect(prev, est);
    byKind[kind] = { x: r.x, cov: r.cov, kept: r.omega === 1 ? prev.kept : r.omega === 0 ? m : undefined };
  }
  let est: Folded | undefined;
  for (let kind = 1; kind < byKind.length; kind++) {
    const e = byKind[kind];
    if (e !== undefined) est = est === undefined ? e : independent(est, e);
  }
  const loose = byKind[0];
  if (loose !== undefined) {
    if (est === undefined) est = loose;
    else {
      const r = intersect(est, loose);
      est = { x: r.x, cov: r.cov, kept: r.omega === 1 ? est.kept : r.omega === 0 ? loose.kept : undefined };
    }
  }
  const alt = meanAlt(t, group);
  const kept = est!.kept;
  if (kept) return rounded(kept.lat, kept.lon, kept.cov[0], kept.cov[1], kept.cov[2], alt);
  const p = unproject(ref, est!.x[0], est!.x[1]);
  const back = project(p, ref).frameRotation;
  const store = toStore(rotate(est!.cov, back));
  return roundedStore(p.lat, p.lon, store, est!.cov, alt);
}

/** An estimate in the group's plane, and the member it is, whole, if it is one. */
interface Folded extends Estimate {
  readonly kept: Aligned | undefined;
}

/**
 * The information (Kalman) update of two independent estimates: P = (A⁻¹ + B⁻¹)⁻¹,
 * x = P (A⁻¹ a + B⁻¹ b). A singular input carries no usable information: the other is kept.
 */
function independent(a: Folded, b: Folded): Folded {
  const ai = inverse(a.cov);
  const bi = inverse(b.cov);
  if (!ai) return b;
  if (!bi) return a;
  const cov = inverse(add(ai, bi));
  if (!cov) return a;
  const ya = apply(ai, a.x[0], a.x[1]);
  const yb = apply(bi, b.x[0], b.x[1]);
  return { x: apply(cov, ya[0] + yb[0], ya[1] + yb[1]), cov, kept: undefined };
}

const plane = new Float64Array(3);

/**
 * `fuseGroup` for a group of two tracks reported at one instant, of one declared type or of none
 * (two radars; a pair of different types takes the information update), when one of them is at
 * least as good as the other in every direction (an EO track against a radar's): covariance
 * intersection then keeps that one whole (ω = 0 or 1), which this finds on the columns without
 * building an estimate. The same arithmetic as the general path, so the same result to the bit;
 * undefined when neither dominates (then the general path runs). `rotation`: the frame rotation
 * from i to j when the scan already has it (the split-gate check measured it).
 */
export function fuseDominatedPair(t: TrackTable, i: number, j: number, rotation?: number): Position | undefined {
  if (t.time[i] !== t.time[j]) return undefined;
  // Two declared types are independent: the information update, never CI (fuseGroup).
  if (t.kind[i] !== t.kind[j] && t.kind[i] !== 0 && t.kind[j] !== 0) return undefined;
  if (rotation === undefined) {
    projectInto(
      t.lat[i]!,
      t.lon[i]!,
      t.sinLat[i]!,
      t.cosLat[i]!,
      t.lat[j]!,
      t.lon[j]!,
      t.sinLat[j]!,
      t.cosLat[j]!,
      plane,
    );
  }
  // covariance-intersection.ts dominates, on numbers: this runs for most fused tracks of every scan.
  if (!pairCovariances(t, i, j, rotation ?? plane[2]!)) return undefined;
  const a0 = PAIR[0]!;
  const a1 = PAIR[1]!;
  const a2 = PAIR[2]!;
  const b0 = PAIR[3]!;
  const b1 = PAIR[4]!;
  const b2 = PAIR[5]!;
  const d0 = b0 - a0;
  const d1 = b1 - a1;
  const d2 = b2 - a2;
  const alt = meanAltOfPair(t, i, j);
  if (d0 >= 0 && d2 >= 0 && d0 * d2 - d1 * d1 >= 0) return rounded(t.lat[i]!, t.lon[i]!, a0, a1, a2, alt);
  // Else a − b positive semi-definite keeps j, with its covariance in its own frame.
  const e0 = a0 - b0;
  const e1 = a1 - b1;
  const e2 = a2 - b2;
  if (e0 >= 0 && e2 >= 0 && e0 * e2 - e1 * e1 >= 0) {
    return rounded(t.lat[j]!, t.lon[j]!, t.cee[j]!, t.cen[j]!, t.cnn[j]!, alt);
  }
  return undefined;
}

const RAD = Math.PI / 180;

/**
 * The two covariances of a pair in i's tangent plane, into PAIR: [a (i's, as it is), b (j's,
 * rotated by `rot` from j's north-up frame into i's), det a, det b] (matrix2.ts rotate and the
 * singularity test of inverse, on numbers: the pair paths below run for most fused tracks of every
 * scan). False when either is not positive definite (then the general path decides).
 */
function pairCovariances(t: TrackTable, i: number, j: number, rot: number): boolean {
  const a0 = t.cee[i]!;
  const a1 = t.cen[i]!;
  const a2 = t.cnn[i]!;
  let b0 = t.cee[j]!;
  let b1 = t.cen[j]!;
  let b2 = t.cnn[j]!;
  if (rot !== 0) {
    const c = Math.cos(rot);
    const s = Math.sin(rot);
    const ee = c * c * b0 + 2 * c * s * b1 + s * s * b2;
    const en = -c * s * b0 + (c * c - s * s) * b1 + c * s * b2;
    const nn = s * s * b0 - 2 * c * s * b1 + c * c * b2;
    b0 = ee;
    b1 = en;
    b2 = nn;
  }
  const detA = a0 * a2 - a1 * a1;
  const detB = b0 * b2 - b1 * b1;
  PAIR[0] = a0;
  PAIR[1] = a1;
  PAIR[2] = a2;
  PAIR[3] = b0;
  PAIR[4] = b1;
  PAIR[5] = b2;
  PAIR[6] = detA;
  PAIR[7] = detB;
  return detA > 0 && Number.isFinite(detA) && detB > 0 && Number.isFinite(detB);
}

/** pairCovariances' output, reused (a double returned from a call that is not inlined is boxed). */
const PAIR = new Float64Array(8);

/**
 * `fuseGroup` for the usual group of two declared types (an EO track and a radar's) reported at
 * one instant: the information update on the columns, without an object per member. The same
 * formulas as the general path (tangent plane of i, j's covariance rotated into it, the update,
 * sim/geo.ts destination for the way back, the back rotation); undefined when it does not apply
 * (then the general path runs).
 */
export function fuseIndependentPair(t: TrackTable, i: number, j: number): Position | undefined {
  if (t.time[i] !== t.time[j] || t.kind[i] === t.kind[j] || t.kind[i] === 0 || t.kind[j] === 0) return undefined;
  const lat = t.lat[i]!;
  const lon = t.lon[i]!;
  projectInto(lat, lon, t.sinLat[i]!, t.cosLat[i]!, t.lat[j]!, t.lon[j]!, t.sinLat[j]!, t.cosLat[j]!, plane);
  const e = plane[0]!;
  const n = plane[1]!;
  const rot = plane[2]!;
  if (!pairCovariances(t, i, j, rot)) return undefined;
  const a0 = PAIR[0]!;
  const a1 = PAIR[1]!;
  const a2 = PAIR[2]!;
  const b0 = PAIR[3]!;
  const b1 = PAIR[4]!;
  const b2 = PAIR[5]!;
  const detA = PAIR[6]!;
  const detB = PAIR[7]!;
  // Information: A⁻¹ + B⁻¹, and B⁻¹ (e, n) (a sits at the plane's origin).
  const bi0 = b2 / detB;
  const bi1 = -b1 / detB;
  const bi2 = b0 / detB;
  const y0 = a2 / detA + bi0;
  const y1 = -a1 / detA + bi1;
  const y2 = a0 / detA + bi2;
  const detY = y0 * y2 - y1 * y1;
  if (!(detY > 0) || !Number.isFinite(detY)) return undefined;
  const p0 = y2 / detY;
  const p1 = -y1 / detY;
  const p2 = y0 / detY;
  const ye = bi0 * e + bi1 * n;
  const yn = bi1 * e + bi2 * n;
  const x = p0 * ye + p1 * yn;
  const y = p1 * ye + p2 * yn;
  // The point at (x, y) from i (sim/geo.ts destination, without the arrival bearing).
  const d = Math.hypot(x, y) / EARTH_RADIUS_M;
  const bearing = Math.atan2(x, y);
  const sf1 = t.sinLat[i]!;
  const cf1 = t.cosLat[i]!;
  const f2 = Math.asin(Math.max(-1, Math.min(1, sf1 * Math.cos(d) + cf1 * Math.sin(d) * Math.cos(bearing))));
  const l2 = lon * RAD + Math.atan2(Math.sin(bearing) * Math.sin(d) * cf1, Math.cos(d) - sf1 * Math.sin(f2));
  const flat = f2 / RAD;
  const flon = wrapLon(l2 / RAD);
  // The covariance into the fused point's own north-up frame.
  projectInto(flat, flon, Math.sin(f2), Math.cos(f2), lat, lon, sf1, cf1, plane);
  const back = plane[2]!;
  let q0 = p0;
  let q1 = p1;
  let q2 = p2;
  if (back !== 0) {
    const c = Math.cos(back);
    const s = Math.sin(back);
    q0 = c * c * p0 + 2 * c * s * p1 + s * s * p2;
    q1 = -c * s * p0 + (c * c - s * s) * p1 + c * s * p2;
    q2 = s * s * p0 - 2 * c * s * p1 + c * c * p2;
  }
  return rounded(flat, flon, q0, q1, q2, meanAltOfPair(t, i, j));
}

function meanAltOfPair(t: TrackTable, i: number, j: number): number | undefined {
  const a = t.alt[i]!;
  const b = t.alt[j]!;
  if (Number.isNaN(a)) return Number.isNaN(b) ? undefined : b;
  return Number.isNaN(b) ? a : (a + b) / 2;
}

function meanAlt(t: TrackTable, group: readonly number[]): number | undefined {
  let altSum = 0;
  let alts = 0;
  for (const i of group) {
    if (Number.isNaN(t.alt[i]!)) continue;
    altSum += t.alt[i]!;
    alts++;
  }
  return alts > 0 ? altSum / alts : undefined;
}

/** A position from an (east, north) covariance in its own frame. */
function rounded(lat: number, lon: number, ee: number, en: number, nn: number, alt: number | undefined): Position {
  const accuracy = round(Math.sqrt((ee + nn) / 2), 2);
  const covariance: [number, number, number] = [round(nn, 3), round(en, 3), round(ee, 3)];
  return alt === undefined
    ? { lat: round(lat, 7), lon: round(lon, 7), accuracy, covariance }
    : { lat: round(lat, 7), lon: round(lon, 7), alt: round(alt, 1), accuracy, covariance };
}

function roundedStore(
  lat: number,
  lon: number,
  store: readonly number[],
  cov: Sym2,
  alt: number | undefined,
): Position {
  const accuracy = round(Math.sqrt(trace(cov) / 2), 2);
  const covariance: [number, number, number] = [round(store[0]!, 3), round(store[1]!, 3), round(store[2]!, 3)];
  return alt === undefined
    ? { lat: round(lat, 7), lon: round(lon, 7), accuracy, covariance }
    : { lat: round(lat, 7), lon: round(lon, 7), alt: round(alt, 1), accuracy, covariance };
}

const POWERS = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Rounds to `digits` decimals, and turns -0 into 0 so that equal values serialise equally. */
export function round(x: number, digits: number): number {
  const k = POWERS[digits] ?? 10 ** digits;
  const r = Math.round(x * k) / k;
  return r === 0 ? 0 : r;
}
