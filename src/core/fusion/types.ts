import type { Fusion, Position, SensorType } from '../entity/component-types';
import { STALE_AFTER_MS } from '../entity/staleness';
import type { EntityId } from '../ids';
import { MAX_STAMP_LEAD_MS } from './time-alignment';

/** One source track as fusion sees it: any entity with a `source` and a `position`, whoever wrote it. */
export interface SourceTrack {
  readonly id: EntityId;
  /** The `source` component's sensorId: two tracks of one sensor are never fused together. */
  readonly sensorId: string;
  /**
   * Who wrote the `source` component's version. A sensor is (author, sensorId): the sensorId is free
   * text, so without its author any peer could claim another's sensor (sensorKey).
   */
  readonly author?: string;
  /**
   * The `source` component's sensorType, when given: reports of different declared types (an EO
   * camera's and a radar's) are fused as independent measurements, reports of one type or of no
   * declared type by covariance intersection (fuse-group.ts; docs/fusion.md, "Fused state").
   */
  readonly sensorType?: SensorType;
  readonly position: Position;
  /** Epoch ms the position is valid at (the version's time, or the report's). */
  readonly time: number;
  /** East and north velocity (m/s) when the source reports one: used to align reports of different times. */
  readonly velocity?: { readonly east: number; readonly north: number };
}

/** The sensor a track is of: its sensorId under its author (unambiguous: a JSON pair). */
export const sensorKey = (t: SourceTrack): string =>
  t.author === undefined ? t.sensorId : JSON.stringify([t.author, t.sensorId]);

/** A fused entity's value, as it is written into the `fusion` component, plus when it holds. */
export interface FusedTrack {
  readonly id: EntityId;
  readonly fusion: Fusion;
  /** The newest of its sources' times. */
  readonly time: number;
}

/** What one scan changed: a fused entity appeared, moved (or changed members' weights), or went. */
export type FusionChange =
  | { readonly type: 'created'; readonly track: FusedTrack }
  | { readonly type: 'updated'; readonly track: FusedTrack }
  | { readonly type: 'removed'; readonly id: EntityId };

export interface FusionConfig {
  /** Association gate on the squared Mahalanobis distance (χ², 2 degrees of freedom). */
  readonly gateChi2: number;
  /** Hard cap on the distance of an association, metres, whatever the covariances say. */
  readonly gateMeters: number;
  /** The larger gate a fused pair must leave before it counts a scan towards splitting. */
  readonly splitChi2: number;
  readonly splitMeters: number;
  /** Two tracks whose times differ by more than this are not compared. */
  readonly maxTimeDiffMs: number;
  /**
   * A track whose time is more than this ahead of a scan's `now` is left out of that scan (as if
   * not held) until `now` reaches its time less this lead; then it is timed by its own time. So a
   * report's time is always its stamp, the same on every node (docs/fusion.md, "Time basis").
   */
  readonly maxLeadMs: number;
  /**
   * A track older than this at a scan has expired: it leaves, and so do its fused entities.
   * Infinity by default (docs/fusion.md, "Hysteresis"): a picture written once (an import, a
   * peer's snapshot) stays fused; a track goes when its entity goes (deleted, or its `expiry`).
   */
  readonly maxAgeMs: number;
  /**
   * The age term (freshness.ts): a fused track whose newest source is older than `freshForMs` at a
   * scan loses confidence in steps, and past `staleAfterMs` is marked stale with confidence 0.
   */
  readonly freshForMs: number;
  readonly staleAfterMs: number;
  /** 1σ per axis (m) for a track with neither covariance nor accuracy. */
  readonly defaultSigmaM: number;
  /** A pair fuses after being associated in `confirmHits` of the last `confirmWindow` observations… */
  readonly confirmHits: number;
  readonly confirmWindow: number;
  /**
   * …or once it has stayed in the gate, never outscored, for this long (ms) and is associated:
   * the dwell, which fuses a pair that gets too few reports to count (a picture written once, a
   * slow feed). Infinity turns it off.
   */
  readonly confirmDwellMs: number;
  /** A fused pair splits after `splitScans` consecutive observations outside the split gate. */
  readonly splitScans: number;
  /** Above this many rows or columns a cluster's assignment is greedy instead of optimal. */
  readonly maxClusterSide: number;
  /**
   * The solver steps (rows² × columns, summed over every optimal assignment) one scan may spend;
   * the clusters after it is spent, in row order, are assigned greedily (associate.ts).
   */
  readonly maxAssignmentWork: number;
  /**
   * A track with more candidates than this in its gate box pairs with none (spatial-gate.ts): a
   * scan's pairs stay within n × this however densely tracks are piled (a peer can pile them).
   */
  readonly maxGateCandidates: number;
  /**
   * A track whose gate box holds more candidates than this (but no more than maxGateCandidates) is
   * measured against the nearest this many only (spatial-gate.ts, nearestFirst): what one query
   * costs is bounded by this, however a peer lays its tracks out within the gate of each other.
   */
  readonly maxGateMeasured: number;
  /**
   * The 1σ speed (m/s) assumed for a track without a velocity, when it is compared with or fused
   * with a report of another time: its covariance grows by (speed × age)² and the metres gate by
   * speed × age (time-alignment.ts).
   */
  readonly unknownSpeedMps: number;
}

export const DEFAULT_FUSION_CONFIG: FusionConfig = {
  // 99 % of the χ² distribution with 2 degrees of freedom: one object's two tracks fall outside 1 % of the time.
  gateChi2: 9.21,
  gateMeters: 500,
  // 99.99 %: a fused pair outside this is very unlikely to be one object.
  splitChi2: 18.42,
  splitMeters: 1000,
  maxTimeDiffMs: 2_000,
  maxLeadMs: MAX_STAMP_LEAD_MS,
  maxAgeMs: Infinity,
  // Five times the time gate: a live feed's fused track never ages; one whose sources fell silent
  // loses confidence from then on, and goes stale when the map dims its sources (staleness.ts).
  freshForMs: 10_000,
  staleAfterMs: STALE_AFTER_MS,
  defaultSigmaM: 50,
  confirmHits: 3,
  confirmWindow: 5,
  // Longer than the 2 reports after the first that a feed at ≥ 0.5 Hz makes before it, so a live
  // pair is decided by its reports (3 of 5) and only a pair with fewer reports by the dwell.
  confirmDwellMs: 5_000,
  splitScans: 3,
  maxClusterSide: 120,
  // Two clusters of the largest optimal side: ~25 ms of solver in a scan, whatever the layout.
  maxAssignmentWork: 2 * 120 ** 3,
  maxGateCandidates: 256,
  // Far more partners than one object has within its gate (one per sensor), and the 1-per-km²
  // world of scenario 9 never comes near it; a crowd beyond it is measured nearest first.
  maxGateMeasured: 16,
  // Between a walker and a fast aircraft: 1 s of age adds σ 100 m, so at the 9.21 gate a target
  // without a velocity still gates after moving ~300 m (an aircraft at 250 m/s reported 1 s apart).
  unknownSpeedMps: 100,
};
