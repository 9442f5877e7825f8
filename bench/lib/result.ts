/**
 * The shape every scenario writes into bench/results/latest.json; docs/benchmarks.md is rendered
 * from it (report.ts). A scenario adds itself by emitting one ScenarioResult (see save.ts).
 */
export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every run's value, in run order. */
  readonly runs: readonly number[];
}

export interface Target {
  /** As docs/performance.md states it, e.g. "≥ 2M/s". */
  readonly text: string;
  readonly value: number;
}

export interface Row {
  /** What was measured, e.g. "100k writes — decode + merge". */
  readonly case: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  /** Absent when we have no figure of our own for the case (a peer-only row). */
  readonly ours?: Stat;
  /** Peer name → its figure for the same case in the same run; null when the peer was not run. */
  readonly peers?: Readonly<Record<string, Stat | null>>;
  readonly target?: Target;
  readonly note?: string;
}

export interface ScenarioResult {
  readonly id: string;
  /** The row number in docs/performance.md. */
  readonly scenario: number;
  readonly title: string;
  /** docs/performance.md's target column. */
  readonly target: string;
  /** docs/performance.md's reference-figures column, shortened, with sources. */
  readonly reference: string;
  readonly quick: boolean;
  readonly runs: number;
  /** Peer column order. */
  readonly peers: readonly string[];
  readonly rows: readonly Row[];
  /** Markdown paragraphs rendered under the table. */
  readonly notes: readonly string[];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: Machine;
}

export interface Machine {
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly platform: string;
  readonly totalMemGiB: number;
  /** 1-minute load average when the scenario started: a busy machine slows every figure. */
  readonly loadAvg: number;
}

export interface LatestResults {
  readonly updatedAt: string;
  readonly scenarios: Readonly<Record<string, ScenarioResult>>;
}
