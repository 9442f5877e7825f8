import type { SourceTrack } from '../../src/core/fusion/types';
import type { EntityId } from '../../src/core/ids';
import { offset } from '../../src/core/sim/geo';
import { normalSource, streamSeed } from '../../src/core/sim/normal';
import { radarCovariance } from '../../src/core/sim/sensors';
import { prng } from './prng';

/**
 * Scenario 9's workload (bench/s9-fusion.ts, and bench/profile-s9.ts which profiles it): n objects
 * spread uniformly at one per km² (a square of √n km a side around 52.37° N, 4.89° E), each seen
 * by an EO-like sensor (σ 5 m, `accuracy`) and a radar-like one (the simulator's radar covariance:
 * 30 m in range, 2 mrad in bearing from the square's centre).
 */
export const S9_SEED = 0x5eed_0009;
const CENTRE = { lat: 52.37, lon: 4.89 };

export interface FusionWorld {
  readonly objects: { readonly lat: number; readonly lon: number; readonly bearing: number; readonly range: number }[];
  readonly normal: () => number;
}

export function fusionWorld(n: number): FusionWorld {
  const rand = prng(streamSeed(S9_SEED, n));
  const side = Math.sqrt(n) * 1000;
  const objects = Array.from({ length: n }, () => {
    const east = (rand() - 0.5) * side;
    const north = (rand() - 0.5) * side;
    const p = offset(CENTRE, east, north);
    return { lat: p.lat, lon: p.lon, bearing: Math.atan2(east, north), range: Math.hypot(east, north) };
  });
  return { objects, normal: normalSource(prng(streamSeed(S9_SEED, n, 1))) };
}

/** Both sensors' reports of every object at time t. */
export function fusionReports(w: FusionWorld, t: number): SourceTrack[] {
  const out: SourceTrack[] = [];
  w.objects.forEach((o, i) => {
    const e = offset(o, 5 * w.normal(), 5 * w.normal());
    out.push({
      id: `eo.${i}` as EntityId,
      sensorId: 'eo',
      sensorType: 'eo',
      time: t,
      position: { lat: e.lat, lon: e.lon, accuracy: 5 },
    });
    const cov = radarCovariance(o.bearing, o.range);
    const zr = 30 * w.normal();
    const zc = Math.max(o.range, 1) * 0.002 * w.normal();
    const [s, c] = [Math.sin(o.bearing), Math.cos(o.bearing)];
    const r = offset(o, zr * s + zc * c, zr * c - zc * s);
    out.push({
      id: `radar.${i}` as EntityId,
      sensorId: 'radar',
      sensorType: 'radar',
      time: t,
      position: { lat: r.lat, lon: r.lon, covariance: cov },
    });
  });
  return out;
}
