import type { Fusion, Position } from '../../core/entity/component-types';
import { ROW } from '../../core/feed/track-row';
import type { PictureRows } from '../picture';
import type { TrackSource } from './track-features';

/** A position the map can draw a link or a mark at. */
export const isPosition = (p: unknown): p is Position =>
  typeof p === 'object' && p !== null && Number.isFinite((p as Position).lat) && Number.isFinite((p as Position).lon);

/**
 * The positioned fused tracks in the picture and the sources under each, kept from the ids each
 * frame changed (picture.ts), so that the map's fusion links and pending marks (map-annotations.ts)
 * need no walk of the whole picture to find them: a frame looks at its changed ids only, in the
 * picture's rows (a fused flag and a position), and reads a fused track's sources from its base view.
 */
export class FusedIndex {
  /** Fused id → its sources. */
  private readonly fused = new Map<string, readonly string[]>();
  /** Source id → the fused tracks it is under (one in practice; a set keeps a bad picture harmless). */
  private readonly over = new Map<string, Set<string>>();

  get size(): number {
    return this.fused.size;
  }

  /** The fused ids, in the order they came. */
  ids(): IterableIterator<string> {
    return this.fused.keys();
  }

  /** The fused tracks a source is under (none: an empty iterable). */
  fusedOver(source: string): Iterable<string> {
    return this.over.get(source) ?? [];
  }

  /**
   * Takes the changed ids (undefined: every view, the index rebuilt); true when a fused track
   * came, went or changed (its links must be drawn again).
   */
  update(picture: TrackSource, ids: readonly string[] | undefined): boolean {
    if (ids === undefined) {
      const had = this.fused.size > 0;
      this.fused.clear();
      this.over.clear();
      for (const id of picture.views.keys()) this.link(picture.rows, id);
      return had || this.fused.size > 0;
    }
    let touched = false;
    for (const id of ids) {
      const was = this.unlink(id);
      touched = this.link(picture.rows, id) || was || touched;
    }
    return touched;
  }

  private link(rows: PictureRows, id: string): boolean {
    const slot = rows.slotOf(id);
    if (slot < 0) return false;
    const flags = rows.columns.flags[slot]!;
    if ((flags & ROW.FUSED) === 0 || (flags & ROW.POSITION) === 0) return false;
    // The sources are not a row's: the base view has them as they are.
    const sources = (rows.base(slot).components.fusion as Fusion).sources;
    this.fused.set(id, sources);
    for (const s of sources) {
      let over = this.over.get(s);
      if (over === undefined) this.over.set(s, (over = new Set()));
      over.add(id);
    }
    return true;
  }

  private unlink(id: string): boolean {
    const sources = this.fused.get(id);
    if (sources === undefined) return false;
    this.fused.delete(id);
    for (const s of sources) {
      const over = this.over.get(s);
      over?.delete(id);
      if (over?.size === 0) this.over.delete(s);
    }
    return true;
  }
}
