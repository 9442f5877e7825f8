import { add, inverse, quad, rotate } from './matrix2';
import type { Prepared } from './prepared';
import { project } from './tangent-plane';

/** How far apart two tracks are: squared Mahalanobis distance under their summed covariances, and metres. */
export interface Separation {
  readonly d2: number;
  readonly meters: number;
  readonly dtMs: number;
}

/**
 * The separation of b from a, in a's tangent plane with b's covariance rotated into a's frame.
 * Summing the covariances is the innovation covariance of "both are noisy measurements of one
 * point"; a singular sum (impossible with the fallback σ > 0) would count as infinitely far.
 */
export function separation(a: Prepared, b: Prepared): Separation {
  const o = project(a, b);
  const s = inverse(add(a.cov, rotate(b.cov, o.frameRotation)));
  return {
    d2: s === undefined ? Infinity : quad(s, o.east, o.north),
    meters: Math.hypot(o.east, o.north),
    dtMs: Math.abs(a.time - b.time),
  };
}

export interface GateLimits {
  readonly chi2: number;
  readonly meters: number;
  readonly maxTimeDiffMs: number;
}

export const within = (s: Separation, g: GateLimits): boolean =>
  s.d2 <= g.chi2 && s.meters <= g.meters && s.dtMs <= g.maxTimeDiffMs;
