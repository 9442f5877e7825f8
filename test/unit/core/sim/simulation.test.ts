/** The seeded simulator: determinism, plausible motion, sensor noise as stated, valid writes anywhere on Earth. */
import { describe, expect, it } from 'vitest';
import { validateComponent } from '../../../../src/core/entity/validate-component';
import { bearingDistance, destination, wrapAngle } from '../../../../src/core/sim/geo';
import { normalSource } from '../../../../src/core/sim/normal';
import { SIM_MAX_HZ, SIM_MAX_TRACKS } from '../../../../src/core/sim/limits';
import { EO, RADAR, eoReport, radarReport } from '../../../../src/core/sim/sensors';
import { Simulation, type SimulationConfig } from '../../../../src/core/sim/simulation';
import { Target } from '../../../../src/core/sim/target';
import { mulberry32 } from '../../../../src/core/random/mulberry32';

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
console.log(`simulation seed ${seed}; replay with SEED=${seed}`);
const START = 1_700_000_000_000;
const DEFENDED = { lat: 52.37, lon: 4.89 };
const config = (over: Partial<SimulationConfig> = {}): SimulationConfig => ({
  seed,
  start: START,
  defended: DEFENDED,
  eo: { tracks: 20, hz: 2 },
  radar: { tracks: 30, hz: 1 },
  ...over,
});

describe('determinism', () => {
  it('the same seed gives the same reports and truth, however advance() is called', () => {
    const a = new Simulation(config());
    const b = new Simulation(config());
    const ra = a.advance(START + 120_000);
    const rb = [];
    for (let t = START; t <= START + 120_000; t += 777) rb.push(...b.advance(t));
    rb.push(...b.advance(START + 120_000));
    expect(rb).toEqual(ra);
    expect(b.truth()).toEqual(a.truth());
    // Track 0 reports at 0 and 120 s; the others, staggered later, once fewer.
    expect(ra.length).toBe(121 + 29 * 120 + 241 + 19 * 240);
  });

  it('a different seed gives a different world', () => {
    const a = new Simulation(config()).advance(START + 10_000);
    const b = new Simulation(config({ seed: seed + 1 })).advance(START + 10_000);
    expect(b).not.toEqual(a);
  });

  it('reports are staggered across the period and in time order', () => {
    const r = new Simulation(config({ eo: undefined, radar: { tracks: 4, hz: 1 } })).advance(START + 999);
    expect(r.map((x) => x.time - START)).toEqual([0, 250, 500, 750]);
  });

  it('refuses nonsense rates and counts', () => {
    expect(() => new Simulation(config({ eo: { tracks: 1, hz: 0 } }))).toThrow(RangeError);
    expect(() => new Simulation(config({ radar: { tracks: -1, hz: 1 } }))).toThrow(RangeError);
    // The bounds the handle and the controls offer (src/core/sim/limits.ts), not looser ones of its own.
    expect(() => new Simulation(config({ eo: { tracks: 1, hz: SIM_MAX_HZ + 1 } }))).toThrow(RangeError);
    expect(() => new Simulation(config({ eo: { tracks: SIM_MAX_TRACKS + 1, hz: 1 } }))).toThrow(RangeError);
    expect(() => new Simulation(config({ eo: { tracks: 1, hz: SIM_MAX_HZ } }))).not.toThrow();
  });
});

describe('motion', () => {
  it('is plausible: constant speed within the platform limits, heading changing no faster than the turn limit', () => {
    const sim = new Simulation(config({ eo: { tracks: 40, hz: 1 }, radar: undefined }));
    let prev = sim.truth();
    let turning = 0;
    const bad: string[] = [];
    for (let k = 1; k <= 600; k++) {
      sim.advance(START + k * 1_000);
      const now = sim.truth();
      now.forEach((t, i) => {
        const p = prev[i]!;
        const target = sim.targets[i]!;
        const { distance } = bearingDistance(p, t);
        // Distance over 1 s equals the speed (the path curves a little in a turn).
        if (distance < target.speed * 0.98 || distance > target.speed * 1.001 + 1e-6 || target.speed > 250) {
          bad.push(`${t.id} at ${k} s: moved ${distance} m at speed ${target.speed}`);
        }
        const dHeading = Math.abs(wrapAngle(Math.atan2(t.east, t.north) - Math.atan2(p.east, p.north)));
        if (dHeading > target.maxTurn + 1e-3) bad.push(`${t.id} at ${k} s: turned ${dHeading} rad in 1 s`);
        if (dHeading > 1e-3) turning++;
      });
      prev = now;
    }
    expect(bad).toEqual([]);
    expect(turning, 'no target ever turned: legs are not happening').toBeGreaterThan(100);
  });

  it('inbound targets close on the defended point and later turn away', () => {
    const sim = new Simulation(config({ eo: { tracks: 30, hz: 1 }, radar: undefined }));
    const inbound = sim.targets.filter((t) => t.role === 'inbound');
    expect(inbound.length).toBeGreaterThan(3);
    const ranges = new Map<string, number[]>();
    // An hour: each inbound target turns away 3-10 km out, some only after a long approach.
    for (let k = 0; k <= 3_600; k += 10) {
      sim.advance(START + k * 1_000);
      for (const t of sim.truth()) {
        const r = ranges.get(t.id) ?? [];
        r.push(bearingDistance(DEFENDED, t).distance);
        ranges.set(t.id, r);
      }
    }
    let closed = 0;
    let closedThenOpened = 0;
    for (const t of inbound) {
      const r = ranges.get(t.id)!;
      const min = Math.min(...r);
      const iMin = r.indexOf(min);
      if (r[0]! - min > 5_000) closed++;
      if (r[0]! - min > 5_000 && Math.max(...r.slice(iMin)) - min > 2_000) closedThenOpened++;
    }
    // Every inbound target closes; over 59 seeds at least half had also turned away within the hour,
    // so a quarter leaves room for any seed while still failing a simulator that never turns.
    expect(closed).toBe(inbound.length);
    expect(closedThenOpened).toBeGreaterThanOrEqual(inbound.length / 4);
  });

  it('stays finite and valid near the pole and across the antimeridian', () => {
    for (const defended of [
      { lat: 89.95, lon: 179.98 },
      { lat: -89.99, lon: -179.99 },
      { lat: 0, lon: 180 },
    ]) {
      const sim = new Simulation(config({ defended, eo: { tracks: 25, hz: 1 }, radar: { tracks: 25, hz: 1 } }));
      const bad: unknown[] = [];
      for (let k = 0; k <= 900; k += 30) {
        // validateComponent throws on anything the store would refuse (NaN, lat/lon out of range, ...).
        for (const r of sim.advance(START + k * 1_000)) {
          for (const [kind, value] of Object.entries(r.components)) validateComponent(kind, value);
        }
        for (const t of sim.truth()) {
          const finite = [t.lat, t.lon, t.alt, t.east, t.north].every(Number.isFinite);
          if (!finite || Math.abs(t.lat) > 90 || t.lon < -180 || t.lon >= 180) bad.push(t);
        }
      }
      expect(bad).toEqual([]);
    }
  });

  it('a great-circle step lands where bearing and distance say it does', () => {
    const p = destination(DEFENDED, 1, 10_000);
    const back = bearingDistance(DEFENDED, p);
    expect(back.distance).toBeCloseTo(10_000, 3);
    expect(back.bearing).toBeCloseTo(1, 9);
  });
});

describe('sensor models', () => {
  it('every report is a valid set of component writes tagged with its source', () => {
    const reports = new Simulation(config()).advance(START + 30_000);
    for (const r of reports) {
      for (const [kind, value] of Object.entries(r.components)) expect(validateComponent(kind, value)).toEqual(value);
      expect(r.components.source.sensorId).toBe(r.entity.split('.')[0]);
    }
    const eo = reports.filter((r) => r.components.source.sensorType === 'eo');
    expect(eo.some((r) => r.components.cue !== undefined)).toBe(true);
    expect(eo.every((r) => r.components.velocity !== undefined)).toBe(true);
    const radar = reports.filter((r) => r.components.source.sensorType === 'radar');
    expect(radar.every((r) => r.components.velocity === undefined && r.components.cue === undefined)).toBe(true);
    expect(radar.every((r) => r.components.position.covariance !== undefined)).toBe(true);
  });

  const target = new Target(0, seed, START, DEFENDED);
  const truth = target.state;
  const site = { ...destination(truth, 0.7, 12_000), sensorId: 'test' };
  const N = 4_000;

  it('EO position error has the stated sigma per axis and no bias', () => {
    const normal = normalSource(mulberry32(seed));
    const uniform = mulberry32(seed + 1);
    const errs = Array.from({ length: N }, () => {
      const r = eoReport(site, target, truth, START, normal, uniform).components.position;
      const { bearing, distance } = bearingDistance(truth, r);
      return [distance * Math.cos(bearing), distance * Math.sin(bearing)] as const;
    });
    for (const axis of [0, 1]) {
      const xs = errs.map((e) => e[axis]);
      const mean = xs.reduce((a, b) => a + b, 0) / N;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1));
      expect(Math.abs(mean)).toBeLessThan((4 * EO.sigmaPos) / Math.sqrt(N));
      expect(sd / EO.sigmaPos).toBeGreaterThan(0.93);
      expect(sd / EO.sigmaPos).toBeLessThan(1.07);
    }
  });

  it('radar error matches its reported covariance (mean squared Mahalanobis distance ≈ 2)', () => {
    const normal = normalSource(mulberry32(seed));
    let sum = 0;
    let alongRange = 0;
    for (let i = 0; i < N; i++) {
      const p = radarReport(site, target, truth, START, normal).components.position;
      const [vn, cne, ve] = p.covariance!;
      const { bearing, distance } = bearingDistance(truth, p);
      const n = distance * Math.cos(bearing);
      const e = distance * Math.sin(bearing);
      const det = vn * ve - cne * cne;
      sum += (ve * n * n - 2 * cne * n * e + vn * e * e) / det;
      const los = bearingDistance(site, truth).bearing;
      alongRange += (n * Math.cos(los) + e * Math.sin(los)) ** 2;
    }
    expect(sum / N).toBeGreaterThan(1.85);
    expect(sum / N).toBeLessThan(2.15);
    expect(Math.sqrt(alongRange / N) / RADAR.sigmaRange).toBeGreaterThan(0.93);
    expect(Math.sqrt(alongRange / N) / RADAR.sigmaRange).toBeLessThan(1.07);
  });

  it('EO cues fade with range and vanish beyond the cue range', () => {
    const normal = normalSource(mulberry32(seed));
    const u = mulberry32(seed);
    const near = eoReport({ ...destination(truth, 0, 1_000), sensorId: 's' }, target, truth, START, normal, () => 0.5);
    const far = eoReport({ ...destination(truth, 0, EO.cueRange + 1), sensorId: 's' }, target, truth, START, normal, u);
    expect(near.components.cue).toMatchObject({ disposition: target.identity.disposition });
    expect(near.components.cue!.confidence).toBeGreaterThan(0.9);
    expect(far.components.cue).toBeUndefined();
  });
});
