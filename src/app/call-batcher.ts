import { unpackViews } from '../core/feed/packed-views';
import type { BatchedCall, BatchedCallName, CallOutcome, CallReply } from '../node/worker-api';

interface Pending {
  readonly call: BatchedCall;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The most calls one `callMany` message carries from the page (the worker takes up to
 * MAX_CALLS_PER_MESSAGE). A larger burst leaves as several messages, so the worker works on the
 * next while the first one's commit is in flight and its callers, once answered, can make more:
 * with one message of 256 creates at a time the worker sat idle through each commit and round trip
 * (docs/benchmarks.md, scenario 7, small messages). 64 writes still share one signing round.
 */
export const CALLS_PER_MESSAGE = 64;

/**
 * Gathers the node writes (BATCHED_CALLS) the page makes in one task and sends them as `callMany`
 * messages at the next task, or at once when CALLS_PER_MESSAGE are waiting: one worker task,
 * signing round and storage commit for a burst of writes instead of one each
 * (docs/performance.md, scenario 7). Each caller gets its own outcome; a failed message fails its
 * calls; a call that cannot be copied to the worker fails alone before its message leaves.
 * `flush` sends what waits now: a call that does not go through here flushes first, so the worker
 * still sees the page's calls in the order they were made.
 */
export class CallBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly send: (calls: BatchedCall[]) => Promise<CallReply>,
    /** Runs `fn` in a later task (default: nextTask). */
    private readonly later: (fn: () => void) => void = nextTask(),
  ) {}

  call(name: BatchedCallName, args: readonly unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ call: { name, args }, resolve, reject });
      if (this.pending.length >= CALLS_PER_MESSAGE) this.flush();
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
    if (this.pending.length === 0) return;
    // Each call is copied once on its own before its message leaves: comlink posts inside a promise
    // executor, so a message that cannot be copied fails only a microtask later, after the next
    // message of the burst has left; its calls resent then would reach the worker after that one (a
    // create after the update of its entity). A call that cannot be copied fails alone, at once.
    const batch: Pending[] = [];
    for (const p of this.pending) {
      try {
        structuredClone(p.call);
        batch.push(p);
      } catch (error) {
        p.reject(error);
      }
    }
    this.pending = [];
    if (batch.length === 0) return;
    let sent: Promise<CallReply>;
    try {
      sent = this.send(batch.map((p) => p.call));
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (reply) => settleAll(batch, reply),
      (error: unknown) => {
        // Copied alone but not together (a value met twice, or a worker's own check): send each
        // call alone, in order, so only that caller sees the error.
        if (batch.length > 1 && (error as { name?: unknown } | null)?.name === 'DataCloneError') {
          for (const p of batch) this.sendAlone(p);
        } else batch.forEach((p) => p.reject(error));
      },
    );
  }

  private sendAlone(p: Pending): void {
    let sent: Promise<CallReply>;
    try {
      sent = this.send([p.call]);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then((reply) => settleAll([p], reply), p.reject);
  }
}

/** Each call's outcome; a view by its row of the reply's packed views (src/core/feed/packed-views.ts). */
function settleAll(batch: readonly Pending[], reply: CallReply): void {
  let viewAt: ((row: number) => unknown) | undefined;
  try {
    if (reply.views !== undefined) viewAt = unpackViews(reply.views);
  } catch (error) {
    // A reply the page cannot read fails the calls that wanted a view from it.
    viewAt = () => {
      throw error;
    };
  }
  batch.forEach((p, i) => settle(p, reply.outcomes[i], viewAt));
}

function settle(p: Pending, o: CallOutcome | undefined, viewAt: ((row: number) => unknown) | undefined): void {
  if (o === undefined) p.reject(new Error('callMany: no outcome for this call'));
  else if (o.ok && 'row' in o) {
    try {
      if (viewAt === undefined) throw new Error('callMany: a view outcome without views');
      p.resolve(viewAt(o.row));
    } catch (error) {
      p.reject(error);
    }
  } else if (o.ok) p.resolve(o.value);
  // As comlink rethrows a worker's Error: the name and message kept.
  else p.reject(Object.assign(new Error(o.message), { name: o.name }));
}

/**
 * A later task through a MessageChannel of its own: unlike a 0 ms timer it is not throttled in a
 * hidden tab (Chrome runs those timers at most once a second there), so a background tab's writes
 * are not held back. The port does not keep a Node process alive (tests).
 */
export function nextTask(): (fn: () => void) => void {
  const { port1, port2 } = new MessageChannel();
  const queued: (() => void)[] = [];
  port1.onmessage = () => queued.shift()?.();
  (port1 as { unref?: () => void }).unref?.();
  (port2 as { unref?: () => void }).unref?.();
  return (fn) => {
    queued.push(fn);
    port2.postMessage(0);
  };
}
