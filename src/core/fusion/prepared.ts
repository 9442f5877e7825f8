import type { LatLon } from '../sim/geo';
import type { EntityId } from '../ids';
import type { Sym2 } from './matrix2';

/**
 * One track ready for gating, as an object: its covariance resolved (see uncertainty.ts). The scan
 * itself works on a TrackTable (track-table.ts); this form is for tests and reference code.
 */
export interface Prepared extends LatLon {
  readonly id: EntityId;
  readonly sensorId: string;
  readonly time: number;
  readonly alt: number | undefined;
  /** (east, north) covariance in the track's own north-up frame, m². */
  readonly cov: Sym2;
  /** Largest eigenvalue of `cov`: bounds how far away a gated partner can be. */
  readonly maxVar: number;
  /** East and north velocity, m/s, when known. */
  readonly velocity?: { readonly east: number; readonly north: number };
}
