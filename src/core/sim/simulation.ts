import { mulberry32 } from '../random/mulberry32';
import { SIM_MAX_HZ, SIM_MAX_TRACKS } from './limits';
import type { LatLon } from './geo';
import { normalSource, streamSeed } from './normal';
import { eoReport, radarReport, type SensorReport, type SensorSite } from './sensors';
import { Target } from './target';

/**
 * The seeded simulation the node drives: targets moving on a fixed time grid, and an EO sensor and
 * a radar that each follow the first `tracks` of them at `hz` reports per second per track. Track
 * n's reports are staggered by n/tracks of a period, so 1,000 tracks at 1 Hz arrive as a steady
 * stream, not one burst a second. Every random draw comes from a stream seeded by (seed, target or
 * sensor, track), so the same seed gives the same targets, motion and noise however often
 * advance() is called.
 */
export interface SensorConfig {
  readonly tracks: number;
  readonly hz: number;
  readonly sensorId?: string;
  /** Where the sensor stands; default the defended point. */
  readonly site?: LatLon;
}

export interface SimulationConfig {
  readonly seed: number;
  /** Epoch ms the simulation starts at. */
  readonly start: number;
  readonly defended: LatLon;
  readonly eo?: SensorConfig;
  readonly radar?: SensorConfig;
}

/** Ground truth of one target (`east`, `north`: velocity in m/s). */
export interface Truth {
  readonly id: string;
  readonly lat: number;
  readonly lon: number;
  readonly alt: number;
  readonly east: number;
  readonly north: number;
  readonly time: number;
}

interface Sensor {
  readonly type: 'eo' | 'radar';
  readonly site: SensorSite;
  readonly tracks: number;
  readonly periodMs: number;
  /** Per track: index of the next report. */
  readonly next: number[];
  readonly normal: (() => number)[];
  readonly uniform: (() => number)[];
}

export class Simulation {
  readonly targets: Target[];
  private readonly sensors: Sensor[] = [];
  private now: number;

  constructor(readonly config: SimulationConfig) {
    const { seed, start, defended, eo, radar } = config;
    const count = Math.max(eo?.tracks ?? 0, radar?.tracks ?? 0);
    this.targets = Array.from({ length: count }, (_, i) => new Target(i, seed, start, defended));
    this.now = start;
    if (eo) this.sensors.push(sensor('eo', 0, eo, config));
    if (radar) this.sensors.push(sensor('radar', 1, radar, config));
  }

  /** Moves the world to `now` (ms) and returns every report due since the last call, in time order. */
  advance(now: number): SensorReport[] {
    if (now < this.now) return [];
    const reports: SensorReport[] = [];
    // Target by target, every sensor's due reports in time order, so the target only moves forward.
    this.targets.forEach((target, n) => {
      const due: { s: Sensor; t: number }[] = [];
      for (const s of this.sensors) {
        if (n >= s.tracks) continue;
        for (;;) {
          const t = this.reportTime(s, n, s.next[n]!);
          if (t > now) break;
          s.next[n]!++;
          due.push({ s, t });
        }
      }
      due.sort((a, b) => a.t - b.t);
      for (const { s, t } of due) {
        target.advanceTo(t);
        const truth = target.at(t);
        reports.push(
          s.type === 'eo'
            ? eoReport(s.site, target, truth, t, s.normal[n]!, s.uniform[n]!)
            : radarReport(s.site, target, truth, t, s.normal[n]!),
        );
      }
    });
    for (const t of this.targets) t.advanceTo(now);
    this.now = now;
    return reports.sort((a, b) => a.time - b.time);
  }

  private reportTime(s: Sensor, n: number, k: number): number {
    return this.config.start + Math.round(k * s.periodMs + (n * s.periodMs) / s.tracks);
  }

  /** Every target's true state at the simulation's current time. */
  truth(): Truth[] {
    return this.targets.map((t) => {
      const s = t.at(this.now);
      const v = t.velocity();
      return { id: t.id, lat: s.lat, lon: s.lon, alt: s.alt, east: v.east, north: v.north, time: this.now };
    });
  }
}

function sensor(type: 'eo' | 'radar', index: number, c: SensorConfig, config: SimulationConfig): Sensor {
  if (!Number.isInteger(c.tracks) || c.tracks < 0 || c.tracks > SIM_MAX_TRACKS) {
    throw new RangeError(`${type}.tracks must be an integer in [0, ${SIM_MAX_TRACKS}], got ${c.tracks}`);
  }
  if (!(c.hz > 0 && c.hz <= SIM_MAX_HZ)) throw new RangeError(`${type}.hz must be in (0, ${SIM_MAX_HZ}], got ${c.hz}`);
  const site = { ...(c.site ?? config.defended), sensorId: c.sensorId ?? `sim-${type}` };
  const streams = Array.from({ length: c.tracks }, (_, n) => mulberry32(streamSeed(config.seed, 2 + index, n)));
  return {
    type,
    site,
    tracks: c.tracks,
    periodMs: 1_000 / c.hz,
    next: new Array<number>(c.tracks).fill(0),
    normal: streams.map((u) => normalSource(u)),
    uniform: streams,
  };
}
