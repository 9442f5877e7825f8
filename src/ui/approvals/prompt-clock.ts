import type { Scheduler } from '../../node/scheduler';

/**
 * The approval prompt's time: the wall clock the deadlines are measured against, and one-shot
 * timers (the node's Scheduler port). The page passes Date.now and setTimeout; tests pass a manual
 * clock and decide exactly when each second passes.
 */
export interface PromptClock extends Scheduler {
  now(): number;
}

export const systemClock: PromptClock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
