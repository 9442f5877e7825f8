/**
 * Fusion against ground truth: the simulator's targets (src/core/sim) seen by its EO and radar
 * sensor models, reporting every target they follow once a second at the same instants, fused scan
 * by scan. The pictures are scored against the truth at each scan with OSPA (c = 100 m, p = 2).
 */
import { describe, expect, it } from 'vitest';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import { ospa } from '../../../../src/core/fusion/ospa';
import type { SourceTrack } from '../../../../src/core/fusion/types';
import { mulberry32 } from '../../../../src/core/random/mulberry32';
import { bearingDistance, offset, type LatLon } from '../../../../src/core/sim/geo';
import { normalSource, streamSeed } from '../../../../src/core/sim/normal';
import { eoReport, radarReport, type SensorReport, type SensorSite } from '../../../../src/core/sim/sensors';
import { Target } from '../../../../src/core/sim/target';

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
/** Every scenario runs on several worlds: the printed seed and the next ones. */
const SEEDS = [seed, seed + 1, seed + 2, seed + 3];
console.log(`fusion scenario seeds ${SEEDS.join(', ')}; replay with SEED=${seed}`);

const START = 1_700_000_000_000;
const DEFENDED = { lat: 52.37, lon: 4.89 };
const TARGETS = 30;
const SCANS = 90;
const WARM_UP = 5;
const C = 100;
const P = 2;

interface Sensor {
  readonly site: SensorSite;
  readonly kind: 'eo' | 'radar';
  /** It follows targets 0 .. follows - 1 (the simulator's `tracks`). */
  readonly follows: number;
  /** It reports each target as it was this long before the scan (its reports are that old). */
  readonly lagMs?: number;
}

interface Scored {
  readonly ospa: Record<string, number>;
  /** Mean distance to truth over (scan, target) seen by every sensor: per sensor and fused. */
  readonly error: Record<string, number>;
  /** Fused entities whose sources follow one target / all fused entities. */
  readonly purity: number;
  /** (scan, target) seen by every sensor that are fused / all such. */
  readonly completeness: number;
  /** Per sensor, the most the fused error exceeded that sensor's on one (scan, target) all see, m. */
  readonly maxExcess: Record<string, number>;
}

const dist = (a: LatLon, b: LatLon): number => bearingDistance(a, b).distance;
const truthOf = (id: string): string => id.slice(id.indexOf('.') + 1);

/**
 * `declareTypes` false gives the engine no sensor types, so every group is fused by covariance
 * intersection (the comparison printed beside the independent update's figures).
 */
function run(seed: number, sensors: readonly Sensor[], declareTypes = true): Scored {
  const targets = Array.from({ length: TARGETS }, (_, i) => new Target(i, seed, START, DEFENDED));
  const streams = sensors.map((_s, k) =>
    targets.map((_, n) => {
      const u = mulberry32(streamSeed(seed, 10 + k, n));
      return { uniform: u, normal: normalSource(u) };
    }),
  );
  const engine = new FusionEngine();
  const ospaSum: Record<string, number> = { fused: 0 };
  const errSum: Record<string, number> = { fused: 0 };
  for (const s of sensors) ospaSum[s.site.sensorId] = errSum[s.site.sensorId] = 0;
  let errCount = 0;
  let fusedTotal = 0;
  let pure = 0;
  let fusedSeen = 0;
  const maxExcess: Record<string, number> = {};
  for (const s of sensors) maxExcess[s.site.sensorId] = -Infinity;
  for (let k = 0; k < SCANS; k++) {
    const t = START + k * 1000;
    const truth = new Map<string, LatLon>();
    const reports: SensorReport[][] = sensors.map(() => []);
    // Sensors in order of their lag, longest first: a target only moves forward in time.
    const byLag = sensors.map((s, j) => ({ s, j, lag: s.lagMs ?? 0 })).sort((x, y) => y.lag - x.lag);
    targets.forEach((target, n) => {
      for (const { s, j, lag } of byLag) {
        if (n >= s.follows) continue;
        target.advanceTo(t - lag);
        const state = target.at(t - lag);
        const { normal, uniform } = streams[j]![n]!;
        reports[j]!.push(
          s.kind === 'eo'
            ? eoReport(s.site, target, state, t - lag, normal, uniform)
            : radarReport(s.site, target, state, t - lag, normal),
        );
      }
      target.advanceTo(t);
      truth.set(target.id, target.at(t));
    });
    for (const r of reports.flat()) {
      const track: SourceTrack = {
        id: r.entity,
        sensorId: r.components.source.sensorId,
        ...(declareTypes ? { sensorType: r.components.source.sensorType } : {}),
        time: r.time,
        position: r.components.position,
        ...(r.components.velocity ? { velocity: r.components.velocity } : {}),
      };
      engine.upsert(track);
    }
    engine.scan(t);
    if (k < WARM_UP) continue;
    const fused = engine.fused();
    const inFused = new Set(fused.flatMap((f) => f.fusion.sources));
    const picture: LatLon[] = [
      ...fused.map((f) => f.fusion.position),
      ...reports
        .flat()
        .filter((r) => !inFused.has(r.entity))
        .map((r) => r.components.position),
    ];
    const truthSet = [...truth.values()];
    ospaSum.fused! += ospa(picture, truthSet, dist, C, P).distance;
    sensors.forEach((s, j) => {
      ospaSum[s.site.sensorId]! += ospa(
        reports[j]!.map((r) => r.components.position),
        truthSet,
        dist,
        C,
        P,
      ).distance;
    });
    // Purity and localisation on targets every sensor sees.
    const fusedOf = new Map<string, (typeof fused)[number]>();
    for (const f of fused) {
      fusedTotal++;
      const ids = new Set(f.fusion.sources.map(truthOf));
      if (ids.size === 1) {
        pure++;
        fusedOf.set([...ids][0]!, f);
      }
    }
    const common = Math.min(...sensors.map((s) => s.follows));
    for (let n = 0; n < common; n++) {
      const id = `t${n}`;
      const f = fusedOf.get(id);
      if (!f || f.fusion.sources.length !== sensors.length) continue;
      fusedSeen++;
      const fusedError = dist(f.fusion.position, truth.get(id)!);
      errSum.fused! += fusedError;
      sensors.forEach((s, j) => {
        const e = dist(reports[j]![n]!.components.position, truth.get(id)!);
        errSum[s.site.sensorId]! += e;
        maxExcess[s.site.sensorId] = Math.max(maxExcess[s.site.sensorId]!, fusedError - e);
      });
      errCount++;
    }
  }
  const scored = SCANS - WARM_UP;
  const common = Math.min(...sensors.map((s) => s.follows));
  return {
    ospa: Object.fromEntries(Object.entries(ospaSum).map(([k, v]) => [k, v / scored])),
    error: Object.fromEntries(Object.entries(errSum).map(([k, v]) => [k, v / errCount])),
    purity: pure / fusedTotal,
    completeness: fusedSeen / (scored * common),
    maxExcess,
  };
}

const fmt = (r: Record<string, number>): string =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v.toFixed(2)} m`)
    .join(', ');

describe('fusion vs ground truth', () => {
  it('EO (follows 20 targets) + radar (follows 30): the fused picture beats either sensor alone', () => {
    for (const seed of SEEDS) {
      const r = run(seed, [
        { site: { ...DEFENDED, sensorId: 'sim-eo' }, kind: 'eo', follows: 20 },
        { site: { ...DEFENDED, sensorId: 'sim-radar' }, kind: 'radar', follows: 30 },
      ]);
      console.log(
        `seed ${seed}, EO + radar: mean OSPA(c ${C} m, p ${P}) ${fmt(r.ospa)}; mean error where both see: ${fmt(r.error)}; purity ${r.purity.toFixed(4)}, completeness ${r.completeness.toFixed(4)}`,
      );
      expect(r.ospa.fused, `seed ${seed}`).toBeLessThan(Math.min(r.ospa['sim-eo']!, r.ospa['sim-radar']!));
      // Where both see a target, the EO's and the radar's reports are independent measurements:
      // the information update gains over the EO even though it is better in every direction.
      expect(r.error.fused, `seed ${seed}`).toBeLessThan(r.error['sim-eo']!);
      expect(r.purity, `seed ${seed}`).toBeGreaterThanOrEqual(0.99);
      expect(r.completeness, `seed ${seed}`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('EO reporting 0.5 s before the radar: moved along its velocity to the radar`s time, fusion still beats either sensor', () => {
    for (const seed of SEEDS) {
      const r = run(seed, [
        { site: { ...DEFENDED, sensorId: 'sim-eo' }, kind: 'eo', follows: 20, lagMs: 500 },
        { site: { ...DEFENDED, sensorId: 'sim-radar' }, kind: 'radar', follows: 30 },
      ]);
      console.log(
        `seed ${seed}, EO 0.5 s early + radar: mean OSPA(c ${C} m, p ${P}) ${fmt(r.ospa)}; mean error where both see: ${fmt(r.error)}; purity ${r.purity.toFixed(4)}, completeness ${r.completeness.toFixed(4)}`,
      );
      expect(r.ospa.fused, `seed ${seed}`).toBeLessThan(Math.min(r.ospa['sim-eo']!, r.ospa['sim-radar']!));
      // The EO's reports are half a second old at the scan (up to 125 m for an aircraft); fused, it
      // is carried to the radar's time, which takes most of that lag off.
      expect(r.error.fused, `seed ${seed}`).toBeLessThan(0.5 * r.error['sim-eo']!);
      expect(r.purity, `seed ${seed}`).toBeGreaterThanOrEqual(0.99);
      expect(r.completeness, `seed ${seed}`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('EO and radar both follow all 30 targets (the EO dominates everywhere): fused strictly better than the EO, where CI only matches it', () => {
    for (const seed of SEEDS) {
      const sensors: Sensor[] = [
        { site: { ...DEFENDED, sensorId: 'sim-eo' }, kind: 'eo', follows: 30 },
        { site: { ...DEFENDED, sensorId: 'sim-radar' }, kind: 'radar', follows: 30 },
      ];
      const r = run(seed, sensors);
      const ci = run(seed, sensors, false);
      console.log(
        `seed ${seed}, EO + radar on all: mean OSPA(c ${C} m, p ${P}) ${fmt(r.ospa)}; mean error: ${fmt(r.error)}; by CI alone: OSPA ${ci.ospa.fused!.toFixed(2)} m, error ${ci.error.fused!.toFixed(2)} m; worst excess over the EO on one report ${r.maxExcess['sim-eo']!.toFixed(3)} m; purity ${r.purity.toFixed(4)}, completeness ${r.completeness.toFixed(4)}`,
      );
      // Independent measurements: the fused picture and the fused localisation are strictly better
      // than the better sensor's, although the EO is better than the radar in every direction
      // (a single report can still be worse: that report's radar error may have been the larger
      // draw; the worst such excess is printed).
      expect(r.ospa.fused, `seed ${seed}`).toBeLessThan(r.ospa['sim-eo']!);
      expect(r.error.fused, `seed ${seed}`).toBeLessThan(r.error['sim-eo']!);
      // Covariance intersection keeps the dominating EO whole: no gain, which is why it is kept only
      // where independence is not known (docs/fusion.md, "Fused state").
      expect(ci.error.fused, `seed ${seed}`).toBeGreaterThan(r.error.fused!);
      expect(ci.error.fused, `seed ${seed}`).toBeLessThanOrEqual(r.error['sim-eo']! + 0.01);
      expect(r.purity, `seed ${seed}`).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('two radars 30 km apart (crossed error ellipses): fusion localises better than either radar', () => {
    const east = offset(DEFENDED, 30_000, 0);
    for (const seed of SEEDS) {
      const r = run(seed, [
        { site: { ...DEFENDED, sensorId: 'radar-a' }, kind: 'radar', follows: 30 },
        { site: { ...east, sensorId: 'radar-b' }, kind: 'radar', follows: 30 },
      ]);
      console.log(
        `seed ${seed}, two radars: mean OSPA(c ${C} m, p ${P}) ${fmt(r.ospa)}; mean error: ${fmt(r.error)}; purity ${r.purity.toFixed(4)}, completeness ${r.completeness.toFixed(4)}`,
      );
      // One declared type: their correlation is unknown, so covariance intersection, which gains
      // over the better one where the ellipses cross, in localisation and in the picture.
      expect(r.error.fused, `seed ${seed}`).toBeLessThan(0.93 * Math.min(r.error['radar-a']!, r.error['radar-b']!));
      expect(r.ospa.fused, `seed ${seed}`).toBeLessThan(Math.min(r.ospa['radar-a']!, r.ospa['radar-b']!));
      expect(r.purity, `seed ${seed}`).toBeGreaterThanOrEqual(0.99);
    }
  });
});
