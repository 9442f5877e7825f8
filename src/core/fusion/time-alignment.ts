import { offset, type LatLon } from '../sim/geo';
import type { Sym2 } from './matrix2';
import type { TrackTable } from './track-table';

/**
 * Where a track is believed to be at a later time `at`: moved along its velocity when it has one
 * (covariance unchanged: sources report no velocity uncertainty), else left where it was reported
 * with its covariance grown isotropically by (unknownSpeed × age)², the spread of where an object
 * at that 1σ speed may have gone. Gating does the same per pair, at the newer of the two times
 * (gate.ts); this is the form fusion uses for a group, at the group's newest time.
 */
export interface Aligned extends LatLon {
  readonly cov: Sym2;
}

export function alignTo(t: TrackTable, i: number, at: number): Aligned {
  const lat = t.lat[i]!;
  const lon = t.lon[i]!;
  const cov: Sym2 = [t.cee[i]!, t.cen[i]!, t.cnn[i]!];
  const dt = (at - t.time[i]!) / 1000;
  if (dt <= 0) return { lat, lon, cov };
  if (t.hasVelocity(i)) return { ...offset({ lat, lon }, t.ve[i]! * dt, t.vn[i]! * dt), cov };
  const grow = (t.unknownSpeedMps * dt) ** 2;
  return { lat, lon, cov: [cov[0] + grow, cov[1], cov[2] + grow] };
}

/**
 * How far ahead of a node's clock a report's stamp may be for fusion to take it (docs/fusion.md,
 * "Time basis"). A writer whose clock runs ahead (within the skew hold, up to a minute) stamps its
 * reports in the future, and a hybrid logical clock drags the stamps of every writer that heard it
 * to the same future instant. A report stamped further ahead than this is left out of fusion
 * until the clock reaches its stamp less this lead (engine.ts, scan), and is then timed by its
 * stamp: fusion never times a report by when it reached a node, so every node holding a version
 * gives it the same time.
 */
export const MAX_STAMP_LEAD_MS = 1_000;
