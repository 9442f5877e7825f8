import type { LatLon } from '../sim/geo';
import type { EntityId } from '../ids';
import type { Sym2 } from './matrix2';

/** A live track ready for gating: its covariance resolved (see uncertainty.ts), its index in this scan. */
export interface Prepared extends LatLon {
  readonly id: EntityId;
  readonly sensorId: string;
  readonly time: number;
  readonly alt: number | undefined;
  /** (east, north) covariance in the track's own north-up frame, m². */
  readonly cov: Sym2;
  /** Largest eigenvalue of `cov`: bounds how far away a gated partner can be. */
  readonly maxVar: number;
}
