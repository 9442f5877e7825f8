import type { EntityId } from '../ids';
import type { Position } from '../entity/component-types';
import type { FusedTrack, SourceTrack } from './types';

/**
 * The hysteresis of one pair of source tracks, `a` and `b` being the engine's handles of the
 * tracks (a: the smaller id). It advances on observations, not on scans: only a scan in which
 * either track has a new report (a new time or place) since the pair's last step moves it.
 * `history` holds whether the pair was associated at each of its last `window` observations (bit
 * 0: the latest). A pair is confirmed (fused) once `hits` of them are set, and a confirmed pair
 * splits only after `outside` reaches the configured count of consecutive observations beyond the
 * split gate, which is wider than the association gate: a pair that hovers at the association
 * gate neither fuses and splits nor flaps, and scanning an idle picture changes nothing.
 *
 * A pair with too few reports to count (a picture written once, a slow feed) is confirmed by its
 * dwell instead: in the gate and never outscored (one of its tracks given to a rival of the
 * other's sensor) since `since`, for the configured time, and associated at the scan that
 * confirms it (docs/fusion.md, "Hysteresis").
 */
export interface PairState {
  readonly a: number;
  readonly b: number;
  history: number;
  confirmed: boolean;
  outside: number;
  /**
   * The time (a scan's `now`) since which a confirmed pair has not been associated (out of the gate,
   * or one of its tracks given to a better rival); NaN while it is. After the dwell it splits.
   */
  apartSince: number;
  /** The two tracks' observation counts when the history last moved (-1: never). */
  seenA: number;
  seenB: number;
  /** The scan in which the pair was last associated. */
  hitScan: number;
  /** The time (a scan's `now`) since which the pair has been in the gate and not outscored at every scan; NaN when not. */
  since: number;
  /** The scan in which `d2` was measured (the split-gate check of a confirmed pair). */
  d2Scan: number;
  d2: number;
  /** ln det of the pair's summed covariance, measured with `d2`. */
  lnDet: number;
  /** The frame rotation between the two (tangent-plane.ts), measured with `d2`. */
  rotation: number;
  /** The fused id and sources of the pair alone, once computed: a function of the two ids, which a handle keeps. */
  fused: FusedName | undefined;
  /**
   * The pair's fused position and association probability as last computed, and the two reports
   * (a's, b's) they were computed from: a function of those two reports only (and the engine's
   * fixed config), so while both are the ones held they are reused, not computed again.
   */
  cache: PairCache | undefined;
}

/** See PairState.cache. */
export interface PairCache {
  readonly reportA: SourceTrack;
  readonly reportB: SourceTrack;
  readonly position: Position;
  readonly probability: number;
}

/** A published fused track and its place in id order (engine.ts). */
export interface Entry {
  track: FusedTrack;
  readonly rank: number;
}

/**
 * A fused entity's id and sources, and the engine's published entry under that id as of version
 * `entryVersion` of its published map: while the map stands (the usual scan keeps the same fused
 * ids), a fused pair finds its entry without a lookup by string, which cost ~0.5 µs per fused
 * track per scan in cache misses.
 */
export interface FusedName {
  readonly id: EntityId;
  readonly sources: EntityId[];
  entry: Entry | undefined;
  entryVersion: number;
}

export function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) c++;
  return c;
}

/**
 * Every pair's state, found by its two handles (a: the smaller id's). Held per handle in short
 * lists and in one flat list for sweeps, rather than in a map under a numeric key made of both
 * handles: such a key exceeds the small-integer range, so every lookup would allocate a number.
 */
export class PairStore {
  private readonly byA: (PairState[] | undefined)[] = [];
  private readonly all: PairState[] = [];

  get size(): number {
    return this.all.length;
  }

  get(a: number, b: number): PairState | undefined {
    const list = this.byA[a];
    if (list === undefined) return undefined;
    for (const st of list) if (st.b === b) return st;
    return undefined;
  }

  add(st: PairState): void {
    (this.byA[st.a] ??= []).push(st);
    this.all.push(st);
  }

  /** Visits every pair once, deleting those for which `keep` returns false. */
  sweep(keep: (st: PairState) => boolean): void {
    // Backwards, so that moving the last pair into a deleted one's slot moves one already visited.
    for (let k = this.all.length - 1; k >= 0; k--) {
      const st = this.all[k]!;
      if (keep(st)) continue;
      const last = this.all.pop()!;
      if (last !== st) this.all[k] = last;
      const list = this.byA[st.a]!;
      list.splice(list.indexOf(st), 1);
      if (list.length === 0) this.byA[st.a] = undefined;
    }
  }

  /** Every pair, in no particular order. */
  values(): readonly PairState[] {
    return this.all;
  }
}

/**
 * The order of pairs (i[k], j[k]), i < j, by (i, j): a counting sort on i over n rows, then an
 * insertion sort on j inside each row's few pairs. O(n + pairs), where a comparison sort of that
 * many pairs is a measurable share of a scan.
 */
export function pairOrder(n: number, i: Int32Array, j: Int32Array, count: number): Int32Array {
  const start = new Int32Array(n + 1);
  for (let k = 0; k < count; k++) start[i[k]! + 1]!++;
  for (let r = 0; r < n; r++) start[r + 1]! += start[r]!;
  const fill = start.slice(0, n);
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) out[fill[i[k]!]!++] = k;
  for (let r = 0; r < n; r++) {
    for (let x = start[r]! + 1; x < start[r + 1]!; x++) {
      const k = out[x]!;
      let y = x - 1;
      while (y >= start[r]! && j[out[y]!]! > j[k]!) {
        out[y + 1] = out[y]!;
        y--;
      }
      out[y + 1] = k;
    }
  }
  return out;
}
