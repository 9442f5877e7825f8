/**
 * Samples `(at, value)` kept for the last `windowMs` and at most `maxSamples` of them (oldest
 * dropped first), so memory stays bounded under any rate. Time is injected; a clock stepping back
 * is treated as standing still, so nothing is dropped early and nothing counts twice.
 */
export class SampleWindow {
  private times: number[] = [];
  private values: number[] = [];
  private head = 0;
  private latest = -Infinity;

  constructor(
    readonly windowMs: number,
    private readonly maxSamples = 4096,
  ) {}

  add(value: number, now: number): void {
    this.latest = Math.max(this.latest, now);
    this.times.push(this.latest);
    this.values.push(value);
    if (this.times.length - this.head > this.maxSamples) this.head += 1;
    this.expire(this.latest);
  }

  /** The values still inside the window at `now`. */
  current(now: number): number[] {
    this.latest = Math.max(this.latest, now);
    this.expire(this.latest);
    return this.values.slice(this.head);
  }

  private expire(now: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= now - this.windowMs) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
  }
}

/** The `q`-quantile (0..1) by nearest rank; 0 for no samples. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}
