import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Runs `fn` every `ms` until the returned function is called (setInterval; tests pass their own). */
export type Every = (ms: number, fn: () => void) => () => void;

export const intervalEvery: Every = (ms, fn) => {
  const timer = setInterval(fn, ms);
  return () => clearInterval(timer);
};

/**
 * The UI's one way of polling the node (docs/ui.md, "Polling"): `poll` runs when the host element
 * connects and then every `ms` while it stays connected, and stops when it disconnects. Each poll
 * handles its own errors (the node may still be starting); one that rejects anyway is dropped, and
 * the next poll tries again.
 */
export class PollController implements ReactiveController {
  private stop: (() => void) | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly ms: number,
    private readonly poll: () => unknown,
    private readonly every: Every = intervalEvery,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.stop?.();
    this.run();
    this.stop = this.every(this.ms, () => this.run());
  }

  hostDisconnected(): void {
    this.stop?.();
    this.stop = undefined;
  }

  private run(): void {
    void Promise.resolve()
      .then(this.poll)
      .catch(() => undefined);
  }
}
