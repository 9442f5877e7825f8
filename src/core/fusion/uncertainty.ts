import type { Position } from '../entity/component-types';
import { fromStore, type Sym2 } from './matrix2';

/**
 * A track's horizontal covariance in its own north-up frame: the `covariance` component when it is
 * there, else an isotropic σ² from `accuracy` (CoT `ce` is a 1σ horizontal error), else the
 * configured default σ. A covariance that is not positive definite is treated as missing.
 */
export function covarianceOf(p: Position, defaultSigmaM: number): Sym2 {
  if (p.covariance) {
    const m = fromStore(p.covariance);
    if (m[0] > 0 && m[2] > 0 && m[0] * m[2] - m[1] * m[1] > 0) return m;
  }
  const sigma = p.accuracy !== undefined && p.accuracy > 0 ? p.accuracy : defaultSigmaM;
  return [sigma * sigma, 0, sigma * sigma];
}
