/** A byte budget: a sustained rate and a burst. `Infinity` (or `null` from callers) means unlimited. */
export interface ByteBudget {
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
  /**
   * How far the borrowing classes may take the bucket below zero. Defaults to one second of rate or
   * the burst, whichever is larger: a HIGH change never waits behind a flood, and a HIGH flood
   * cannot run the debt up without bound.
   */
  readonly maxDebtBytes?: number;
}

/** Turns the automation handle's `null` into `Infinity` and refuses nonsense. */
export function normaliseBudget(budget: {
  readonly bytesPerSecond: number | null;
  readonly burstBytes: number | null;
  readonly maxDebtBytes?: number;
}): ByteBudget {
  const bytesPerSecond = budget.bytesPerSecond ?? Infinity;
  const burstBytes = budget.burstBytes ?? Infinity;
  for (const [name, value] of [
    ['bytesPerSecond', bytesPerSecond],
    ['burstBytes', burstBytes],
    ['maxDebtBytes', budget.maxDebtBytes ?? 0],
  ] as const) {
    if (Number.isNaN(value) || value < 0) throw new RangeError(`${name} must be ≥ 0 or unlimited, got ${value}`);
  }
  return budget.maxDebtBytes === undefined
    ? { bytesPerSecond, burstBytes }
    : { bytesPerSecond, burstBytes, maxDebtBytes: budget.maxDebtBytes };
}

/**
 * A token bucket counting bytes, with time injected. It starts full. A clock that steps back
 * neither refills it (elapsed time is never negative) nor lets it burst again (the refill resumes
 * only once the clock passes the latest time seen). Unlike the request-counting `TokenBucket`, it
 * can go into bounded debt for the classes that must not wait, and it answers how long to wait.
 */
export class ByteBucket {
  private budget: Required<ByteBudget>;
  private tokens: number;
  private last: number;

  constructor(budget: ByteBudget, now: number) {
    this.budget = withDefaults(normaliseBudget(budget));
    this.tokens = this.budget.burstBytes;
    this.last = now;
  }

  get unlimited(): boolean {
    return this.budget.bytesPerSecond === Infinity;
  }

  get bytesPerSecond(): number {
    return this.budget.bytesPerSecond;
  }

  get burstBytes(): number {
    return this.budget.burstBytes;
  }

  /** Tokens available at `now`; negative while in debt. */
  available(now: number): number {
    this.refill(now);
    return this.unlimited ? Infinity : this.tokens;
  }

  /**
   * Whether `bytes` may go without borrowing. A message larger than the burst can never find that
   * many tokens, so it goes when the bucket is full and leaves the excess as debt.
   */
  canSend(bytes: number, now: number): boolean {
    return this.available(now) >= Math.min(bytes, this.budget.burstBytes);
  }

  /** Whether `bytes` may go by borrowing, keeping the debt within its bound. */
  canBorrow(bytes: number, now: number): boolean {
    return this.available(now) - bytes >= -this.budget.maxDebtBytes || this.available(now) >= this.budget.burstBytes;
  }

  /** Milliseconds from `now` until `canSend(bytes)`; Infinity at a zero rate. */
  sendWaitMs(bytes: number, now: number): number {
    return this.waitFor(Math.min(bytes, this.budget.burstBytes), now);
  }

  /** Milliseconds from `now` until `canBorrow(bytes)`. */
  borrowWaitMs(bytes: number, now: number): number {
    return this.waitFor(Math.min(bytes - this.budget.maxDebtBytes, this.budget.burstBytes), now);
  }

  /** Spends `bytes`, going into debt if need be: the caller checked `canSend` or `canBorrow`. */
  charge(bytes: number, now: number): void {
    this.refill(now);
    if (!this.unlimited) this.tokens -= bytes;
  }

  /**
   * Gives back bytes charged beyond what was sent (a frame came out smaller than its estimate),
   * never above the burst: a refund must not become a burst of its own.
   */
  refund(bytes: number, now: number): void {
    this.refill(now);
    if (!this.unlimited) this.tokens = Math.min(this.budget.burstBytes, this.tokens + Math.max(0, bytes));
  }

  /** Changes the budget from `now` on; time before `now` refills at the old rate. */
  setBudget(budget: ByteBudget, now: number): void {
    this.refill(now);
    const wasUnlimited = this.unlimited;
    this.budget = withDefaults(normaliseBudget(budget));
    this.tokens = wasUnlimited ? this.budget.burstBytes : Math.min(this.tokens, this.budget.burstBytes);
  }

  private waitFor(target: number, now: number): number {
    const deficit = target - this.available(now);
    if (deficit <= 0) return 0;
    if (this.budget.bytesPerSecond === 0) return Infinity;
    // A clock behind the latest time seen must first catch up: the refill starts only there.
    const behind = this.last - now;
    return behind + Math.ceil((deficit * 1000) / this.budget.bytesPerSecond);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last);
    this.last = Math.max(this.last, now);
    if (this.unlimited || elapsed === 0) return;
    this.tokens = Math.min(this.budget.burstBytes, this.tokens + (elapsed * this.budget.bytesPerSecond) / 1000);
  }
}

function withDefaults(budget: ByteBudget): Required<ByteBudget> {
  const maxDebtBytes = budget.maxDebtBytes ?? Math.max(budget.burstBytes, budget.bytesPerSecond);
  return { ...budget, maxDebtBytes: Number.isFinite(maxDebtBytes) ? maxDebtBytes : 0 };
}
