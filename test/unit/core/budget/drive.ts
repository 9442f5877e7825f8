import type { BudgetItem } from '../../../../src/core/budget/budget-item';
import type { LinkBudgeter, PollResult } from '../../../../src/core/budget/link-budgeter';
import { isBorrowing } from '../../../../src/core/budget/priority-classes';

export type Frame<P> = Extract<PollResult<P>, { type: 'frame' }>;

export interface Arrival<P> {
  readonly at: number;
  readonly item: BudgetItem<P>;
}

/**
 * Runs budgeters on a fake clock from `from` to `to` the way a node would: arrivals are enqueued
 * (on the first budgeter) at their times; a budgeter is polled when its wake-up time comes, or at
 * once when it was idle or a borrowing item arrives (a wake-up time stays good otherwise: more
 * queued items only make the next frame larger); each poll repeats until it has nothing to send
 * now. `topUp` runs before every poll, for floods that keep queues full.
 */
export function drive<P>(opts: {
  readonly budgeters: readonly LinkBudgeter<P>[];
  readonly from: number;
  readonly to: number;
  readonly arrivals?: Iterable<Arrival<P>>;
  readonly topUp?: (now: number) => void;
  readonly onFrame: (frame: Frame<P>, now: number, link: number) => void;
}): void {
  const arrivals = opts.arrivals?.[Symbol.iterator]();
  let pending = arrivals?.next();
  const n = opts.budgeters.length;
  const wake = new Array<number>(n).fill(opts.from); // Infinity: idle
  let now = opts.from;
  let round = 0;
  while (now <= opts.to) {
    while (pending !== undefined && !pending.done && pending.value.at <= now) {
      const { item } = pending.value;
      opts.budgeters[0]!.enqueue(item, now);
      if (wake[0] === Infinity || isBorrowing(item.cls)) wake[0] = now;
      pending = arrivals!.next();
    }
    // Links sharing a node bucket are polled round robin, starting one further each time, as the
    // node must do: polling them always in the same order would starve the later ones.
    const first = round++ % n;
    for (let k = 0; k < n; k++) {
      const link = (first + k) % n;
      if (wake[link]! > now) continue;
      const budgeter = opts.budgeters[link]!;
      for (;;) {
        opts.topUp?.(now);
        const result = budgeter.poll(now);
        if (result.type === 'frame') {
          opts.onFrame(result, now, link);
          continue;
        }
        wake[link] = result.type === 'wait' ? result.until : Infinity;
        break;
      }
    }
    const nextArrival = pending === undefined || pending.done ? Infinity : pending.value.at;
    const next = Math.min(nextArrival, ...wake);
    if (next === Infinity) return;
    now = Math.max(next, now + 1e-6);
  }
}
