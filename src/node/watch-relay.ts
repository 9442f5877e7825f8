import type { EntityId } from '../core/ids';
import type { EntityView } from '../core/store/entity-view';
import type { ChangeBatch } from './node-api';

/**
 * Change batches on their way to one watcher in another thread (the page), with flow control: at
 * most one batch is in flight, and batches that come while it is merge into the next one (an
 * entity's latest view wins, a removal after a change wins and the other way round, the approvals
 * cue is kept). Without it the feed posts a batch per flush whatever the page can take: under a
 * flood (2,000 track updates a second) the page's task queue grew without bound, and everything else
 * that crosses that thread waited behind it — the mesh's frames between the worker and the data
 * channel (links died "nothing heard for 8 s"), call replies, the approval cue. With it the page
 * takes batches at its own pace, each holding what changed since it took the last.
 */
export class WatchRelay {
  private readonly changed = new Map<EntityId, EntityView>();
  private readonly removed = new Set<EntityId>();
  private approvals = false;
  private inFlight = false;
  private closed = false;

  constructor(
    /** Hands a batch to the watcher; the returned promise settles once the watcher has taken it. */
    private readonly deliver: (batch: ChangeBatch) => unknown,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Batches merged, not yet delivered (0 or 1). */
  get waiting(): boolean {
    return this.changed.size + this.removed.size > 0 || this.approvals;
  }

  push(batch: ChangeBatch): void {
    if (this.closed) return;
    for (const v of batch.changed) {
      this.removed.delete(v.id);
      this.changed.set(v.id, v);
    }
    for (const id of batch.removed) {
      this.changed.delete(id);
      this.removed.add(id);
    }
    if (batch.approvals === true) this.approvals = true;
    if (!this.inFlight) this.send();
  }

  /** Drops what waits; nothing more is delivered. */
  close(): void {
    this.closed = true;
    this.changed.clear();
    this.removed.clear();
    this.approvals = false;
  }

  private send(): void {
    if (this.closed || !this.waiting) return;
    const batch: ChangeBatch = {
      changed: [...this.changed.values()],
      removed: [...this.removed],
      ...(this.approvals ? { approvals: true as const } : {}),
    };
    this.changed.clear();
    this.removed.clear();
    this.approvals = false;
    this.inFlight = true;
    let taken: unknown;
    try {
      taken = this.deliver(batch);
    } catch (error) {
      taken = Promise.reject(error);
    }
    Promise.resolve(taken)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.inFlight = false;
        this.send();
      });
  }
}
