import type { Prepared } from './prepared';
import { projectInto } from './tangent-plane';
import { TrackTable } from './track-table';

/** How far apart two tracks are: squared Mahalanobis distance under their summed covariances, and metres. */
export interface Separation {
  readonly d2: number;
  readonly meters: number;
  readonly dtMs: number;
  /** How much the metres gate widens for this pair: the ground a track without velocity may have covered (time alignment). */
  readonly slackMeters: number;
  /** ln det(Pa + Pb): with d², the pair's negative log-likelihood (association cost, associate.ts). */
  readonly lnDet: number;
  /** The largest variance (m²) of Pa + Pb, in any direction. */
  readonly spread: number;
}

export interface GateLimits {
  readonly chi2: number;
  readonly meters: number;
  readonly maxTimeDiffMs: number;
}

/**
 * The result of the last `separate` call: [d2, east, north, dtMs, frameRotation, slackMeters,
 * ln det(Pa + Pb), the largest eigenvalue of Pa + Pb], the offset (east, north) in metres. One reused buffer, so that the per-pair path of a scan allocates
 * nothing; read it before the next call. The distance in metres is not stored: `Math.hypot` boxes
 * its result (a call into a builtin), so it is taken only for the few pairs inside the χ² gate
 * (`sepMeters`).
 */
export const SEP = new Float64Array(8);
const plane = new Float64Array(3);

/**
 * The separation of track b from track a (rows of one table), in a's tangent plane with b's
 * covariance rotated into a's frame, written into SEP (nothing returned: a double returned from a
 * call that is not inlined is boxed, once per pair). Summing the covariances is the
 * innovation covariance of "both are noisy measurements of one point"; a singular sum (impossible
 * with the fallback σ > 0) counts as infinitely far.
 *
 * Time alignment: both are compared at the newer of their two times. A track with a velocity is
 * moved along it to that time; one without keeps its position, its covariance grows by
 * (unknownSpeed × age)² and the metres gate by unknownSpeed × age. Reports of one instant (the
 * usual case for one sensor scan) are compared as they are.
 */
export function separate(t: TrackTable, a: number, b: number): void {
  projectInto(
    t.lat[a]!,
    t.lon[a]!,
    t.sinLat[a]!,
    t.cosLat[a]!,
    t.lat[b]!,
    t.lon[b]!,
    t.sinLat[b]!,
    t.cosLat[b]!,
    plane,
  );
  let east = plane[0]!;
  let north = plane[1]!;
  const rot = plane[2]!;
  let aee = t.cee[a]!;
  const aen = t.cen[a]!;
  let ann = t.cnn[a]!;
  let bee = t.cee[b]!;
  let ben = t.cen[b]!;
  let bnn = t.cnn[b]!;
  const ta = t.time[a]!;
  const tb = t.time[b]!;
  let slack = 0;
  if (ta !== tb) {
    const tc = Math.max(ta, tb);
    const dta = (tc - ta) / 1000;
    const dtb = (tc - tb) / 1000;
    const u = t.unknownSpeedMps;
    // a moves in its own frame; b's motion is in b's frame, rotated into a's like its covariance.
    if (t.hasVelocity(a)) {
      east -= t.ve[a]! * dta;
      north -= t.vn[a]! * dta;
    } else if (dta > 0) {
      const grow = (u * dta) ** 2;
      aee += grow;
      ann += grow;
      slack += u * dta;
    }
    if (t.hasVelocity(b)) {
      const c = Math.cos(rot);
      const s = Math.sin(rot);
      const ve = t.ve[b]! * dtb;
      const vn = t.vn[b]! * dtb;
      east += c * ve + s * vn;
      north += -s * ve + c * vn;
    } else if (dtb > 0) {
      const grow = (u * dtb) ** 2;
      bee += grow;
      bnn += grow;
      slack += u * dtb;
    }
  }
  // b's covariance in a's frame (matrix2.ts rotate, inlined).
  if (rot !== 0) {
    const c = Math.cos(rot);
    const s = Math.sin(rot);
    const ee = c * c * bee + 2 * c * s * ben + s * s * bnn;
    const en = -c * s * bee + (c * c - s * s) * ben + c * s * bnn;
    const nn = s * s * bee - 2 * c * s * ben + c * c * bnn;
    bee = ee;
    ben = en;
    bnn = nn;
  }
  // (Pa + Pb)⁻¹ and the quadratic form (matrix2.ts add, inverse, quad, inlined).
  const s0 = aee + bee;
  const s1 = aen + ben;
  const s2 = ann + bnn;
  const det = s0 * s2 - s1 * s1;
  let d2 = Infinity;
  SEP[6] = Math.log(det);
  SEP[7] = (s0 + s2) / 2 + Math.sqrt(((s0 - s2) / 2) ** 2 + s1 * s1);
  if (det > 0 && Number.isFinite(det)) {
    const i0 = s2 / det;
    const i1 = -s1 / det;
    const i2 = s0 / det;
    d2 = i0 * east * east + 2 * i1 * east * north + i2 * north * north;
  }
  SEP[0] = d2;
  SEP[1] = east;
  SEP[2] = north;
  SEP[3] = Math.abs(ta - tb);
  SEP[4] = rot;
  SEP[5] = slack;
}

/** `separate`'s d² alone, for the rare caller that wants just the number. */
export function d2Between(t: TrackTable, a: number, b: number): number {
  separate(t, a, b);
  return SEP[0]!;
}

/** The distance in metres of the separation now in SEP. */
export const sepMeters = (): number => Math.hypot(SEP[1]!, SEP[2]!);

/**
 * Whether the separation now in SEP is inside the gate. A pair whose summed covariance is wider
 * than the metres gate in some direction (1σ > gateMeters) is refused: its d² says nothing (a
 * track with a covariance of 10¹² m² would be at d² ≈ 0 from everything within the metres gate,
 * and so win every assignment), and no sensor worth fusing is that vague.
 */
export const sepWithin = (g: GateLimits): boolean =>
  SEP[0]! <= g.chi2 && SEP[7]! <= g.meters * g.meters && metersWithin(g.meters + SEP[5]!) && SEP[3]! <= g.maxTimeDiffMs;

/**
 * `sepMeters() <= limit`, decided without calling Math.hypot when the answer is clear: the
 * distance lies between max(|east|, |north|) and |east| + |north|, so a limit clear of those bounds
 * by far more than rounding (1e-9 relative) settles it. Math.hypot allocates (its arguments and
 * result are boxed), and this runs for every pair inside the χ² gate of every scan.
 */
function metersWithin(limit: number): boolean {
  const e = Math.abs(SEP[1]!);
  const n = Math.abs(SEP[2]!);
  if (e + n <= limit * (1 - 1e-9)) return true;
  if (Math.max(e, n) > limit * (1 + 1e-9)) return false;
  return Math.hypot(e, n) <= limit;
}

/** `separate` for two prepared tracks, as an object (tests and reference code). */
export function separation(a: Prepared, b: Prepared, unknownSpeedMps = 0): Separation {
  separate(TrackTable.fromPrepared([a, b], unknownSpeedMps), 0, 1);
  return { d2: SEP[0]!, meters: sepMeters(), dtMs: SEP[3]!, slackMeters: SEP[5]!, lnDet: SEP[6]!, spread: SEP[7]! };
}

export const within = (s: Separation, g: GateLimits): boolean =>
  s.d2 <= g.chi2 &&
  s.spread <= g.meters * g.meters &&
  s.meters <= g.meters + s.slackMeters &&
  s.dtMs <= g.maxTimeDiffMs;

/**
 * The association cost of a gated pair: its negative log-likelihood d² + ln det(Pa + Pb) (up to
 * constants), less what leaving it apart costs, χ² + ln det of the widest pair the gate admits
 * (gateMeters² in both directions). Every gated pair therefore pays off, as with d² − χ² before,
 * but of two rivals at similar d² the one that is more precise wins: a vague track cannot win by
 * being vague.
 */
export const pairCost = (d2: number, lnDet: number, g: GateLimits): number =>
  d2 + lnDet - g.chi2 - 4 * Math.log(g.meters);

/**
 * Separations already measured this scan, by pair of rows (a < b), at most one per row a: the
 * split-gate check measures every confirmed pair before the gate runs, and the gate would measure
 * the same pairs again (same table, same arguments, so the same numbers). Looked up by row in typed
 * arrays, so a hit costs less than the trigonometry it saves.
 */
export class KnownSeparations {
  private partner = new Int32Array(0);
  private sep = new Float64Array(0);

  /** Forgets everything, for a table of n rows. */
  reset(n: number): void {
    if (this.partner.length < n) {
      this.partner = new Int32Array(n);
      this.sep = new Float64Array(SEP.length * n);
    }
    this.partner.fill(-1, 0, n);
  }

  /** Records SEP as the separation of rows (a, b), unless a already has one. */
  store(a: number, b: number): void {
    if (this.partner[a]! >= 0) return;
    this.partner[a] = b;
    for (let k = 0; k < SEP.length; k++) this.sep[SEP.length * a + k] = SEP[k]!;
  }

  /** Puts the separation of rows (a, b) into SEP if it is known; false if not. */
  load(a: number, b: number): boolean {
    if (this.partner[a] !== b) return false;
    for (let k = 0; k < SEP.length; k++) SEP[k] = this.sep[SEP.length * a + k]!;
    return true;
  }
}
