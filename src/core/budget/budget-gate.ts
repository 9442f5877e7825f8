import type { ByteBucket } from './byte-bucket';

/**
 * Several buckets a message must fit at once: a link's own bucket and the node-wide bucket all of a
 * node's links share (a tablet has one radio). A send goes when every bucket admits it and is
 * charged to every bucket, so neither the link's nor the node's budget is exceeded.
 */
export class BudgetGate {
  constructor(private readonly buckets: readonly ByteBucket[]) {}

  canSend(bytes: number, now: number): boolean {
    return this.buckets.every((b) => b.canSend(bytes, now));
  }

  canBorrow(bytes: number, now: number): boolean {
    return this.buckets.every((b) => b.canBorrow(bytes, now));
  }

  /** The longest wait among the buckets: a hint, since another link may spend the shared bucket meanwhile. */
  sendWaitMs(bytes: number, now: number): number {
    return Math.max(0, ...this.buckets.map((b) => b.sendWaitMs(bytes, now)));
  }

  borrowWaitMs(bytes: number, now: number): number {
    return Math.max(0, ...this.buckets.map((b) => b.borrowWaitMs(bytes, now)));
  }

  charge(bytes: number, now: number): void {
    for (const b of this.buckets) b.charge(bytes, now);
  }

  refund(bytes: number, now: number): void {
    for (const b of this.buckets) b.refund(bytes, now);
  }

  /** Every bucket is unlimited: nothing is ever held back. */
  get unlimited(): boolean {
    return this.buckets.every((b) => b.unlimited);
  }

  /** The tightest rate and burst: what frame sizes are chosen from. */
  effectiveBudget(): { readonly bytesPerSecond: number; readonly burstBytes: number } {
    return {
      bytesPerSecond: Math.min(Infinity, ...this.buckets.map((b) => b.bytesPerSecond)),
      burstBytes: Math.min(Infinity, ...this.buckets.map((b) => b.burstBytes)),
    };
  }
}
