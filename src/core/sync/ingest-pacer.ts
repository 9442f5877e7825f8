/**
 * Paces the versions one link may have merged (docs/security.md, "Versions applied per second"):
 * a token bucket of `perSecond` versions with a burst of `burst`. A frame is taken whole or not
 * at all (its batch signature covers all of it), so a frame is taken while any token is left and
 * may leave a debt; the next waits until the debt is repaid. Over time the link gets `perSecond`
 * and never more than one frame beyond it. The clock is injected; one that steps back refills
 * nothing and stalls nothing.
 */
export class IngestPacer {
  private tokens: number;
  private last: number | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    if (!(perSecond > 0) || !(burst >= 1))
      throw new RangeError('a pacer needs a positive rate and a burst of at least 1');
    this.tokens = burst;
  }

  /** Ms until a frame may be taken (0: now). */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens > 0 ? 0 : Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond));
  }

  /** Takes `n` versions now (the caller asked waitMs first, or overtakes: see mayOvertake). */
  take(n: number, now: number): void {
    this.refill(now);
    this.tokens -= n;
  }

  /**
   * Whether a small urgent frame may pass while frames wait (it is charged all the same): only
   * while the debt stays within one burst, so a peer cannot pass everything as urgent.
   */
  mayOvertake(now: number): boolean {
    this.refill(now);
    return this.tokens > -this.burst;
  }

  private refill(now: number): void {
    if (this.last === undefined) {
      this.last = now;
      return;
    }
    // A clock that stepped back refills nothing, and counts on from where it is now: a pace kept on
    // the last time seen would stall the link for as long as the step.
    if (now <= this.last) {
      this.last = now;
      return;
    }
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
  }
}
