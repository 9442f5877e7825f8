import type { EntityId } from '../core/ids';
import type { EntityView } from '../core/store/entity-view';
import type { ApprovalLists, ChangeBatch } from './node-api';

/**
 * Change batches on their way to one watcher in another thread (the page), with flow control: at
 * most one batch is in flight, and batches that come while it is merge into the next one (an
 * entity's latest view wins, a removal after a change wins and the other way round, the approvals
 * cue is kept). Without it the feed posts a batch per flush whatever the page can take: under a
 * flood (2,000 track updates a second) the page's task queue grew without bound, and everything else
 * that crosses that thread waited behind it — the mesh's frames between the worker and the data
 * channel (links died "nothing heard for 8 s"), call replies, the approval cue. With it the page
 * takes batches at its own pace, each holding what changed since it took the last.
 *
 * The approvals cue does not wait behind the bulk: when it comes while a batch is in flight, a
 * cue-only batch (no views) leaves at once (at most one of those in flight too), and a batch with
 * the cue carries the approval lists (`approvalLists`, read when it leaves) so that the prompt
 * shows them without a call back through the page's busy main thread.
 */
export class WatchRelay {
  private readonly changed = new Map<EntityId, EntityView>();
  private readonly removed = new Set<EntityId>();
  private approvals = false;
  private inFlight = false;
  private cueInFlight = false;
  private closed = false;

  constructor(
    /** Hands a batch to the watcher; the returned promise settles once the watcher has taken it. */
    private readonly deliver: (batch: ChangeBatch) => unknown,
    private readonly onError: (error: unknown) => void,
    /** Reads the approval lists a batch with the cue carries (none: the watcher calls for them). */
    private readonly approvalLists?: () => Promise<ApprovalLists>,
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
    else if (this.approvals && !this.cueInFlight) this.sendCue();
  }

  /**
   * Delivers `batch` at once, even an empty one: a feed's first batch (the picture when the watcher
   * came, watchers.ts), before anything is pushed. What is pushed meanwhile merges into the next.
   */
  open(batch: ChangeBatch): void {
    if (this.closed || this.inFlight) throw new Error('WatchRelay.open: only as the first batch');
    this.inFlight = true;
    void this.handOver(batch, false).finally(() => {
      this.inFlight = false;
      this.send();
    });
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
    const batch: ChangeBatch = { changed: [...this.changed.values()], removed: [...this.removed] };
    this.changed.clear();
    this.removed.clear();
    const cue = this.approvals;
    this.approvals = false;
    this.inFlight = true;
    void this.handOver(batch, cue).finally(() => {
      this.inFlight = false;
      this.send();
    });
  }

  /** The approvals cue alone, while a batch is in flight. */
  private sendCue(): void {
    this.approvals = false;
    this.cueInFlight = true;
    void this.handOver({ changed: [], removed: [] }, true).finally(() => {
      this.cueInFlight = false;
      if (this.approvals && this.inFlight && !this.closed) this.sendCue();
    });
  }

  /** Delivers a batch (with the cue and the approval lists when `cue`); settles once taken or failed. */
  private async handOver(batch: ChangeBatch, cue: boolean): Promise<void> {
    try {
      let out = batch;
      if (cue) {
        const state = this.approvalLists === undefined ? undefined : await this.approvalLists();
        out = { ...batch, approvals: true, ...(state === undefined ? {} : { approvalLists: state }) };
      }
      if (this.closed) return;
      await this.deliver(out);
    } catch (error) {
      this.onError(error);
    }
  }
}
