import type { MeshClock } from '../../../../src/app/mesh/timers';

interface Timer {
  at: number;
  readonly seq: number;
  readonly fn: () => void;
  readonly period: number | undefined;
}

/** A MeshClock that moves only when the test advances it; timers fire in time order. */
export class ManualClock implements MeshClock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  monotonic(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): () => void {
    return this.add(ms, fn, undefined);
  }

  every(ms: number, fn: () => void): () => void {
    return this.add(ms, fn, Math.max(1, ms));
  }

  get pending(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((x, y) => x.at - y.at || x.seq - y.seq)[0];
      if (next === undefined) break;
      this.t = next.at;
      if (next.period === undefined) this.timers = this.timers.filter((x) => x !== next);
      else next.at += next.period;
      next.fn();
    }
    this.t = end;
  }

  private add(ms: number, fn: () => void, period: number | undefined): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, period };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }
}
