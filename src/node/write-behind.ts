import type { JsonValue } from '../core/entity/component-types';
import type { Version } from '../core/merge/version';
import { StorageFullError, versionKey, type StoragePort } from '../ports/storage';

export type WriteBehindState = 'ok' | 'full' | 'error';

export interface WriteBehindOptions {
  /** Runs a flush later; default queueMicrotask (tests pass a manual scheduler). */
  readonly schedule?: (fn: () => void) => void;
  /** Called when a commit fails, and when commits succeed again after a failure. */
  readonly onStatus?: (state: WriteBehindState, message?: string) => void;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Everything enqueued between two flushes: it becomes one commit. */
class Batch {
  readonly puts = new Map<string, Version>();
  readonly removes = new Set<string>();
  readonly meta: Record<string, JsonValue> = {};
  readonly waiters: Waiter[] = [];
  private settledResolve!: () => void;
  /** Resolves once this batch's commit has settled, whatever its outcome. */
  readonly settled = new Promise<void>((resolve) => (this.settledResolve = resolve));

  get size(): number {
    return this.puts.size + this.removes.size;
  }

  settle(error: unknown, failed: boolean): void {
    for (const w of this.waiters) {
      if (failed) w.reject(error);
      else w.resolve();
    }
    this.settledResolve();
  }
}

/**
 * Group commit over a StoragePort. Writes enqueued until a flush starts go out as ONE commit; while
 * that commit is in flight new writes gather into the next batch, so batches grow with the load and
 * the per-transaction cost is shared. An enqueue resolves only when the commit holding it has
 * resolved (the write is durable) and rejects with that commit's error. A failed batch does not stop
 * later ones.
 *
 * Coalescing inside a batch: a later put of a key replaces the earlier one; a later remove of a key
 * drops the earlier put. The remove itself stays, because an earlier batch may have stored that key;
 * removing an absent key costs one no-op delete. A later put after a remove drops the remove.
 */
export class WriteBehind {
  private next = new Batch();
  private inFlight: Batch | undefined;
  private scheduled = false;
  private state: WriteBehindState = 'ok';
  private readonly schedule: (fn: () => void) => void;

  constructor(
    private readonly storage: StoragePort,
    private readonly options: WriteBehindOptions = {},
  ) {
    // Wrapped: queueMicrotask called as a method (this.schedule(...)) throws "Illegal invocation" in browsers.
    this.schedule = options.schedule ?? ((fn) => queueMicrotask(fn));
  }

  enqueue(
    put: readonly Version[],
    remove: readonly string[],
    meta?: Readonly<Record<string, JsonValue>>,
  ): Promise<void> {
    const hasMeta = meta !== undefined && Object.keys(meta).length > 0;
    if (put.length === 0 && remove.length === 0 && !hasMeta) return Promise.resolve();
    const batch = this.next;
    for (const v of put) {
      const key = versionKey(v);
      batch.removes.delete(key);
      batch.puts.set(key, v);
    }
    for (const key of remove) {
      batch.puts.delete(key);
      batch.removes.add(key);
    }
    if (hasMeta) Object.assign(batch.meta, meta);
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    this.requestFlush();
    return done;
  }

  /** Versions (puts and removals) not yet durable: waiting for, or inside, a commit. */
  get pending(): number {
    return this.next.size + (this.inFlight?.size ?? 0);
  }

  /** Resolves once everything enqueued so far has been committed or has failed (failures go to their enqueuers). */
  flushed(): Promise<void> {
    if (this.next.waiters.length > 0) return this.next.settled;
    return this.inFlight?.settled ?? Promise.resolve();
  }

  private requestFlush(): void {
    if (this.scheduled || this.inFlight !== undefined) return; // the in-flight commit's end picks the batch up
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight !== undefined || this.next.waiters.length === 0) return;
    const batch = this.next;
    this.next = new Batch();
    this.inFlight = batch;
    const hasMeta = Object.keys(batch.meta).length > 0;
    let failed = false;
    let error: unknown;
    try {
      await this.storage.commit({
        put: [...batch.puts.values()],
        remove: [...batch.removes],
        ...(hasMeta ? { meta: batch.meta } : {}),
      });
    } catch (e) {
      failed = true;
      error = e;
    }
    this.inFlight = undefined;
    try {
      this.report(failed, error);
    } finally {
      // Even if the status callback throws (its error surfaces as an unhandled rejection), the
      // enqueuers learn their outcome and the next batch is not stranded.
      batch.settle(error, failed);
      if (this.next.waiters.length > 0) this.requestFlush();
    }
  }

  private report(failed: boolean, error: unknown): void {
    if (!failed) {
      if (this.state !== 'ok') this.setState('ok');
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.setState(error instanceof StorageFullError ? 'full' : 'error', message);
  }

  private setState(state: WriteBehindState, message?: string): void {
    this.state = state;
    this.options.onStatus?.(state, message);
  }
}
