import type { Position } from '../entity/component-types';
import { fromStore, type Sym2 } from './matrix2';

/**
 * A track's horizontal covariance in its own north-up frame: the `covariance` component when it is
 * there, else an isotropic σ² from `accuracy` (CoT `ce` is a 1σ horizontal error), else the
 * configured default σ. A covariance that is not positive definite is treated as missing.
 */
export function covarianceOf(p: Position, defaultSigmaM: number): Sym2 {
  if (hasCovariance(p)) return fromStore(p.covariance);
  const v = isotropicVariance(p, defaultSigmaM);
  return [v, 0, v];
}

/** Whether the position's own covariance is usable (positive definite). */
export function hasCovariance(p: Position): p is Position & { covariance: readonly [number, number, number] } {
  const c = p.covariance;
  // Stored as [varNorth, covNorthEast, varEast] (matrix2.ts).
  return c !== undefined && c[2] > 0 && c[0] > 0 && c[2] * c[0] - c[1] * c[1] > 0;
}

/** σ² per axis when there is no usable covariance: from `accuracy`, else the default σ. */
export function isotropicVariance(p: Position, defaultSigmaM: number): number {
  const sigma = p.accuracy !== undefined && p.accuracy > 0 ? p.accuracy : defaultSigmaM;
  return sigma * sigma;
}
