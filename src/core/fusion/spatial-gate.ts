import KDBush from 'kdbush';
import { EARTH_RADIUS_M } from '../sim/geo';
import { separation, within, type GateLimits, type Separation } from './gate';
import type { Prepared } from './prepared';

/** A gated pair of tracks of different sensors, by index into the scan's sorted tracks, i < j. */
export interface GatedPair {
  readonly i: number;
  readonly j: number;
  readonly sep: Separation;
}

const DEG = 180 / Math.PI;

/**
 * Every pair of tracks of different sensors inside the gate. A kd-tree (kdbush) over (lon, lat)
 * degrees is built once per scan, O(n log n); each track then asks for the box that bounds its
 * gate circle, O(log n + k). The box is widened in longitude by 1/cos(latitude) at the box's
 * poleward edge, split in two across the antimeridian, and becomes the whole band of longitudes
 * when it reaches a pole, so no partner within the gate is missed anywhere on Earth. The metric
 * gate bound for a track is √χ² × √(its largest variance + the largest in the scan), capped by the
 * gate in metres. Only the tracks not of the most numerous sensor ask (pairs within one sensor are
 * never wanted), which halves the queries for two sensors.
 */
export function gatedPairs(tracks: readonly Prepared[], gate: GateLimits): GatedPair[] {
  const n = tracks.length;
  if (n < 2) return [];
  const index = new KDBush(n);
  let maxVar = 0;
  const counts = new Map<string, number>();
  for (const t of tracks) {
    index.add(t.lon, t.lat);
    if (t.maxVar > maxVar) maxVar = t.maxVar;
    counts.set(t.sensorId, (counts.get(t.sensorId) ?? 0) + 1);
  }
  index.finish();
  // The most numerous sensor (ties: the smallest id, so the choice does not depend on arrival order).
  let skip = '';
  let most = -1;
  for (const [id, c] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (c > most) [skip, most] = [id, c];
  }
  const dedupe = counts.size > 2;
  const found = new Set<number>();
  const out: GatedPair[] = [];
  const consider = (i: number, j: number): void => {
    if (i === j) return;
    const a = Math.min(i, j);
    const b = Math.max(i, j);
    const ta = tracks[a]!;
    const tb = tracks[b]!;
    if (ta.sensorId === tb.sensorId) return;
    if (dedupe) {
      // With three or more sensors two askers can find one pair; with two, only one side asks.
      const key = a * n + b;
      if (found.has(key)) return;
      found.add(key);
    }
    const sep = separation(ta, tb);
    if (within(sep, gate)) out.push({ i: a, j: b, sep });
  };
  tracks.forEach((t, i) => {
    if (t.sensorId === skip) return;
    const radius = Math.min(gate.meters, Math.sqrt(gate.chi2 * (t.maxVar + maxVar)));
    for (const j of query(index, t.lat, t.lon, radius)) consider(i, j);
  });
  out.sort((x, y) => x.i - y.i || x.j - y.j);
  return out;
}

function query(index: KDBush, lat: number, lon: number, radius: number): number[] {
  // A little slack for the sphere-vs-box arithmetic.
  const dLat = (radius / EARTH_RADIUS_M) * DEG * 1.001 + 1e-9;
  const minLat = lat - dLat;
  const maxLat = lat + dLat;
  const edge = Math.min(90, Math.max(Math.abs(minLat), Math.abs(maxLat)));
  const cosEdge = Math.cos(edge / DEG);
  const dLon = cosEdge <= 0 ? Infinity : dLat / cosEdge;
  if (maxLat >= 90 || minLat <= -90 || dLon >= 180) return index.range(-180, minLat, 180, maxLat);
  const ids = index.range(lon - dLon, minLat, lon + dLon, maxLat);
  if (lon - dLon < -180) ids.push(...index.range(lon - dLon + 360, minLat, 180, maxLat));
  if (lon + dLon > 180) ids.push(...index.range(-180, minLat, lon + dLon - 360, maxLat));
  return ids;
}
