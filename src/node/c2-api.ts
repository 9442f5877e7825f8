import type { Truth } from '../core/sim/simulation';

/** One simulated sensor as the handle starts it: how many targets it follows, at how many reports per second each. */
export interface SimulatedSensor {
  readonly tracks: number;
  readonly hz: number;
}

/** `simulate()`'s argument (fixed names, see the README's "Automation handle"). */
export interface SimulateOptions {
  readonly eo?: SimulatedSensor;
  readonly radar?: SimulatedSensor;
  /** Same seed, same targets, motion and noise; default: derived from the start time. */
  readonly seed?: number;
}

/** What the simulation runs now (NodeInfo.simulation): the sensors and the seed it was started with. */
export interface SimulationView {
  readonly running: boolean;
  readonly eo?: SimulatedSensor;
  readonly radar?: SimulatedSensor;
  /** The seed in use (the one given, or the one derived from the start time); absent before any start. */
  readonly seed?: number;
}

/** A simulated target's true state (`east`, `north`: velocity in m/s; `time`: epoch ms). */
export type TruthView = Truth;

export interface FusionSettings {
  readonly enabled: boolean;
  /**
   * Hard cap on the distance of an association, metres (the split distance is twice it). Left out
   * of setFusion, the gate in force stays (turning fusion off and on keeps a gate set before).
   */
  readonly gateMeters?: number;
}

export interface FusionStatsView {
  /** Fused entities shown now. */
  readonly fused: number;
  /** Source tracks inside them. */
  readonly sources: number;
  /** How long the last scan took, ms. */
  readonly lastScanMs: number;
  /**
   * Gate queries of the last scan that were limited: their box held a pile (no pair) or a crowd
   * (only the nearest measured); docs/fusion.md, "What a peer's tracks can cost".
   */
  readonly gateLimited: number;
  /** Source tracks left out of the last scan, stamped more than the lead ahead of fusion's clock. */
  readonly ahead: number;
}
