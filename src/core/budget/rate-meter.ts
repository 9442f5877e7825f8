/**
 * Bytes per second over a sliding window, in fixed bins so memory does not grow with the message
 * rate. Time is injected; a clock stepping back adds to the newest bin instead of reopening old ones.
 */
export class RateMeter {
  private readonly bins: number[];
  private readonly binMs: number;
  /** The bin index (time / binMs) the newest bin stands for. */
  private newest: number;
  private readonly started: number;
  private latest: number;

  constructor(
    readonly windowMs: number,
    now: number,
    binCount = 50,
  ) {
    this.binMs = windowMs / binCount;
    this.bins = new Array<number>(binCount).fill(0);
    this.newest = Math.floor(now / this.binMs);
    this.started = now;
    this.latest = now;
  }

  add(bytes: number, now: number): void {
    this.advance(now);
    this.bins[this.slot(this.newest)]! += bytes;
  }

  /**
   * The rate over the time the bins cover: the full older bins plus the elapsed part of the newest
   * (or the meter's age while it is younger), never less than a second, so a single early message
   * does not read as a huge rate.
   */
  perSecond(now: number): number {
    this.advance(now);
    const total = this.bins.reduce((a, b) => a + b, 0);
    const covered = (this.bins.length - 1) * this.binMs + (this.latest - this.newest * this.binMs);
    const span = Math.max(1000, Math.min(covered, this.latest - this.started));
    return (total * 1000) / span;
  }

  private slot(bin: number): number {
    return ((bin % this.bins.length) + this.bins.length) % this.bins.length;
  }

  private advance(now: number): void {
    this.latest = Math.max(this.latest, now);
    const bin = Math.floor(now / this.binMs);
    if (bin <= this.newest) return;
    const steps = Math.min(this.bins.length, bin - this.newest);
    for (let i = 1; i <= steps; i++) this.bins[this.slot(this.newest + i)] = 0;
    this.newest = bin;
  }
}
