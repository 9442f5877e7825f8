import { TokenBucket } from '../../core/budget/token-bucket';
import type { NodeId } from '../../core/ids';

/**
 * What one sender may have us deliver and pass on, whichever neighbours relay it: signaling is a
 * few messages per link attempt (an offer, an answer, a dozen candidates), so 10 a second with a
 * burst of 40 leaves honest senders untouched while one sender's flood cannot use up the
 * per-neighbour budgets downstream that every other sender shares.
 */
export const ORIGIN_RATE_PER_SECOND = 10;
export const ORIGIN_BURST = 40;
/** Senders whose buckets are kept; the least recently heard go first (it then starts a fresh burst). */
export const MAX_ORIGIN_BUCKETS = 1_024;

/** Per-sender token buckets, bounded in number. */
export class OriginLimit {
  private readonly buckets = new Map<NodeId, TokenBucket>();

  take(origin: NodeId, now: number): boolean {
    let bucket = this.buckets.get(origin);
    if (bucket === undefined) {
      bucket = new TokenBucket(ORIGIN_RATE_PER_SECOND, ORIGIN_BURST, now);
      if (this.buckets.size >= MAX_ORIGIN_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    } else {
      this.buckets.delete(origin);
    }
    this.buckets.set(origin, bucket);
    return bucket.take(now);
  }

  get size(): number {
    return this.buckets.size;
  }
}
