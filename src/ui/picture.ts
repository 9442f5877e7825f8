import type { DecodedViews } from '../core/feed/feed-decoder';
import { TrackColumns } from '../core/feed/track-columns';
import { NO_AUTHOR, ROW, viewOfRow, writeRow } from '../core/feed/track-row';
import type { NodeId } from '../core/ids';
import type { EntityView } from '../node/node-api';

/**
 * The picture's rows (src/core/feed/track-row.ts), for a reader that must not make a view per moved
 * track (the map): one row per entity, in slots of one set of columns.
 */
export interface PictureRows {
  /** The entity's slot, or -1 when the picture does not hold it. */
  slotOf(id: string): number;
  /** Every entity's row by slot (read it after `slotOf`: the columns are replaced when they grow). */
  readonly columns: TrackColumns;
  /**
   * The entity's last view sent whole: current in everything its row does not hold (classification,
   * threat, sources...), stale in what it does (position, velocity: read those from the row).
   */
  base(slot: number): EntityView;
}

/**
 * The picture as one reader sees it at one revision: the views by id, and which ids changed
 * since an earlier revision. A reader that drew revision r asks `changedSince(r)` and touches only
 * those ids (a moved track out of ten thousand costs one lookup, not a walk of the picture);
 * undefined means the journal no longer reaches back that far (or the picture was replaced), and the
 * reader walks `views` once. `views` makes a view when it is read; `rows` reads the same picture
 * without making any.
 */
export interface PictureFrame {
  readonly views: ReadonlyMap<string, EntityView>;
  readonly rows: PictureRows;
  readonly revision: number;
  /** The ids set or deleted after `revision` (an id may repeat), or undefined: read everything. */
  changedSince(revision: number): readonly string[] | undefined;
}

/** The journal keeps at most this many ids, or twice the picture's size, whichever is more (its older half goes past it). */
export const JOURNAL_MIN = 4096;
const FIRST_CAPACITY = 256;

/**
 * The page's copy of the node's picture (NodeController applies the compact `watch` batches to it)
 * with a journal of the ids each change touched, so readers take only what changed since they last
 * looked (docs/ui.md, "Rendering"). Each entity is a row of columns (its position, velocity and
 * versions, and the codes the map draws from) and a base view; a batch's row is copied into the
 * entity's slot, and its view is made only when something reads it (the list, the inspector) and
 * kept until the next row: a position report that nobody reads as a view costs no object.
 *
 * The journal is bounded: past max(JOURNAL_MIN, 2 × the picture's size) ids its older half is
 * dropped, and a reader from before what is kept reads the whole picture again, which costs what a
 * walk always cost. Every change bumps the revision; `frame()` gives a new frame object per
 * revision, so a Lit property holding it changes when the picture does.
 */
export class Picture implements PictureRows {
  private readonly slots = new Map<string, number>();
  /** What `views` reads: the views, made when read. */
  readonly views: ReadonlyMap<string, EntityView> = new PictureViews(this, this.slots);
  columns = TrackColumns.allocate(FIRST_CAPACITY);
  private readonly bases: (EntityView | undefined)[] = [];
  /** Each slot's view, once made; undefined while its row is newer than its base and nobody read it. */
  private readonly shown: (EntityView | undefined)[] = [];
  private readonly free: number[] = [];
  private readonly authors: NodeId[] = [];
  private readonly authorIndex = new Map<string, number>();
  private journal: string[] = [];
  /** The revision before the journal's first id: a reader at or after it can be answered. */
  private base0 = 0;
  private cached: PictureFrame | undefined;

  get revision(): number {
    return this.base0 + this.journal.length;
  }

  get size(): number {
    return this.slots.size;
  }

  slotOf(id: string): number {
    return this.slots.get(id) ?? -1;
  }

  base(slot: number): EntityView {
    return this.bases[slot]!;
  }

  /** Every entity's id and slot, in the order the ids came (the track list's pass over the columns). */
  forEachSlot(fn: (id: string, slot: number) => void): void {
    for (const [id, slot] of this.slots) fn(id, slot);
  }

  /** The entity's view (made from its base and row when its row is newer). */
  get(id: string): EntityView | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    let view = this.shown[slot];
    if (view === undefined) {
      view = viewOfRow(this.bases[slot]!, this.columns, slot, (k) => this.authors[k]!);
      this.shown[slot] = view;
    }
    return view;
  }

  /** When the entity was last written, epoch ms (undefined: not held). */
  updatedAt(id: string): number | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : this.columns.updatedAt[slot];
  }

  set(view: EntityView): void {
    const slot = this.slotFor(view.id);
    writeRow(this.columns, slot, view, this.intern);
    this.bases[slot] = view;
    this.shown[slot] = view;
    this.note(view.id);
  }

  /** True when the id was in the picture. */
  delete(id: string): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    this.slots.delete(id);
    this.bases[slot] = undefined;
    this.shown[slot] = undefined;
    this.free.push(slot);
    this.note(id);
    return true;
  }

  /**
   * Takes a decoded compact batch (src/core/feed/feed-decoder.ts): its removals, then each row
   * copied into its entity's slot with its base. True when anything changed.
   */
  take(batch: DecodedViews): boolean {
    let touched = false;
    for (const id of batch.removed) touched = this.delete(id) || touched;
    const from = batch.columns;
    for (let i = 0; i < batch.rows; i++) {
      const id = batch.ids[i]!;
      const slot = this.slotFor(id);
      const c = this.columns;
      c.copyRow(from, i, slot);
      // Author indices are the feed's: the picture keeps its own (a snapshot's authors are in it too).
      const p = from.positionAuthor[i]!;
      if (p !== NO_AUTHOR) c.positionAuthor[slot] = this.intern(batch.authors[p]!);
      const v = from.velocityAuthor[i]!;
      if (v !== NO_AUTHOR) c.velocityAuthor[slot] = this.intern(batch.authors[v]!);
      const base = batch.bases[i]!;
      this.bases[slot] = base;
      this.shown[slot] = (from.flags[i]! & ROW.FULL) !== 0 ? base : undefined;
      this.note(id);
      touched = true;
    }
    return touched;
  }

  /** Empties the picture; every reader reads it whole next time. */
  clear(): void {
    this.empty();
    this.restart();
  }

  /** Replaces the picture (a snapshot); every reader reads it whole next time. */
  replace(views: Iterable<EntityView>): void {
    this.empty();
    for (const v of views) {
      const slot = this.slotFor(v.id);
      writeRow(this.columns, slot, v, this.intern);
      this.bases[slot] = v;
      this.shown[slot] = v;
    }
    this.restart();
  }

  changedSince(revision: number): readonly string[] | undefined {
    if (revision < this.base0 || revision > this.revision) return undefined;
    return this.journal.slice(revision - this.base0);
  }

  /** This revision's frame (the same object until the next change). */
  frame(): PictureFrame {
    const revision = this.revision;
    if (this.cached?.revision === revision) return this.cached;
    const frame: PictureFrame = {
      views: this.views,
      rows: this,
      revision,
      changedSince: (r) => this.changedSince(r),
    };
    this.cached = frame;
    return frame;
  }

  private readonly intern = (author: string): number => {
    let k = this.authorIndex.get(author);
    if (k === undefined) {
      k = this.authors.length;
      this.authors.push(author as NodeId);
      this.authorIndex.set(author, k);
    }
    return k;
  };

  /** The entity's slot, given it (and room in the columns) when it has none. */
  private slotFor(id: string): number {
    let slot = this.slots.get(id);
    if (slot !== undefined) return slot;
    slot = this.free.pop() ?? this.bases.length;
    if (slot === this.bases.length) {
      this.bases.push(undefined);
      this.shown.push(undefined);
    }
    if (slot >= this.columns.capacity) this.columns = this.columns.grown(2 * this.columns.capacity);
    this.slots.set(id, slot);
    return slot;
  }

  private empty(): void {
    this.slots.clear();
    this.bases.length = 0;
    this.shown.length = 0;
    this.free.length = 0;
  }

  private note(id: string): void {
    this.journal.push(id);
    // Past the bound, the older half goes: a reader that keeps up is still answered.
    const limit = Math.max(JOURNAL_MIN, 2 * this.slots.size);
    if (this.journal.length > limit) {
      const drop = this.journal.length >> 1;
      this.base0 += drop;
      this.journal = this.journal.slice(drop);
    }
  }

  /** A new journal that no earlier revision reaches: the revision jumps past every reader's. */
  private restart(): void {
    this.base0 = this.revision + 1;
    this.journal = [];
    this.cached = undefined;
  }
}

/** The picture's views as a read-only map: each made when read (Picture.get), in the order the ids came. */
class PictureViews implements ReadonlyMap<string, EntityView> {
  constructor(
    private readonly picture: Picture,
    private readonly slots: ReadonlyMap<string, number>,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  get(id: string): EntityView | undefined {
    return this.picture.get(id);
  }

  keys(): MapIterator<string> {
    return this.slots.keys();
  }

  values(): MapIterator<EntityView> {
    return this.each((id) => this.picture.get(id)!);
  }

  entries(): MapIterator<[string, EntityView]> {
    return this.each((id) => [id, this.picture.get(id)!]);
  }

  forEach(fn: (view: EntityView, id: string, map: ReadonlyMap<string, EntityView>) => void, self?: unknown): void {
    for (const id of this.slots.keys()) fn.call(self, this.picture.get(id)!, id, this);
  }

  [Symbol.iterator](): MapIterator<[string, EntityView]> {
    return this.entries();
  }

  private each<T>(read: (id: string) => T): MapIterator<T> {
    const ids = this.slots.keys();
    function* made(): Generator<T, undefined> {
      for (const id of ids) yield read(id);
      return undefined;
    }
    return made() as MapIterator<T>;
  }
}
