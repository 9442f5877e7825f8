/**
 * The next part of bulk work (src/node/scheduler.ts): a background task where the host ranks
 * tasks, but no later than BULK_TASK_WAIT_MS, so a host that never runs background work slows the
 * simulator instead of stopping it.
 */
import { describe, expect, it } from 'vitest';
import { BULK_TASK_WAIT_MS, nextBulkTask, type Scheduler } from '../../../src/node/scheduler';

/** A scheduler whose timers and background tasks run only when the test says. */
function manual() {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const background: (() => void)[] = [];
  const scheduler: Scheduler = {
    after(ms, fn) {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => {
        const i = timers.indexOf(t);
        if (i >= 0) timers.splice(i, 1);
      };
    },
    background: (fn) => void background.push(fn),
  };
  const advance = (ms: number): void => {
    now += ms;
    for (const t of timers.filter((x) => x.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
  };
  return { scheduler, advance, background, timers };
}

describe('nextBulkTask', () => {
  it('resolves in the background task when the host runs it, and leaves no timer behind', async () => {
    const m = manual();
    let done = false;
    void nextBulkTask(m.scheduler).then(() => (done = true));
    m.background.shift()!();
    await Promise.resolve();
    expect(done).toBe(true);
    expect(m.timers).toHaveLength(0);
  });

  it('resolves after BULK_TASK_WAIT_MS when the host never runs background work', async () => {
    const m = manual();
    let done = false;
    void nextBulkTask(m.scheduler).then(() => (done = true));
    m.advance(BULK_TASK_WAIT_MS - 1);
    await Promise.resolve();
    expect(done).toBe(false);
    m.advance(1);
    await Promise.resolve();
    expect(done).toBe(true);
  });

  it('without a background queue, takes the next task', async () => {
    const m = manual();
    const plain: Scheduler = { after: m.scheduler.after };
    let done = false;
    void nextBulkTask(plain).then(() => (done = true));
    m.advance(0);
    await Promise.resolve();
    expect(done).toBe(true);
  });
});
