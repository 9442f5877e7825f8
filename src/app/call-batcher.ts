import { MAX_CALLS_PER_MESSAGE, type BatchedCall, type BatchedCallName, type CallOutcome } from '../node/worker-api';

interface Pending {
  readonly call: BatchedCall;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers the node writes (BATCHED_CALLS) the page makes in one task and sends them as one
 * `callMany` message at the next task, or at once when MAX_CALLS_PER_MESSAGE are waiting: one
 * worker task, signing round and storage commit for a burst of writes instead of one each
 * (docs/performance.md, scenario 7). Each caller gets its own outcome; a failed message fails its
 * calls. `flush` sends what waits now: a call that does not go through here flushes first, so
 * the worker still sees the page's calls in the order they were made.
 */
export class CallBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly send: (calls: BatchedCall[]) => Promise<CallOutcome[]>,
    /** Runs `fn` in a later task (default a 0 ms timer). */
    private readonly later: (fn: () => void) => void = (fn) => setTimeout(fn, 0),
  ) {}

  call(name: BatchedCallName, args: readonly unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ call: { name, args }, resolve, reject });
      if (this.pending.length >= MAX_CALLS_PER_MESSAGE) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        this.later(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let sent: Promise<CallOutcome[]>;
    try {
      sent = this.send(batch.map((p) => p.call));
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (outcomes) =>
        batch.forEach((p, i) => {
          const o = outcomes[i];
          if (o === undefined) p.reject(new Error('callMany: no outcome for this call'));
          else if (o.ok) p.resolve(o.value);
          // As comlink rethrows a worker's Error: the name and message kept.
          else p.reject(Object.assign(new Error(o.message), { name: o.name }));
        }),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
  }
}
