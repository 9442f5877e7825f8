import type { PromptClock } from '../../../src/ui/approvals/prompt-clock';

/** A clock the test moves by hand: timers run only inside `advance`, in time order. */
export class ManualPromptClock implements PromptClock {
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.current + ms, seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  get pending(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, running each timer that falls due at its own time, and letting the
   * page render after each (a timer's effect may arm the next one).
   */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.current = next.at;
      next.fn();
      await new Promise((r) => setTimeout(r, 0));
    }
    this.current = end;
  }
}
