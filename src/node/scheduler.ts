/**
 * The timer port the host hands the node: run `fn` once after `ms`; the returned function cancels
 * it. The worker passes setTimeout, tests a manual clock, so nothing in src/node keeps a timer of
 * its own and a test decides exactly when each tick runs.
 */
export interface Scheduler {
  after(ms: number, fn: () => void): () => void;
  /**
   * Runs `fn` in a later task of low priority, after the host's other ready work (a peer's frame,
   * a storage completion, a timer) where the host can rank tasks (the worker: `scheduler.postTask`
   * at 'background'); absent, the caller uses `after(0, fn)`. For the parts of bulk work (the
   * simulator's writes), so that the approval gate's steps never queue behind them
   * (docs/c2-pipeline.md, "The priority lane").
   */
  background?(fn: () => void): void;
  /**
   * Runs `fn` in a later task at the host's normal priority, without the delay a timer set from a
   * timer gets (browsers clamp setTimeout to 4 ms from the fifth nested one): for work cut into
   * many tasks in a row, such as a peer's large frame merged in parts. Absent, the caller uses
   * `after(0, fn)`.
   */
  soon?(fn: () => void): void;
}

/**
 * The longest a part of bulk work waits for a background task: a host busy all the time never runs
 * one, and the simulator, which waits for each tick before the next, would stop instead of slowing.
 */
export const BULK_TASK_WAIT_MS = 250;

/**
 * A later task for the next part of bulk work: the host's background priority where it has one,
 * but no later than BULK_TASK_WAIT_MS.
 */
export function nextBulkTask(scheduler: Scheduler): Promise<void> {
  return new Promise<void>((resolve) => {
    if (scheduler.background === undefined) {
      scheduler.after(0, resolve);
      return;
    }
    const cancel = scheduler.after(BULK_TASK_WAIT_MS, resolve);
    scheduler.background(() => {
      cancel();
      resolve();
    });
  });
}

/**
 * A later task at the host's normal priority (`soon`, else a zero timer): for a slice of work the
 * node must not postpone behind a busy host (the classifier's), yet must not hold the thread whole
 * either; ready tasks queued before it (a peer's frame, a storage completion) run first.
 */
export function nextTask(scheduler: Scheduler): Promise<void> {
  return new Promise<void>((resolve) => {
    if (scheduler.soon === undefined) scheduler.after(0, resolve);
    else scheduler.soon(resolve);
  });
}
