import type { Position } from '../entity/component-types';
import { intersect, type Estimate } from './covariance-intersection';
import { rotate, toStore, trace, type Sym2 } from './matrix2';
import type { Prepared } from './prepared';
import { project, unproject } from './tangent-plane';

/**
 * The fused position of a group, members in id order: each is placed in the tangent plane of the
 * first (its covariance rotated into that frame), they are folded by covariance intersection one
 * at a time (the pairwise sequence is the usual approximation of N-way CI), and the result is
 * carried back to latitude/longitude with its covariance in the fused point's own north-up frame.
 * Rounded (1e-7°, about 1 cm; covariance to 0.001 m²) so that a value that did not really move does
 * not produce an update.
 */
export function fuseGroup(members: readonly Prepared[]): Position {
  const ref = members[0]!;
  let est: Estimate = { x: [0, 0], cov: ref.cov };
  // While CI keeps one input whole (ω = 0 or 1), the estimate is that member: its own position and
  // covariance, without a round trip through the plane.
  let kept: Prepared | undefined = ref;
  for (const m of members.slice(1)) {
    const o = project(ref, m);
    const r = intersect(est, { x: [o.east, o.north], cov: rotate(m.cov, o.frameRotation) });
    if (r.omega === 0) kept = m;
    else if (r.omega !== 1) kept = undefined;
    est = r;
  }
  if (kept) return positionOf(kept, members);
  const p = unproject(ref, est.x[0], est.x[1]);
  const back = project(p, ref).frameRotation;
  const cov = toStore(rotate(est.cov, back));
  return rounded(p.lat, p.lon, cov, est.cov, members);
}

function positionOf(m: Prepared, members: readonly Prepared[]): Position {
  return rounded(m.lat, m.lon, toStore(m.cov), m.cov, members);
}

function rounded(
  lat: number,
  lon: number,
  store: readonly number[],
  cov: Sym2,
  members: readonly Prepared[],
): Position {
  let altSum = 0;
  let alts = 0;
  for (const m of members) {
    if (m.alt === undefined) continue;
    altSum += m.alt;
    alts++;
  }
  return {
    lat: round(lat, 7),
    lon: round(lon, 7),
    ...(alts > 0 ? { alt: round(altSum / alts, 1) } : {}),
    accuracy: round(Math.sqrt(trace(cov) / 2), 2),
    covariance: [round(store[0]!, 3), round(store[1]!, 3), round(store[2]!, 3)],
  };
}

/** Rounds to `digits` decimals, and turns -0 into 0 so that equal values serialise equally. */
export function round(x: number, digits: number): number {
  const k = 10 ** digits;
  const r = Math.round(x * k) / k;
  return r === 0 ? 0 : r;
}
