import type { NodeId } from '../core/ids';
import type { LatLon } from '../core/sim/geo';
import type { SensorReport } from '../core/sim/sensors';
import { Simulation, type Truth } from '../core/sim/simulation';
import type { SimulateOptions, SimulationView } from './c2-api';
import type { Scheduler } from './scheduler';

/** How often the runner advances the simulation: every report at ≤ 10 Hz still lands in its own tick. */
export const SIM_TICK_MS = 100;

/** How many characters of the node id a simulated sensor id carries (as "set by <node>" does). */
const NODE_TAG = 8;

/**
 * A simulated sensor's id on node `self` for the run with `seed`: `sim-eo-<node>-<seed>` (the node
 * id's first 8 characters, the seed in base 36), its tracks `<sensor id>.t<n>`. Two meshed nodes
 * simulating never write into each other's tracks, and a run with another seed never reuses a track
 * id that a request still pending from an earlier run names.
 */
export function simSensorId(type: 'eo' | 'radar', self: NodeId, seed: number): string {
  return `sim-${type}-${self.slice(0, NODE_TAG)}-${seed.toString(36)}`;
}

export interface SimulationRunnerDeps {
  /** The node the runner writes for: its id names the simulated sensors (simSensorId). */
  readonly self: NodeId;
  readonly now: () => number;
  readonly scheduler: Scheduler;
  readonly defended: LatLon;
  /** Writes one tick's reports through the node's local write path; resolves when they are durable. */
  readonly write: (reports: readonly SensorReport[]) => Promise<void>;
  readonly log: (message: string, detail?: unknown) => void;
}

/**
 * Drives the seeded simulation on the injected scheduler and writes each tick's reports (in parts
 * of at most SIM_WRITE_REPORTS, each in a later task: c2-pipeline.ts). While a burst is still being persisted the
 * next tick only reschedules: the simulation catches up on the following one and each track then
 * writes only its latest report, so a slow disk costs update rate, never an unbounded queue.
 */
export class SimulationRunner {
  private sim: Simulation | undefined;
  /** The sensors and seed of the last start (kept after stop, so the controls can offer them again). */
  private started: SimulateOptions | undefined;
  private cancel: (() => void) | undefined;
  private busy = false;

  constructor(private readonly deps: SimulationRunnerDeps) {}

  get running(): boolean {
    return this.cancel !== undefined;
  }

  start(options: SimulateOptions): void {
    this.stop();
    const start = this.deps.now();
    // No randomness of our own: without a seed the start time is one (truth() tells what it made).
    const seed = options.seed ?? start % 2 ** 32;
    this.started = { ...options, seed };
    this.sim = new Simulation({
      seed,
      start,
      defended: this.deps.defended,
      ...(options.eo ? { eo: { ...options.eo, sensorId: simSensorId('eo', this.deps.self, seed) } } : {}),
      ...(options.radar ? { radar: { ...options.radar, sensorId: simSensorId('radar', this.deps.self, seed) } } : {}),
    });
    this.arm();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** What runs (or ran last): for the simulator controls. */
  view(): SimulationView {
    return { running: this.running, ...this.started };
  }

  /** The targets' true state as of the last tick (kept after stop, empty before any start). */
  truth(): Truth[] {
    return this.sim?.truth() ?? [];
  }

  private arm(): void {
    this.cancel = this.deps.scheduler.after(SIM_TICK_MS, () => this.tick());
  }

  private tick(): void {
    const sim = this.sim;
    if (sim === undefined || this.cancel === undefined) return;
    this.arm();
    if (this.busy) return;
    const latest = new Map<string, SensorReport>();
    for (const r of sim.advance(this.deps.now())) latest.set(r.entity, r);
    if (latest.size === 0) return;
    this.busy = true;
    this.deps
      .write([...latest.values()])
      .catch((error: unknown) => this.deps.log('simulated reports were not written', error))
      .finally(() => {
        this.busy = false;
      });
  }
}
