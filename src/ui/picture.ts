import type { EntityView } from '../node/node-api';

/**
 * The picture as one reader sees it at one revision: the views by id, and which ids changed
 * since an earlier revision. A reader that drew revision r asks `changedSince(r)` and touches only
 * those ids (a moved track out of ten thousand costs one lookup, not a walk of the picture);
 * undefined means the journal no longer reaches back that far (or the picture was replaced), and the
 * reader walks `views` once.
 */
export interface PictureFrame {
  readonly views: ReadonlyMap<string, EntityView>;
  readonly revision: number;
  /** The ids set or deleted after `revision` (an id may repeat), or undefined: read everything. */
  changedSince(revision: number): readonly string[] | undefined;
}

/** The journal keeps at most this many ids, or twice the picture's size, whichever is more (its older half goes past it). */
export const JOURNAL_MIN = 4096;

/**
 * The page's copy of the node's picture (NodeController applies the `watch` batches to it) with a
 * journal of the ids each change touched, so readers take only what changed since they last looked
 * (docs/ui.md, "Rendering"). The journal is bounded: past max(JOURNAL_MIN, 2 × the picture's size)
 * ids its older half is dropped, and a reader from before what is kept reads the whole picture
 * again, which costs what a walk always cost. Every change bumps the revision; `frame()` gives a new frame object per
 * revision, so a Lit property holding it changes when the picture does.
 */
export class Picture {
  readonly views = new Map<string, EntityView>();
  private journal: string[] = [];
  /** The revision before the journal's first id: a reader at or after it can be answered. */
  private base = 0;
  private cached: PictureFrame | undefined;

  get revision(): number {
    return this.base + this.journal.length;
  }

  get size(): number {
    return this.views.size;
  }

  get(id: string): EntityView | undefined {
    return this.views.get(id);
  }

  set(view: EntityView): void {
    this.views.set(view.id, view);
    this.note(view.id);
  }

  /** True when the id was in the picture. */
  delete(id: string): boolean {
    if (!this.views.delete(id)) return false;
    this.note(id);
    return true;
  }

  /** Empties the picture; every reader reads it whole next time. */
  clear(): void {
    this.views.clear();
    this.restart();
  }

  /** Replaces the picture (a snapshot); every reader reads it whole next time. */
  replace(views: Iterable<EntityView>): void {
    this.views.clear();
    for (const v of views) this.views.set(v.id, v);
    this.restart();
  }

  changedSince(revision: number): readonly string[] | undefined {
    if (revision < this.base || revision > this.revision) return undefined;
    return this.journal.slice(revision - this.base);
  }

  /** This revision's frame (the same object until the next change). */
  frame(): PictureFrame {
    const revision = this.revision;
    if (this.cached?.revision === revision) return this.cached;
    const frame: PictureFrame = {
      views: this.views,
      revision,
      changedSince: (r) => this.changedSince(r),
    };
    this.cached = frame;
    return frame;
  }

  private note(id: string): void {
    this.journal.push(id);
    // Past the bound, the older half goes: a reader that keeps up is still answered.
    const limit = Math.max(JOURNAL_MIN, 2 * this.views.size);
    if (this.journal.length > limit) {
      const drop = this.journal.length >> 1;
      this.base += drop;
      this.journal = this.journal.slice(drop);
    }
  }

  /** A new journal that no earlier revision reaches: the revision jumps past every reader's. */
  private restart(): void {
    this.base = this.revision + 1;
    this.journal = [];
    this.cached = undefined;
  }
}
