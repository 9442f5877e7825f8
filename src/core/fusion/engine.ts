import type { EntityId } from '../ids';
import { associate } from './associate';
import { confirmedGroups, groupRows } from './confirmed-groups';
import { fuseDominatedPair, fuseGroup, fuseIndependentPair, round } from './fuse-group';
import { ageDueAt, freshness } from './freshness';
import { fusedId } from './fused-id';
import { associationProbability } from './confidence';
import { KnownSeparations, pairCost, SEP, separate, sepWithin } from './gate';
import { pairOrder, PairStore, popcount, type Entry, type FusedName, type PairState } from './pair-state';
import { GateWork, gatePairs, PairBuffer } from './spatial-gate';
import { TrackTable } from './track-table';
import type { Position } from '../entity/component-types';
import type { FusedTrack, FusionChange, FusionConfig, SourceTrack } from './types';
import { DEFAULT_FUSION_CONFIG, sensorKey } from './types';
import { UnionFind } from './union-find';

export interface FusionStats {
  readonly fused: number;
  readonly sources: number;
  /** Clusters whose assignment fell back to greedy in the last scan. */
  readonly greedyClusters: number;
  /** Solver steps the optimal assignments took in the last scan (≤ maxAssignmentWork). */
  readonly assignmentWork: number;
  /** Tracks left out of the last scan because their time was more than maxLeadMs ahead of it. */
  readonly ahead: number;
  /**
   * The last scan's gate queries whose box held more than maxGateCandidates (no pair: a pile) or
   * more than maxGateMeasured (only the nearest measured: a crowd), and the separations it measured.
   */
  readonly gateRefused: number;
  readonly gateCrowded: number;
  readonly gateSeparations: number;
}

/**
 * Track-to-track fusion, incremental: `upsert` and `remove` record source tracks as they change,
 * `scan(now)` associates the live ones and returns what changed in the fused picture since the last
 * scan. Pure: the clock is `now`, and the output is a function of the tracks and the scan times
 * only. Everything is visited in id order, never in arrival order, so two engines given the same
 * tracks in any order, scanned at the same times, return the same changes.
 *
 * A scan: drop tracks older than `maxAgeMs` (if set); re-check the confirmed pairs against the split gate;
 * find gated pairs with the spatial index; cluster them (with the confirmed pairs) into connected
 * components; run GNN per cluster (associate.ts); advance every pair's hysteresis (M of N
 * observations, or a dwell with no contradicting one); fuse each
 * connected set of confirmed pairs by covariance intersection; diff against the last output.
 *
 * Where the time goes (docs/benchmarks.md, scenario 9): tracks are numbered by an integer handle
 * for as long as they live, pairs are keyed by two handles, the id order is sorted again only when
 * a track arrives or leaves, and the per-pair work reads typed columns (track-table.ts), so the
 * hot path hashes no strings and allocates nothing per pair.
 */
export class FusionEngine {
  readonly config: FusionConfig;
  /** Id → handle, for every live track and every track removed since the last scan. */
  private readonly handles = new Map<EntityId, number>();
  /** Handle → the track's latest report; undefined once removed. */
  private readonly byHandle: (SourceTrack | undefined)[] = [];
  /**
   * Handle → a count of the track's observations: bumped when a report with a new time or a new
   * position arrives (an upsert of the same report, e.g. its entity's classification changed, is
   * not one). The hysteresis advances on observations, not on scans (pair-state.ts).
   */
  private readonly observed: number[] = [];
  private readonly freeHandles: number[] = [];
  /** Removed since the last scan: their handles are freed once the scan has dropped their pairs. */
  private readonly released = new Set<EntityId>();
  /**
   * Handle → 1 while the track's time is more than maxLeadMs ahead of the last scan's `now`: it is
   * left out of the scan (not in `order`) until the clock reaches its time less the lead.
   */
  private ahead = new Uint8Array(0);
  private aheadCount = 0;
  /** Live handles in id order; undefined when a track arrived or left since it was sorted. */
  private order: Int32Array | undefined = new Int32Array(0);
  private readonly pairs = new PairStore();
  private published = new Map<EntityId, Entry>();
  /** Bumped whenever `published` is replaced: a FusedName's cached entry holds only for its version. */
  private publishedVersion = 0;
  /** The published entries in id order. */
  private ranked: Entry[] = [];
  private greedyClusters = 0;
  private assignmentWork = 0;
  private scans = 0;
  /** See nextDue(); before the first scan, at once. */
  private due = -Infinity;
  private last: LastTable | undefined;
  /** The gated pairs' arrays, reused scan after scan. */
  private readonly gateBuffer = new PairBuffer();
  /** What the last scan's gate refused, cut and measured (stats()). */
  private readonly gateWork = new GateWork();
  /** The confirmed pairs' separations of this scan, which the gate reuses. */
  private readonly known = new KnownSeparations();

  constructor(config: Partial<FusionConfig> = {}) {
    this.config = { ...DEFAULT_FUSION_CONFIG, ...config };
    if (this.config.confirmWindow > 30 || this.config.confirmHits > this.config.confirmWindow) {
      throw new RangeError('confirmHits ≤ confirmWindow ≤ 30');
    }
    if (!(this.config.confirmDwellMs >= 0)) throw new RangeError('confirmDwellMs ≥ 0 (Infinity: off)');
  }

  /**
   * Records a track's report. Returns whether anything a scan reads changed (false for the same
   * report again, e.g. its entity's classification changed): a host need not scan for it.
   */
  upsert(track: SourceTrack): boolean {
    let h = this.handles.get(track.id);
    if (h === undefined) {
      h = this.freeHandles.pop() ?? this.byHandle.length;
      this.handles.set(track.id, h);
    }
    const was = this.byHandle[h];
    if (was !== undefined && sameReport(was, track)) return false;
    if (was === undefined) this.order = undefined;
    if (was === undefined || newObservation(was, track)) this.observed[h] = (this.observed[h] ?? 0) + 1;
    this.byHandle[h] = track;
    return true;
  }

  /** Forgets a track's report. Returns whether it held one (false: nothing a scan reads changed). */
  remove(id: EntityId): boolean {
    const h = this.handles.get(id);
    if (h === undefined || this.byHandle[h] === undefined) return false;
    this.byHandle[h] = undefined;
    this.released.add(id);
    this.order = undefined;
    return true;
  }

  /**
   * The earliest time at which a scan with no new report could change the picture (a pair's
   * dwell ends, a track ages out, a report stamped ahead comes within maxLeadMs), as of the last scan; Infinity when none could. A host scans on
   * changes and otherwise only when this is due, so an idle picture costs no scans. -Infinity
   * before the first scan.
   */
  nextDue(): number {
    return this.due;
  }

  /** The fused tracks as of the last scan, in id order. */
  fused(): FusedTrack[] {
    return this.ranked.map((e) => e.track);
  }

  stats(): FusionStats {
    let sources = 0;
    for (const e of this.ranked) sources += e.track.fusion.sources.length;
    return {
      fused: this.published.size,
      sources,
      greedyClusters: this.greedyClusters,
      assignmentWork: this.assignmentWork,
      ahead: this.aheadCount,
      gateRefused: this.gateWork.refused,
      gateCrowded: this.gateWork.crowded,
      gateSeparations: this.gateWork.separations,
    };
  }

  scan(now: number): FusionChange[] {
    const c = this.config;
    const scanNo = ++this.scans;
    let oldest = Infinity;
    // A report stamped more than maxLeadMs ahead of `now` (a clock ahead) is left out until `now`
    // reaches its stamp less the lead, then timed by its stamp: its time is a function of its
    // version, never of when it reached this node (docs/fusion.md, "Time basis").
    let aheadDue = Infinity;
    if (this.ahead.length < this.byHandle.length) {
      const grown = new Uint8Array(Math.max(64, 2 * this.byHandle.length));
      grown.set(this.ahead);
      this.ahead = grown;
    }
    this.aheadCount = 0;
    for (let h = 0; h < this.byHandle.length; h++) {
      const t = this.byHandle[h];
      if (t === undefined) {
        this.ahead[h] = 0;
        continue;
      }
      if (now - t.time > c.maxAgeMs) {
        this.remove(t.id);
        continue;
      }
      const isAhead = t.time - now > c.maxLeadMs ? 1 : 0;
      if (isAhead !== this.ahead[h]) {
        this.ahead[h] = isAhead;
        this.order = undefined;
      }
      if (isAhead) {
        this.aheadCount++;
        if (t.time - c.maxLeadMs < aheadDue) aheadDue = t.time - c.maxLeadMs;
      } else if (t.time < oldest) oldest = t.time;
    }
    const table = this.table();
    const n = table.n;
    const indexOf = new Int32Array(this.byHandle.length).fill(-1);
    const order = this.order!;
    for (let i = 0; i < n; i++) indexOf[order[i]!] = i;

    // Confirmed pairs: cascade the ones that lost a track, count scans outside the split gate.
    const split = { chi2: c.splitChi2, meters: c.splitMeters, maxTimeDiffMs: c.maxTimeDiffMs };
    this.known.reset(n);
    const ci = new Int32Array(this.pairs.size);
    const cj = new Int32Array(this.pairs.size);
    let confirmedCount = 0;
    let splitDue = Infinity;
    this.pairs.sweep((st) => {
      const i = indexOf[st.a]!;
      const j = indexOf[st.b]!;
      if (i < 0 || j < 0) return false;
      if (!st.confirmed) return true;
      separate(table, i, j);
      this.known.store(i, j);
      st.d2 = SEP[0]!;
      st.d2Scan = scanNo;
      st.rotation = SEP[4]!;
      st.lnDet = SEP[6]!;
      // Only a new observation of either track counts towards a split: scanning an idle picture
      // again and again must not split it.
      if (sepWithin(split)) st.outside = 0;
      else if (this.fresh(st)) st.outside++;
      // Split, and forget (the pair must earn its hits again before it fuses anew): after
      // `splitScans` observations outside the split gate (a live feed), or once it has not been
      // associated for `confirmDwellMs` (apartSince, set by the hysteresis below): a pair that the
      // association no longer chooses on the versions held re-decides, however few its reports,
      // so nodes holding the same versions end with the same pairs (docs/fusion.md, "Replication").
      if (st.outside >= c.splitScans || now - st.apartSince >= c.confirmDwellMs) return false;
      if (!Number.isNaN(st.apartSince)) splitDue = Math.min(splitDue, st.apartSince + c.confirmDwellMs);
      ci[confirmedCount] = i;
      cj[confirmedCount++] = j;
      return true;
    });
    // No pair refers to a removed track any more: its handle can serve a new one.
    for (const id of this.released) {
      const h = this.handles.get(id)!;
      if (this.byHandle[h] !== undefined) continue;
      this.handles.delete(id);
      this.freeHandles.push(h);
    }
    this.released.clear();
    const confirmed = sortedPairs(n, ci.subarray(0, confirmedCount), cj.subarray(0, confirmedCount));

    const gate = { chi2: c.gateChi2, meters: c.gateMeters, maxTimeDiffMs: c.maxTimeDiffMs };
    const gated = gatePairs(
      table,
      gate,
      c.maxGateCandidates,
      this.gateBuffer,
      this.known,
      c.maxGateMeasured,
      this.gateWork,
    );

    const clusters = new UnionFind(n);
    const involved = new Uint8Array(n);
    for (let k = 0; k < gated.count; k++) {
      clusters.union(gated.i[k]!, gated.j[k]!);
      involved[gated.i[k]!] = involved[gated.j[k]!] = 1;
    }
    // Row × sensor: whether the row is in a confirmed group with a track of that sensor. A pair that
    // would take such a row from its group waits for that group's pair to split (below).
    const sensors = table.sensorIds.length;
    const taken = new Uint8Array(n * sensors);
    {
      const groups = confirmedGroups(n, table.sensor, confirmed.i, confirmed.j);
      for (let g = 0; g < groups.count; g++) {
        for (let x = groups.start[g]!; x < groups.start[g + 1]!; x++) {
          for (let y = groups.start[g]!; y < groups.start[g + 1]!; y++) {
            if (x !== y) taken[groups.members[x]! * sensors + table.sensor[groups.members[y]!]!] = 1;
          }
        }
      }
    }

    // Associate each cluster; every pair inside a resulting group is a hit this scan.
    this.greedyClusters = 0;
    this.assignmentWork = 0;
    const ctx = {
      sensor: table.sensor,
      d2Of: (i: number, j: number) => gated.d2Of(i, j),
      neighbours: (i: number) => gated.nbr.subarray(gated.start[i]!, gated.start[i + 1]!),
      neighbourD2: (i: number) => gated.nbrD2.subarray(gated.start[i]!, gated.start[i + 1]!),
      neighbourLnDet: (i: number) => gated.nbrLnDet.subarray(gated.start[i]!, gated.start[i + 1]!),
      lnDetOf: (i: number, j: number) => gated.lnDetOf(i, j),
      cost: (d2: number, lnDet: number) => pairCost(d2, lnDet, gate),
      gateChi2: c.gateChi2,
      maxSide: c.maxClusterSide,
      budget: { left: c.maxAssignmentWork },
    };
    // Row × sensor: whether the row was associated with a track of that sensor in this scan. A pair
    // that was not is outscored only when one of its tracks went to a rival of the other's sensor.
    const partnered = new Uint8Array(n * sensors);
    const hit = (i: number, j: number): void => {
      partnered[i * sensors + table.sensor[j]!] = 1;
      partnered[j * sensors + table.sensor[i]!] = 1;
      // Rows are in id order, so the smaller row holds the smaller id.
      const a = order[Math.min(i, j)]!;
      const b = order[Math.max(i, j)]!;
      let st = this.pairs.get(a, b);
      if (st === undefined) {
        st = {
          a,
          b,
          history: 0,
          confirmed: false,
          outside: 0,
          apartSince: NaN,
          seenA: -1,
          seenB: -1,
          hitScan: 0,
          since: NaN,
          d2Scan: 0,
          d2: 0,
          lnDet: 0,
          rotation: 0,
          fused: undefined,
          cache: undefined,
        };
        this.pairs.add(st);
      }
      st.hitScan = scanNo;
    };
    // The association reads the reports held now, never the confirmed pairs (neither as seeds nor as
    // links of a cluster): what it chooses is a function of the versions held, and the hysteresis
    // below decides only when the picture follows it (docs/fusion.md, "Replication").
    const { start, members } = clusterMembers(clusters, involved);
    for (let r = 0; r < n; r++) {
      const size = start[r + 1]! - start[r]!;
      if (size === 0) continue;
      if (size === 2) {
        // An isolated pair, the common case: together if gated (associate.ts, inlined).
        const i = members[start[r]!]!;
        const j = members[start[r]! + 1]!;
        const d2 = gated.d2Of(i, j);
        if (d2 !== undefined && d2 < c.gateChi2) hit(i, j);
        continue;
      }
      const rows = Array.from(members.subarray(start[r]!, start[r + 1]!));
      const out = associate({ members: rows, confirmed: [] }, ctx);
      if (out.greedy) this.greedyClusters++;
      this.assignmentWork += out.work;
      for (const g of out.groups) {
        for (let x = 0; x < g.length; x++) for (let y = x + 1; y < g.length; y++) hit(g[x]!, g[y]!);
      }
    }

    // Hysteresis: shift the history of every pair with a new observation of either track since
    // its last shift, confirm the ones with enough hits. A scan that saw nothing new of a pair
    // (an idle picture, or a burst of scans between two reports) leaves its history as it was.
    // The dwell: a pair associated at every scan for confirmDwellMs is confirmed however few its
    // reports (a picture written once). A scan that finds it out of the gate, or gives one of its
    // tracks to a rival of the other's sensor (outscored), starts it again: that is contradicting
    // evidence. A scan that leaves it apart for neither reason (a third sensor's track passing by
    // took one of them into its group first) keeps the dwell running, so a decoy that comes and
    // goes cannot keep a pair raw for ever. Time is `now` only.
    const mask = (1 << c.confirmWindow) - 1;
    let due = Infinity;
    this.pairs.sweep((st) => {
      const hitNow = st.hitScan === scanNo;
      if (!hitNow && !Number.isNaN(st.since) && !st.confirmed) {
        const i = indexOf[st.a]!;
        const j = indexOf[st.b]!;
        const outscored =
          partnered[i * sensors + table.sensor[j]!] === 1 || partnered[j * sensors + table.sensor[i]!] === 1;
        const d2 = gated.d2Of(Math.min(i, j), Math.max(i, j));
        if (outscored || d2 === undefined || !(d2 < c.gateChi2)) st.since = NaN;
      } else if (!hitNow) st.since = NaN;
      // A clock stepped back restarts the dwell from now rather than leaving it in the future.
      else if (Number.isNaN(st.since) || st.since > now) st.since = now;
      if (this.fresh(st)) {
        st.seenA = this.observed[st.a]!;
        st.seenB = this.observed[st.b]!;
        st.history = ((st.history << 1) | (hitNow ? 1 : 0)) & mask;
      }
      if (st.confirmed) {
        // A confirmed pair the association did not choose starts its dwell apart (the split above).
        if (hitNow) st.apartSince = NaN;
        else if (Number.isNaN(st.apartSince) || st.apartSince > now) st.apartSince = now;
        if (!Number.isNaN(st.apartSince) && st.apartSince + c.confirmDwellMs < due)
          due = st.apartSince + c.confirmDwellMs;
      } else if (hitNow) {
        // Confirmed only when associated now, and not while one of its tracks is still in a
        // confirmed group with a track of the other's sensor: it waits for that pair to split.
        const i = indexOf[st.a]!;
        const j = indexOf[st.b]!;
        const free = taken[i * sensors + table.sensor[j]!] === 0 && taken[j * sensors + table.sensor[i]!] === 0;
        const at = st.since + c.confirmDwellMs;
        if (free && (popcount(st.history) >= c.confirmHits || now >= at)) st.confirmed = true;
        else if (at < due && at > now) due = at;
      }
      // A pair whose dwell runs is kept even with no hit in its window (a decoy took its scans).
      return st.confirmed || st.history !== 0 || !Number.isNaN(st.since);
    });
    const changes = this.publish(table, indexOf, scanNo, now);
    this.due = Math.min(this.due, due, splitDue, oldest + c.maxAgeMs + 1, aheadDue);
    return changes;
  }

  /** Whether either track of the pair was observed anew since the pair's history last moved. */
  private fresh(st: PairState): boolean {
    return this.observed[st.a] !== st.seenA || this.observed[st.b] !== st.seenB;
  }

  /**
   * The live tracks in id order, as columns. The order is sorted again only when tracks came or
   * went; while it holds, the last scan's table is reused and only the rows whose report changed
   * are written again (a track's report is replaced, never mutated, on upsert).
   */
  private table(): TrackTable {
    if (this.order === undefined) {
      const live: [EntityId, number][] = [];
      for (const [id, h] of this.handles) if (this.byHandle[h] !== undefined && !this.ahead[h]) live.push([id, h]);
      live.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      this.order = Int32Array.from(live, (x) => x[1]);
    }
    const order = this.order;
    const last = this.last;
    if (last !== undefined && last.order === order && this.refresh(last)) return last.table;
    const authorOf = new Map<string, string | undefined>();
    for (const h of order) {
      const t = this.byHandle[h]!;
      authorOf.set(sensorKey(t), t.author);
    }
    const table = new TrackTable(order.length, this.config.unknownSpeedMps);
    table.sensorIds.push(...[...authorOf.keys()].sort());
    // A sensor without a known author (unsigned tests and tools) is its own: -1, no author cap.
    const authors = [...new Set(authorOf.values())].filter((a) => a !== undefined).sort();
    const authorOrdinal = new Map(authors.map((a, k) => [a, k]));
    for (const s of table.sensorIds) {
      const a = authorOf.get(s);
      table.sensorAuthor.push(a === undefined ? -1 : authorOrdinal.get(a)!);
    }
    const ordinal = new Map(table.sensorIds.map((s, k) => [s, k]));
    const rows: SourceTrack[] = [];
    for (let i = 0; i < order.length; i++) {
      const t = this.byHandle[order[i]!]!;
      table.setTrack(i, t, ordinal.get(sensorKey(t))!, this.config.defaultSigmaM);
      rows.push(t);
    }
    this.last = { order, table, rows };
    return table;
  }

  /** Rewrites the changed rows of the last table; false when a new sensor appeared (the numbering must change). */
  private refresh(last: LastTable): boolean {
    const { table, rows, order } = last;
    for (let i = 0; i < order.length; i++) {
      const t = this.byHandle[order[i]!]!;
      if (t === rows[i]) continue;
      const key = sensorKey(t);
      const sensor = key === table.sensorIds[table.sensor[i]!] ? table.sensor[i]! : table.sensorIds.indexOf(key);
      if (sensor < 0) return false;
      table.setTrack(i, t, sensor, this.config.defaultSigmaM);
      rows[i] = t;
    }
    return true;
  }

  /** Fuses every connected set of confirmed pairs and diffs it against the last scan's output. */
  private publish(table: TrackTable, indexOf: Int32Array, scanNo: number, now: number): FusionChange[] {
    const c = this.config;
    /** When the next fused track's age term (or stale mark) changes; nextDue() includes it. */
    let ageDue = Infinity;
    // The confirmed pairs, each with its index in the store's list (typed arrays: no list of states).
    const all = this.pairs.values();
    const ci = new Int32Array(all.length);
    const cj = new Int32Array(all.length);
    const ck = new Int32Array(all.length);
    let m = 0;
    for (let k = 0; k < all.length; k++) {
      const st = all[k]!;
      if (!st.confirmed) continue;
      // st.a holds the smaller id, so its row is the smaller one.
      ci[m] = indexOf[st.a]!;
      cj[m] = indexOf[st.b]!;
      ck[m++] = k;
    }
    const confirmed = sortedPairs(table.n, ci.subarray(0, m), cj.subarray(0, m), ck.subarray(0, m));
    const groups = confirmedGroups(table.n, table.sensor, confirmed.i, confirmed.j);
    const { count, start, members, groupOf } = groups;
    const rows = this.last!.rows;
    // Confidence: the probability of the association (confidence.ts), from the likelihood of the
    // separation of the least likely pair of members of each group (every pair of members, not only
    // the confirmed ones: which pairs of a group got confirmed first is history), times the age
    // term below. A function of the reports held, never of how many a node happened to see
    // (docs/fusion.md, "Confidence").
    const likely = new Float64Array(count).fill(1);
    /** A group's (last) pair, as its index in `all`; -1 for none. */
    const pairOf = new Int32Array(count).fill(-1);
    for (let k = 0; k < confirmed.i.length; k++) {
      const i = confirmed.i[k]!;
      const j = confirmed.j[k]!;
      const g = groupOf[i]!;
      if (g < 0 || groupOf[j] !== g) continue;
      const st = all[confirmed.by[k]!]!;
      pairOf[g] = confirmed.by[k]!;
      if (st.d2Scan !== scanNo) {
        separate(table, i, j);
        st.d2 = SEP[0]!;
        st.lnDet = SEP[6]!;
        st.rotation = SEP[4]!;
        st.d2Scan = scanNo;
      }
      if (start[g + 1]! - start[g]! !== 2) continue;
      likely[g] = reportsOf(st, rows, i, j)
        ? st.cache!.probability
        : associationProbability(st.d2, st.lnDet, c.gateMeters);
    }
    for (let g = 0; g < count; g++) {
      if (start[g + 1]! - start[g]! === 2) continue;
      for (let x = start[g]!; x < start[g + 1]!; x++) {
        for (let y = x + 1; y < start[g + 1]!; y++) {
          separate(table, members[x]!, members[y]!);
          likely[g] = Math.min(likely[g]!, associationProbability(SEP[0]!, SEP[6]!, c.gateMeters));
        }
      }
    }
    // Each group's fused track, and its published entry when its id had one (parallel lists, no
    // object per group).
    const tracks = new Array<FusedTrack>(count);
    const entries = new Array<Entry | undefined>(count);
    for (let g = 0; g < count; g++) {
      const first = start[g]!;
      const size = start[g + 1]! - first;
      let time = -Infinity;
      for (let x = first; x < first + size; x++) if (table.time[members[x]!]! > time) time = table.time[members[x]!]!;
      const fresh = freshness(now - time, c.freshForMs, c.staleAfterMs);
      if (time + fresh.changesAfter + 1 < ageDue) ageDue = time + fresh.changesAfter + 1;
      // A pair's id and sources depend on its two ids only: computed once in its life.
      const st = size === 2 && pairOf[g]! >= 0 ? all[pairOf[g]!] : undefined;
      const named = st?.fused ?? this.named(groupRows(groups, g), table);
      if (st !== undefined) st.fused = named;
      let position: Position;
      if (st !== undefined && reportsOf(st, rows, members[first]!, members[first + 1]!)) {
        // Neither report changed since the pair was last fused: the same inputs, the same result.
        position = st.cache!.position;
      } else {
        const i = members[first]!;
        const j = members[first + 1]!;
        const rotation = st !== undefined && st.d2Scan === scanNo ? st.rotation : undefined;
        position =
          (size === 2 ? (fuseIndependentPair(table, i, j) ?? fuseDominatedPair(table, i, j, rotation)) : undefined) ??
          fuseGroup(table, groupRows(groups, g));
        if (st !== undefined) {
          st.cache = { reportA: rows[i]!, reportB: rows[j]!, position, probability: likely[g]! };
        }
      }
      const confidence = round(likely[g]! * fresh.factor, 3);
      const track: FusedTrack = {
        id: named.id,
        time,
        fusion: fresh.stale
          ? { sources: named.sources, position, confidence, stale: true }
          : { sources: named.sources, position, confidence },
      };
      if (named.entryVersion !== this.publishedVersion) {
        named.entry = this.published.get(named.id);
        named.entryVersion = this.publishedVersion;
      }
      const entry = named.entry;
      tracks[g] = entry !== undefined && sameTrack(entry.track, track) ? entry.track : track;
      entries[g] = entry;
    }
    this.due = ageDueAt(ageDue);
    return this.diff(tracks, entries);
  }

  private named(group: readonly number[], table: TrackTable): FusedName {
    const sources = group.map((k) => table.ids[k]!);
    return { id: fusedId(sources), sources, entry: undefined, entryVersion: -1 };
  }

  /**
   * Replaces the published tracks by `tracks` (any order; `entries[k]`: the published entry of
   * tracks[k]'s id, if any) and lists the changes in id order.
   */
  private diff(tracks: readonly FusedTrack[], entries: readonly (Entry | undefined)[]): FusionChange[] {
    const ranked = this.ranked;
    const changes: FusionChange[] = [];
    // The usual scan keeps the same fused ids (each id appears once in `tracks`): then the entries,
    // their id order and the map stay; only the tracks in them change.
    if (tracks.length === ranked.length && entries.every((e) => e !== undefined)) {
      const byRank = new Array<FusedTrack>(ranked.length);
      for (let k = 0; k < tracks.length; k++) byRank[entries[k]!.rank] = tracks[k]!;
      for (let r = 0; r < ranked.length; r++) {
        const e = ranked[r]!;
        if (byRank[r] === e.track) continue;
        e.track = byRank[r]!;
        changes.push({ type: 'updated', track: e.track });
      }
      return changes;
    }
    const after = new Map<EntityId, FusedTrack>(tracks.map((t) => [t.id, t]));
    const ids = [...new Set([...this.published.keys(), ...after.keys()])].sort();
    const published = new Map<EntityId, Entry>();
    const order: Entry[] = [];
    for (const id of ids) {
      const was = this.published.get(id)?.track;
      const now = after.get(id);
      if (now === undefined) {
        changes.push({ type: 'removed', id });
        continue;
      }
      const e = { track: now, rank: order.length };
      published.set(id, e);
      order.push(e);
      if (was === undefined) changes.push({ type: 'created', track: now });
      else if (was !== now) changes.push({ type: 'updated', track: now });
    }
    this.published = published;
    this.publishedVersion++;
    this.ranked = order;
    return changes;
  }
}

/** The last scan's table, the order it follows and the report each row was written from. */
interface LastTable {
  readonly order: Int32Array;
  readonly table: TrackTable;
  readonly rows: SourceTrack[];
}

interface SortedPairs {
  readonly i: Int32Array;
  readonly j: Int32Array;
  /** The numbers given to ride along, in the same order. */
  readonly by: Int32Array;
}

/** Pairs (each given i < j) in (i, j) order, with a number per pair riding along. */
function sortedPairs(n: number, i: Int32Array, j: Int32Array, by: Int32Array = i): SortedPairs {
  const order = pairOrder(n, i, j, i.length);
  const si = new Int32Array(order.length);
  const sj = new Int32Array(order.length);
  const sb = new Int32Array(order.length);
  for (let x = 0; x < order.length; x++) {
    const k = order[x]!;
    si[x] = i[k]!;
    sj[x] = j[k]!;
    sb[x] = by[k]!;
  }
  return { i: si, j: sj, by: sb };
}

/**
 * The members of every cluster with at least one link, by root, as compressed rows: the members of
 * the cluster rooted at r are `members[start[r] .. start[r + 1])`, ascending (a counting sort, no
 * list per cluster).
 */
function clusterMembers(clusters: UnionFind, involved: Uint8Array): { start: Int32Array; members: Int32Array } {
  const n = involved.length;
  const root = new Int32Array(n);
  const start = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!involved[i]) continue;
    root[i] = clusters.find(i);
    start[root[i]! + 1]!++;
    total++;
  }
  for (let r = 0; r < n; r++) start[r + 1]! += start[r]!;
  const fill = start.slice(0, n);
  const members = new Int32Array(total);
  for (let i = 0; i < n; i++) if (involved[i]) members[fill[root[i]!]!++] = i;
  return { start, members };
}

/**
 * Whether the pair's cache was computed from the reports rows i (the pair's a) and j (its b) hold
 * now. A report is replaced, never mutated, on upsert, and an upsert that changes nothing a scan
 * reads keeps the report held (sameReport), so the report objects stand for their versions.
 */
function reportsOf(st: PairState, rows: readonly SourceTrack[], i: number, j: number): boolean {
  const cache = st.cache;
  return cache !== undefined && cache.reportA === rows[i] && cache.reportB === rows[j];
}

/** A report is a new observation when its time or its place differs from the last one's. */
function newObservation(was: SourceTrack, now: SourceTrack): boolean {
  const p = was.position;
  const q = now.position;
  return was.time !== now.time || p.lat !== q.lat || p.lon !== q.lon || p.alt !== q.alt;
}

/** Everything a scan reads of a report is the same (the track table's row would not change). */
function sameReport(was: SourceTrack, now: SourceTrack): boolean {
  const p = was.position;
  const q = now.position;
  return (
    !newObservation(was, now) &&
    was.sensorId === now.sensorId &&
    was.sensorType === now.sensorType &&
    was.author === now.author &&
    p.accuracy === q.accuracy &&
    p.covariance?.[0] === q.covariance?.[0] &&
    p.covariance?.[1] === q.covariance?.[1] &&
    p.covariance?.[2] === q.covariance?.[2] &&
    was.velocity?.east === now.velocity?.east &&
    was.velocity?.north === now.velocity?.north
  );
}

function sameTrack(a: FusedTrack, b: FusedTrack): boolean {
  const p = a.fusion.position;
  const q = b.fusion.position;
  return (
    a.time === b.time &&
    a.fusion.confidence === b.fusion.confidence &&
    a.fusion.stale === b.fusion.stale &&
    p.lat === q.lat &&
    p.lon === q.lon &&
    p.alt === q.alt &&
    p.accuracy === q.accuracy &&
    p.covariance?.[0] === q.covariance?.[0] &&
    p.covariance?.[1] === q.covariance?.[1] &&
    p.covariance?.[2] === q.covariance?.[2] &&
    a.fusion.sources.length === b.fusion.sources.length &&
    a.fusion.sources.every((s, i) => s === b.fusion.sources[i])
  );
}
