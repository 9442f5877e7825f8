import type { Position } from '../entity/component-types';
import { intersect, type Estimate } from './covariance-intersection';
import { rotate, toStore, trace } from './matrix2';
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
  for (const m of members.slice(1)) {
    const o = project(ref, m);
    est = intersect(est, { x: [o.east, o.north], cov: rotate(m.cov, o.frameRotation) });
  }
  const p = unproject(ref, est.x[0], est.x[1]);
  const back = project(p, ref).frameRotation;
  const cov = toStore(rotate(est.cov, back)).map((v) => round(v, 3)) as [number, number, number];
  const alts = members.flatMap((m) => (m.alt === undefined ? [] : [m.alt]));
  return {
    lat: round(p.lat, 7),
    lon: round(p.lon, 7),
    ...(alts.length > 0 ? { alt: round(alts.reduce((a, b) => a + b, 0) / alts.length, 1) } : {}),
    accuracy: round(Math.sqrt(trace(est.cov) / 2), 2),
    covariance: cov,
  };
}

/** Rounds to `digits` decimals, and turns -0 into 0 so that equal values serialise equally. */
export function round(x: number, digits: number): number {
  const r = Number(x.toFixed(digits));
  return r === 0 ? 0 : r;
}
