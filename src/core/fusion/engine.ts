import type { EntityId } from '../ids';
import { wrapLon } from '../sim/geo';
import { associate } from './associate';
import { fuseGroup, round } from './fuse-group';
import { fusedId } from './fused-id';
import { separation, within, type Separation } from './gate';
import { maxEigen } from './matrix2';
import { pairKey, popcount, type PairState } from './pair-state';
import type { Prepared } from './prepared';
import { gatedPairs } from './spatial-gate';
import type { FusedTrack, FusionChange, FusionConfig, SourceTrack } from './types';
import { DEFAULT_FUSION_CONFIG } from './types';
import { UnionFind } from './union-find';
import { covarianceOf } from './uncertainty';

export interface FusionStats {
  readonly fused: number;
  readonly sources: number;
  /** Clusters whose assignment fell back to greedy in the last scan. */
  readonly greedyClusters: number;
}

/**
 * Track-to-track fusion, incremental: `upsert` and `remove` record source tracks as they change,
 * `scan(now)` associates the live ones and returns what changed in the fused picture since the last
 * scan. Pure: the clock is `now`, and the output is a function of the tracks and the scan times
 * only. Everything is visited in id order, never in arrival order, so two engines given the same
 * tracks in any order, scanned at the same times, return the same changes.
 *
 * A scan: drop tracks older than `maxAgeMs`; re-check the confirmed pairs against the split gate;
 * find gated pairs with the spatial index; cluster them (with the confirmed pairs) into connected
 * components; run GNN per cluster (associate.ts); advance every pair's hysteresis; fuse each
 * connected set of confirmed pairs by covariance intersection; diff against the last output.
 */
export class FusionEngine {
  readonly config: FusionConfig;
  private readonly tracks = new Map<EntityId, SourceTrack>();
  private readonly pairs = new Map<string, PairState>();
  private published = new Map<EntityId, FusedTrack>();
  private greedyClusters = 0;

  constructor(config: Partial<FusionConfig> = {}) {
    this.config = { ...DEFAULT_FUSION_CONFIG, ...config };
    if (this.config.confirmWindow > 30 || this.config.confirmHits > this.config.confirmWindow) {
      throw new RangeError('confirmHits ≤ confirmWindow ≤ 30');
    }
  }

  upsert(track: SourceTrack): void {
    this.tracks.set(track.id, track);
  }

  remove(id: EntityId): void {
    this.tracks.delete(id);
  }

  /** The fused tracks as of the last scan, in id order. */
  fused(): FusedTrack[] {
    return [...this.published.values()];
  }

  stats(): FusionStats {
    let sources = 0;
    for (const f of this.published.values()) sources += f.fusion.sources.length;
    return { fused: this.published.size, sources, greedyClusters: this.greedyClusters };
  }

  scan(now: number): FusionChange[] {
    const c = this.config;
    for (const [id, t] of this.tracks) if (now - t.time > c.maxAgeMs) this.tracks.delete(id);
    const tracks = [...this.tracks.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((t) => prepare(t, c.defaultSigmaM));
    const indexOf = new Map<string, number>(tracks.map((t, i) => [t.id, i]));
    const n = tracks.length;

    // Confirmed pairs: cascade the ones that lost a track, count scans outside the split gate.
    const split = { chi2: c.splitChi2, meters: c.splitMeters, maxTimeDiffMs: c.maxTimeDiffMs };
    const confirmed: [number, number][] = [];
    for (const [key, st] of this.pairs) {
      const [a, b] = key.split(' ') as [string, string];
      const i = indexOf.get(a);
      const j = indexOf.get(b);
      if (i === undefined || j === undefined) {
        this.pairs.delete(key);
        continue;
      }
      if (!st.confirmed) continue;
      st.outside = within(separation(tracks[i]!, tracks[j]!), split) ? 0 : st.outside + 1;
      if (st.outside >= c.splitScans) {
        // Split, and forget: the pair must earn its hits again before it fuses anew.
        this.pairs.delete(key);
        continue;
      }
      confirmed.push([Math.min(i, j), Math.max(i, j)]);
    }
    confirmed.sort((x, y) => x[0] - y[0] || x[1] - y[1]);

    const gate = { chi2: c.gateChi2, meters: c.gateMeters, maxTimeDiffMs: c.maxTimeDiffMs };
    const pairs = gatedPairs(tracks, gate);
    const gatedMap = new Map<number, Separation>();
    for (const p of pairs) gatedMap.set(p.i * n + p.j, p.sep);

    const groupsOf = confirmedGroups(tracks, confirmed);
    const clusters = new UnionFind(n);
    for (const p of pairs) clusters.union(p.i, p.j);
    for (const [i, j] of confirmed) clusters.union(i, j);
    const involved = new Uint8Array(n);
    for (const p of pairs) involved[p.i] = involved[p.j] = 1;
    for (const [i, j] of confirmed) involved[i] = involved[j] = 1;
    // Indices ascend within each member list because they are visited in ascending order.
    const members = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      if (!involved[i]) continue;
      const r = clusters.find(i);
      const list = members.get(r);
      if (list) list.push(i);
      else members.set(r, [i]);
    }
    const confirmedByRoot = new Map<number, number[][]>();
    for (const g of groupsOf) {
      const r = clusters.find(g[0]!);
      const list = confirmedByRoot.get(r) ?? [];
      list.push(g);
      confirmedByRoot.set(r, list);
    }

    // Associate each cluster; every pair inside a resulting group is a hit this scan.
    const hits = new Set<string>();
    this.greedyClusters = 0;
    const ctx = {
      tracks,
      gated: (i: number, j: number) => gatedMap.get(i * n + j),
      gateChi2: c.gateChi2,
      maxSide: c.maxClusterSide,
    };
    for (const root of [...members.keys()].sort((x, y) => x - y)) {
      const out = associate({ members: members.get(root)!, confirmed: confirmedByRoot.get(root) ?? [] }, ctx);
      if (out.greedy) this.greedyClusters++;
      for (const g of out.groups) {
        for (let x = 0; x < g.length; x++) {
          for (let y = x + 1; y < g.length; y++) hits.add(pairKey(tracks[g[x]!]!.id, tracks[g[y]!]!.id));
        }
      }
    }

    // Hysteresis: shift every pair's history, confirm the ones with enough hits.
    const mask = (1 << c.confirmWindow) - 1;
    for (const key of hits) if (!this.pairs.has(key)) this.pairs.set(key, { history: 0, confirmed: false, outside: 0 });
    for (const [key, st] of this.pairs) {
      st.history = ((st.history << 1) | (hits.has(key) ? 1 : 0)) & mask;
      if (!st.confirmed && popcount(st.history) >= c.confirmHits) st.confirmed = true;
      if (!st.confirmed && st.history === 0) this.pairs.delete(key);
    }

    return this.publish(tracks, indexOf, (i, j) => gatedMap.get(i * n + j));
  }

  /** Fuses every connected set of confirmed pairs and diffs it against the last scan's output. */
  private publish(
    tracks: readonly Prepared[],
    indexOf: ReadonlyMap<string, number>,
    gated: (i: number, j: number) => Separation | undefined,
  ): FusionChange[] {
    const c = this.config;
    const confirmed: [number, number, PairState][] = [];
    for (const [key, st] of this.pairs) {
      if (!st.confirmed) continue;
      const [a, b] = key.split(' ') as [string, string];
      const i = indexOf.get(a)!;
      const j = indexOf.get(b)!;
      confirmed.push([Math.min(i, j), Math.max(i, j), st]);
    }
    confirmed.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    // Each confirmed pair under its lower index, so a group finds its pairs without a full pass.
    const pairsOf = new Map<number, [number, number, PairState][]>();
    for (const p of confirmed) {
      const list = pairsOf.get(p[0]);
      if (list) list.push(p);
      else pairsOf.set(p[0], [p]);
    }
    const next = new Map<EntityId, FusedTrack>();
    for (const group of confirmedGroups(
      tracks,
      confirmed.map(([i, j]) => [i, j]),
    )) {
      const members = group.map((i) => tracks[i]!);
      const sources = members.map((m) => m.id);
      // Confidence: persistence (the weakest pair's share of recent scans associated) × agreement
      // (1 at coincidence, 0 at the split gate, where the pair starts counting towards a split).
      let persistence = 1;
      let worst = 0;
      let time = -Infinity;
      for (const k of group) {
        if (tracks[k]!.time > time) time = tracks[k]!.time;
        for (const [i, j, st] of pairsOf.get(k) ?? []) {
          // A pair the defensive rule of confirmedGroups left out joins two groups: not this one's.
          if (!group.includes(j)) continue;
          persistence = Math.min(persistence, popcount(st.history) / c.confirmWindow);
          worst = Math.max(worst, (gated(i, j) ?? separation(tracks[i]!, tracks[j]!)).d2);
        }
      }
      const agreement = Math.max(0, 1 - worst / c.splitChi2);
      const id = fusedId(sources);
      next.set(id, {
        id,
        time,
        fusion: { sources, position: fuseGroup(members), confidence: round(persistence * agreement, 3) },
      });
    }
    const sorted = new Map([...next].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    const changes: FusionChange[] = [];
    const ids = [...new Set([...this.published.keys(), ...sorted.keys()])].sort();
    for (const id of ids) {
      const before = this.published.get(id);
      const after = sorted.get(id);
      if (after === undefined) changes.push({ type: 'removed', id });
      else if (before === undefined) changes.push({ type: 'created', track: after });
      else if (!sameTrack(before, after)) changes.push({ type: 'updated', track: after });
    }
    this.published = sorted;
    return changes;
  }
}

function prepare(t: SourceTrack, defaultSigmaM: number): Prepared {
  const cov = covarianceOf(t.position, defaultSigmaM);
  return {
    id: t.id,
    sensorId: t.sensorId,
    time: t.time,
    lat: Math.max(-90, Math.min(90, t.position.lat)),
    lon: wrapLon(t.position.lon),
    alt: t.position.alt,
    cov,
    maxVar: maxEigen(cov),
  };
}

/**
 * Connected sets of confirmed pairs (given i < j, in order), skipping any pair that would put two
 * tracks of one sensor in one set: association never builds such a set, but a defensive rule that
 * depends only on the order of the pairs keeps the output well defined.
 */
function confirmedGroups(tracks: readonly Prepared[], confirmed: readonly (readonly [number, number])[]): number[][] {
  const groups = new Map<number, number[]>();
  const groupOf = new Map<number, number[]>();
  for (const [i, j] of confirmed) {
    const gi = groupOf.get(i) ?? [i];
    const gj = groupOf.get(j) ?? [j];
    if (gi === gj) continue;
    const sensors = new Set(gi.map((k) => tracks[k]!.sensorId));
    if (gj.some((k) => sensors.has(tracks[k]!.sensorId))) continue;
    const merged = [...gi, ...gj].sort((x, y) => x - y);
    for (const k of merged) groupOf.set(k, merged);
    groups.delete(gi[0]!);
    groups.delete(gj[0]!);
    groups.set(merged[0]!, merged);
  }
  return [...groups.values()].sort((x, y) => x[0]! - y[0]!);
}

function sameTrack(a: FusedTrack, b: FusedTrack): boolean {
  const p = a.fusion.position;
  const q = b.fusion.position;
  return (
    a.time === b.time &&
    a.fusion.confidence === b.fusion.confidence &&
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
