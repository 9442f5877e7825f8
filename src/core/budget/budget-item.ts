import type { PriorityClass } from './priority-classes';

/**
 * One thing waiting to go on a link: an encoded payload the caller made, its size, its class, and
 * optionally the key coalescing replaces by (see `coalesceKey`). Items without a key (a ping, an
 * anti-entropy message) are never coalesced.
 */
export interface BudgetItem<P> {
  readonly cls: PriorityClass;
  readonly bytes: number;
  readonly payload: P;
  readonly key?: string;
  /**
   * Goes ahead of its class's other items (FIFO among the leading ones): in `high`, a decision or a
   * threat change ahead of the HIGH tracks' motion, which can fill the class beyond the budget
   * (docs/budgeter.md, "Queues").
   */
  readonly lead?: boolean;
}

/** An item as it waits in a queue: when it first entered, for queue-to-wire latency. */
export interface QueuedItem<P> {
  item: BudgetItem<P>;
  /** When the oldest unsent change under this key entered: a coalesced replacement keeps it. */
  readonly enqueuedAt: number;
}
