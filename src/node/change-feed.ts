import type { EntityId } from '../core/ids';
import { isRosterEntity } from '../core/roster/roster-entity';
import type { EntityMarks } from '../core/store/entity-marks';
import type { EntityView } from '../core/store/entity-view';
import type { ChangeBatch } from './node-api';

export type Schedule = (fn: () => void) => void;

/**
 * Collects the ids of changed entities and tells listeners once per flush, so a burst of
 * thousands of merges reaches the UI as one batch instead of one message per change.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(batch: ChangeBatch) => void>();
  private readonly cueListeners = new Set<() => void>();
  private scheduled = false;
  private cueScheduled = false;

  constructor(
    private readonly schedule: Schedule,
    private readonly viewOf: (id: EntityId) => EntityView | undefined,
    private readonly onListenerError: (error: unknown) => void,
    /**
     * The ids changed since the last flush: marks of the store the views are read from
     * (EntityStore.marks), ~8 bytes per entity where a Set entry took ~26. Absent, a Set.
     */
    private readonly dirty: EntityMarks = new Set(),
  ) {}

  mark(id: EntityId): void {
    // The roster's ops are the node's own bookkeeping, not part of the picture (members() shows them).
    if (isRosterEntity(id)) return;
    this.dirty.add(id);
    if (this.scheduled || this.listeners.size + this.cueListeners.size === 0) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  subscribe(listener: (batch: ChangeBatch) => void): () => void {
    this.listeners.add(listener);
    if (this.dirty.size > 0 && !this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
    return () => this.listeners.delete(listener);
  }

  /**
   * A listener told that something changed, without the views: called at each flush that has
   * changes, before the views of the others' batch are built (up to 2,000 under scenario 12), so
   * the approvals cue (c2-pipeline.ts, `approvalsOnly`) does not wait for them (docs/c2-pipeline.md,
   * "The priority lane").
   */
  subscribeCue(listener: () => void): () => void {
    this.cueListeners.add(listener);
    return () => this.cueListeners.delete(listener);
  }

  /**
   * An approval or task register changed: the cue listeners hear it once the current task's
   * synchronous work is done (a microtask: after the version listeners, so the mesh has pushed the
   * change first), not at the next flush, which the worker runs on a 16 ms timer queued behind
   * everything the busy worker has ready (docs/c2-pipeline.md, "The priority lane").
   */
  cue(): void {
    if (this.cueScheduled || this.cueListeners.size === 0) return;
    this.cueScheduled = true;
    queueMicrotask(() => {
      this.cueScheduled = false;
      this.tellCue();
    });
  }

  flush(): void {
    this.scheduled = false;
    if (this.dirty.size > 0) this.tellCue();
    if (this.listeners.size === 0) {
      this.dirty.clear();
      return;
    }
    const changed: EntityView[] = [];
    const removed: EntityId[] = [];
    for (const id of this.dirty) {
      const view = this.viewOf(id);
      if (view === undefined) removed.push(id);
      else changed.push(view);
    }
    this.dirty.clear();
    if (changed.length === 0 && removed.length === 0) return;
    const batch: ChangeBatch = { changed, removed };
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  private tellCue(): void {
    for (const listener of this.cueListeners) {
      try {
        listener();
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
