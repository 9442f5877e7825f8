import type { NodeId } from '../ids';
import type { EntityView } from '../store/entity-view';
import { allocateBatch, type CompactViews } from './compact-batch';
import { sameData } from './same-data';
import { freshBase, mayComplete, ROW, viewOfRow, writeRow } from './track-row';

/**
 * The sending end of one compact feed (compact-batch.ts): one per watcher, since its tables are
 * what that watcher's decoder (feed-decoder.ts) holds. Each `encode` must reach the decoder, in
 * order; a watcher that misses one starts a new feed.
 *
 * An id gets an index the first time the feed names it and keeps it until it is removed; an index
 * freed by a removal is given again only from the next batch on, so within a batch one index is
 * one id. The encoder keeps, per index, the base: the last view it sent whole (a new id's is its
 * fresh base, track-row.ts, which the decoder makes too). A changed view goes
 * as its row alone when the row completes that base into exactly the view (`viewOfRow`, compared
 * with `sameData`), else whole, and becomes the new base. Authors get an index the first time and
 * keep it (they are few: the lattice's members).
 */
export class CompactEncoder {
  private readonly indexOf = new Map<string, number>();
  private readonly bases: (EntityView | undefined)[] = [];
  /** Indices freed by earlier batches, free to give again. */
  private free: number[] = [];
  private readonly authorIndex = new Map<string, number>();
  private readonly authors: NodeId[] = [];
  private seq = 0;

  /**
   * The next batch. Its number is spent first: if encoding throws half way (its tables then no
   * longer match the decoder's), the next batch's number is one the decoder does not expect, so
   * the feed ends there and the watcher starts a new one, instead of building on a batch it never
   * got.
   */
  encode(changed: readonly EntityView[], removed: readonly string[]): CompactViews {
    const seq = this.seq++;
    const freed: number[] = [];
    for (const id of removed) {
      const k = this.indexOf.get(id);
      if (k === undefined) continue;
      this.indexOf.delete(id);
      this.bases[k] = undefined;
      freed.push(k);
    }
    const ids: string[] = [];
    const indices: number[] = [];
    const newIndices: number[] = [];
    for (const view of changed) {
      let k = this.indexOf.get(view.id);
      if (k === undefined) {
        k = this.free.pop() ?? this.bases.length;
        if (k === this.bases.length) this.bases.push(undefined);
        // A new id starts from its fresh base: a row that completes it into the view goes alone.
        this.bases[k] = freshBase(view.id);
        this.indexOf.set(view.id, k);
        ids.push(view.id);
        newIndices.push(k);
      }
      indices.push(k);
    }
    const parts = allocateBatch(changed.length, ids.length, seq);
    parts.newIds.set(newIndices);
    const c = parts.columns;
    const newAuthors: NodeId[] = [];
    const intern = (author: NodeId): number => {
      let a = this.authorIndex.get(author);
      if (a === undefined) {
        a = this.authors.length;
        this.authors.push(author);
        this.authorIndex.set(author, a);
        newAuthors.push(author);
      }
      return a;
    };
    const authorOf = (a: number): NodeId => this.authors[a]!;
    const views: EntityView[] = [];
    for (let i = 0; i < changed.length; i++) {
      const view = changed[i]!;
      const k = indices[i]!;
      c.index[i] = k;
      writeRow(c, i, view, intern);
      const base = this.bases[k];
      if (base !== undefined && mayComplete(base, view) && sameData(viewOfRow(base, c, i, authorOf), view)) continue;
      c.flags[i] = c.flags[i]! | ROW.FULL;
      views.push(view);
      this.bases[k] = view;
    }
    // One by one: spread, 125k freed indices (a peer's mass delete) overflow the call stack.
    for (const k of freed) this.free.push(k);
    return { buffer: parts.buffer, ids, authors: newAuthors, views, removed: [...removed] };
  }
}
