import { MAX_COUNTER, type Hlc } from '../core/clock/hlc';
import type { Timestamp } from '../core/clock/timestamp';
import type { WriteBehind } from './write-behind';

/** A lease stored with a write in that write's own commit (ClockLease.fold). */
export interface FoldedLease {
  /** The metadata the write's commit carries. */
  readonly meta: Readonly<Record<string, number>>;
  /** The write's commit, enqueued with `meta`. */
  readonly committed: (commit: Promise<void>) => void;
  /** The write enqueued nothing: the lease is committed alone. */
  readonly abandoned: () => void;
}

/** The storage meta key of the lease: no timestamp this node issued has a later ms. */
export const CLOCK_LEASE_META = 'clockLease';

/** How far ahead of what it needs the lease is taken: at most one extra commit per this many ms of writing. */
export const LEASE_AHEAD_MS = 1_000;
/** A lease with less than this left is renewed in the background by the next check. */
const RENEW_BEFORE_MS = LEASE_AHEAD_MS / 2;

/**
 * A timestamp is never issued twice. The clock's high-water mark is made durable before a
 * timestamp under it is used: the node issues local timestamps only at or below a stored lease,
 * extending it (one metadata commit, awaited; for the approval gate's writes, folded into the
 * write's own commit: fold) when the next timestamp could pass it, and on open
 * starts its clock past the lease. So a crash between issuing a timestamp and storing its write
 * cannot make the node issue that timestamp again with another value, whatever the wall clock
 * does meanwhile. After a restart the clock may run up to LEASE_AHEAD_MS ahead of the wall clock.
 */
export class ClockLease {
  private pending: { readonly until: number; readonly done: Promise<boolean> } | undefined;

  constructor(
    private readonly clock: Hlc,
    private readonly writer: WriteBehind,
    private readonly wall: () => number,
    /** The stored lease, if any. */
    private until = 0,
  ) {}

  /** The clock's starting point after a restart: past every timestamp the stored lease allowed. */
  static restart(lease: number): Timestamp {
    return { ms: lease, c: MAX_COUNTER, node: '' as Timestamp['node'] };
  }

  /**
   * True when the next local timestamp is under the stored lease. Callers check it synchronously
   * right before they stamp, and extend() while it is false:
   *   while (!lease.covered() && (await lease.extend())) {}
   */
  covered(): boolean {
    const next = this.next();
    // Running low: store the next lease now, without waiting for it, so that a node writing steadily
    // finds it stored by the time it needs it instead of stopping every write for a commit.
    if (next <= this.until && next > this.until - RENEW_BEFORE_MS && this.pending === undefined) void this.extend();
    return next <= this.until;
  }

  /**
   * Stores a lease past the next timestamp; false if that commit failed. The caller then stamps
   * anyway: the write-behind carries the lease into the commit that holds the write, and the write
   * reaches no peer before that commit lands (LocalWrites), so a timestamp a crash could lose was
   * never sent; refusing every write while storage is full would gain nothing.
   */
  async extend(): Promise<boolean> {
    // Past the stored lease too (a renewal before it runs out): one commit per LEASE_AHEAD_MS of writing.
    const until = this.nextLease();
    const pending = this.pending;
    if (pending !== undefined && pending.until >= until - LEASE_AHEAD_MS) return pending.done;
    // The priority lane: a small commit ahead of the bulk, since every local write may wait on it
    // (under a flood of track writes a lease in the bulk lane took 1-2 s to land, and held up
    // the approval gate's writes with everything else).
    return this.track(until, this.writer.enqueue([], [], { [CLOCK_LEASE_META]: until }, [], undefined, 'priority'));
  }

  /**
   * For a small write about to be stamped without waiting (the approval gate's): undefined when the
   * next timestamp is under the stored lease; else the lease to store in the write's own commit,
   * so a lapsed lease costs that write no commit of its own (docs/c2-pipeline.md, "The priority
   * lane"). The caller stamps at once, hands its commit to `committed` (or calls `abandoned` if it
   * enqueues none), and announces the write only once that commit lands (LocalWrites): a timestamp
   * past the stored lease is never seen outside before the lease covering it is durable. Until
   * then this counts as the lease in flight, so other writers wait for that commit in extend().
   */
  fold(): FoldedLease | undefined {
    if (this.covered()) return undefined;
    const until = this.nextLease();
    const meta = { [CLOCK_LEASE_META]: until };
    let settle!: (commit: Promise<void>) => void;
    void this.track(until, new Promise<void>((resolve) => (settle = resolve)));
    return {
      meta,
      committed: settle,
      abandoned: () => settle(this.writer.enqueue([], [], meta, [], undefined, 'priority')),
    };
  }

  private nextLease(): number {
    return Math.max(this.next(), this.until) + LEASE_AHEAD_MS;
  }

  /** Records the commit of lease `until` as the one in flight: true once it landed, false if it failed. */
  private track(until: number, commit: Promise<void>): Promise<boolean> {
    const done = commit.then(
      () => {
        this.until = Math.max(this.until, until);
        return true;
      },
      () => false,
    );
    const mine = { until, done };
    this.pending = mine;
    void done.then(() => {
      if (this.pending === mine) this.pending = undefined;
    });
    return done;
  }

  /** The latest ms Hlc.now() can issue next: the wall clock, or one past the last when that is ahead. */
  private next(): number {
    return Math.max(Math.floor(this.wall()), this.clock.last.ms + 1);
  }
}
