import type { NodeId } from '../ids';
import type { Timestamp } from './timestamp';

export const MAX_COUNTER = 0xffff;
/** Default tolerated lead of a remote clock over ours (docs/requirements.md §3: local-first apps use 60 s to 5 min). */
export const DEFAULT_MAX_SKEW_MS = 60_000;
/**
 * Bounds of the skew limit as a setting. Below 100 ms ordinary network delay would hold honest
 * writes; above an hour a clock is misconfigured, and the operator accepts that one author rather
 * than let every peer's clock drag ours that far ahead.
 */
export const MIN_SKEW_LIMIT_MS = 100;
export const MAX_SKEW_LIMIT_MS = 60 * 60 * 1000;

export interface HlcOptions {
  readonly node: NodeId;
  /** Wall clock in epoch milliseconds; injected so tests control time. */
  readonly now: () => number;
  readonly maxSkewMs?: number;
  /** Counter ceiling; tests lower it to exercise overflow. */
  readonly maxCounter?: number;
  /** Restored last-issued timestamp, so a reloaded node never goes back in time. */
  readonly last?: Timestamp;
}

export type ObserveResult =
  | { readonly ok: true }
  /** The remote timestamp is further ahead of our wall clock than the skew limit: hold the write. */
  | { readonly ok: false; readonly skewMs: number };

/**
 * A Hybrid Logical Clock. `now()` is strictly monotonic even when the wall clock steps back.
 * On counter overflow the clock borrows one millisecond from the future instead of wrapping,
 * so order is kept; the lead this creates is bounded by the event rate (65,536 events per ms).
 */
export class Hlc {
  readonly node: NodeId;
  private readonly wall: () => number;
  private skewLimit: number;
  private readonly maxCounter: number;
  private ms: number;
  private c: number;

  constructor(options: HlcOptions) {
    this.node = options.node;
    this.wall = options.now;
    this.skewLimit = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
    this.maxCounter = options.maxCounter ?? MAX_COUNTER;
    this.ms = options.last?.ms ?? 0;
    this.c = options.last?.c ?? 0;
  }

  /** The tolerated lead of a remote clock over our wall clock (a setting: see setMaxSkew). */
  get maxSkewMs(): number {
    return this.skewLimit;
  }

  /** Changes the tolerated lead; timestamps already observed stay folded in. The caller validates it. */
  setMaxSkew(ms: number): void {
    this.skewLimit = ms;
  }

  /** The last timestamp issued or observed. */
  get last(): Timestamp {
    return { ms: this.ms, c: this.c, node: this.node };
  }

  /** A new timestamp for a local event. */
  now(): Timestamp {
    const wall = Math.floor(this.wall());
    if (wall > this.ms) {
      this.ms = wall;
      this.c = 0;
    } else {
      this.tick();
    }
    return { ms: this.ms, c: this.c, node: this.node };
  }

  /** How far the given timestamp is ahead of our wall clock (negative: behind). */
  leadOf(remote: Timestamp): number {
    return remote.ms - Math.floor(this.wall());
  }

  /**
   * Fold a remote timestamp into the clock so our next event orders after it. A timestamp
   * more than maxSkewMs ahead of our wall clock is refused and leaves the clock untouched:
   * a peer with a wrong clock must not drag ours into the future.
   */
  observe(remote: Timestamp): ObserveResult {
    const lead = this.leadOf(remote);
    if (lead > this.maxSkewMs) return { ok: false, skewMs: lead };
    this.absorb(remote);
    return { ok: true };
  }

  /** Fold in a remote timestamp the operator accepted despite its skew. */
  force(remote: Timestamp): void {
    this.absorb(remote);
  }

  private absorb(remote: Timestamp): void {
    if (remote.ms > this.ms) {
      this.ms = remote.ms;
      this.c = remote.c;
    } else if (remote.ms === this.ms && remote.c > this.c) {
      this.c = remote.c;
    }
  }

  private tick(): void {
    if (this.c >= this.maxCounter) {
      this.ms += 1;
      this.c = 0;
    } else {
      this.c += 1;
    }
  }
}
