/**
 * Every benchmark scenario, one module per docs/performance.md row. A scenario module is a script:
 * run alone (`node --expose-gc --import tsx bench/<file>`), it measures, then saves its
 * ScenarioResult with `await saveResult(result)` (bench/lib/save.ts; shape in bench/lib/result.ts).
 * Add new scenarios here; docs/benchmarks.md then shows them too.
 */
export interface ScenarioModule {
  readonly id: string;
  readonly file: string;
  /** Extra node flags, e.g. a larger heap. */
  readonly nodeArgs?: readonly string[];
}

export const SCENARIOS: readonly ScenarioModule[] = [
  { id: 's1', file: 's1-merge-throughput.ts', nodeArgs: ['--max-old-space-size=6144'] },
  { id: 's2', file: 's2-wire-bytes.ts' },
  { id: 's3', file: 's3-budgeter.ts' },
  { id: 's3-node', file: 's3-node.ts' },
  { id: 's4', file: 's4-anti-entropy.ts' },
  { id: 's5', file: 's5-idb.ts' },
  { id: 's6', file: 's6-map-frame.ts' },
  { id: 's6-write-many', file: 's6-write-many.ts' },
  { id: 's7', file: 's7-webrtc-throughput.ts' },
  { id: 's8', file: 's8-mesh-convergence.ts' },
  { id: 's9', file: 's9-fusion.ts', nodeArgs: ['--max-old-space-size=6144'] },
  { id: 's10', file: 's10-memory.ts', nodeArgs: ['--max-old-space-size=6144'] },
  { id: 's11', file: 's11-end-to-end-latency.ts' },
  { id: 's12', file: 's12-c2-pipeline.ts' },
  { id: 's12-flood', file: 's12-flood.ts' },
  { id: 's13', file: 's13-signatures.ts' },
];
