/**
 * The timer port the host hands the node: run `fn` once after `ms`; the returned function cancels
 * it. The worker passes setTimeout, tests a manual clock, so nothing in src/node keeps a timer of
 * its own and a test decides exactly when each tick runs.
 */
export interface Scheduler {
  after(ms: number, fn: () => void): () => void;
}
