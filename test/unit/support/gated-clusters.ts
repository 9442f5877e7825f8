/**
 * A hostile fusion workload (docs/fusion.md, "What a peer's tracks can cost"): `clusters` clusters
 * 2 km apart, each of `side` EO and `side` radar tracks within 20 m of each other, so every EO of a
 * cluster is gated with every radar of it.
 */
import type { SourceTrack } from '../../../src/core/fusion/types';
import type { EntityId } from '../../../src/core/ids';
import { offset } from '../../../src/core/sim/geo';

export const CLUSTER_BASE = { lat: 52.37, lon: 4.89 };
export const CLUSTER_T0 = 1_700_000_000_000;

/** Ids are `<prefix><sensor>.c<cluster>.<k>`; `author`, when given, signs every track. */
export function gatedClusters(
  clusters: number,
  side: number,
  opts: { prefix?: string; author?: string } = {},
): SourceTrack[] {
  const out: SourceTrack[] = [];
  for (let c = 0; c < clusters; c++) {
    const cx = (c % 10) * 2_000;
    const cy = Math.floor(c / 10) * 2_000;
    for (let k = 0; k < side; k++) {
      for (const sensorId of ['eo', 'radar']) {
        const east = cx + (k % 12) * 1.7;
        const north = cy + Math.floor(k / 12) * 1.9 + (sensorId === 'eo' ? 0 : 0.5);
        const p = offset(CLUSTER_BASE, east, north);
        const id =
          `${opts.prefix ?? ''}${sensorId}.c${String(c).padStart(3, '0')}.${String(k).padStart(3, '0')}` as EntityId;
        const track: SourceTrack = {
          id,
          sensorId,
          time: CLUSTER_T0,
          position: { lat: p.lat, lon: p.lon, accuracy: 40 },
        };
        out.push(opts.author === undefined ? track : { ...track, author: opts.author });
      }
    }
  }
  return out;
}
