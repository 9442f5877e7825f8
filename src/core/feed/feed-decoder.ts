import { ValidationError } from '../errors';
import { isEntityId, type NodeId } from '../ids';
import type { EntityView } from '../store/entity-view';
import { readBatch } from './compact-batch';
import type { TrackColumns } from './track-columns';
import { DISPOSITION_CODES, ENVIRONMENT_CODES, freshBase, NO_AUTHOR, ROW, ROW_FLAGS, THREAT_CODES } from './track-row';

/** A batch read back: per row its id and base, over the batch's own columns. */
export interface DecodedViews {
  readonly rows: number;
  /** The rows, over the transferred buffer (author indices point into `authors`). */
  readonly columns: TrackColumns;
  /** Each row's entity id. */
  readonly ids: readonly string[];
  /**
   * Each row's base: the entity's last view sent whole (the row's own view when it is flagged
   * FULL; the id's fresh base, track-row.ts, until one is), which the row completes into the
   * current view (track-row.ts, viewOfRow).
   */
  readonly bases: readonly EntityView[];
  /** The feed's author table. */
  readonly authors: readonly NodeId[];
  /** Ids gone from the picture; applied before the rows. */
  readonly removed: readonly string[];
}

/**
 * The receiving end of one compact feed (compact-batch.ts): holds the id table, the authors and
 * each id's base as the encoder (feed-encoder.ts) sent them, and checks every batch against them
 * before taking it: the layout, every new id (an entity id, at a free index, not already held),
 * every row (a known index, known flags, codes and author indices in range, a finite position, a
 * base for a row that has no view of its own, a view under its row's id), and that every view sent
 * belongs to a row. A batch that fails throws a ValidationError and leaves the decoder unusable
 * (its tables may be half updated): the reader starts a new feed.
 */
export class CompactDecoder {
  private readonly ids: (string | undefined)[] = [];
  private readonly indexOf = new Map<string, number>();
  private readonly bases: (EntityView | undefined)[] = [];
  private readonly authors: NodeId[] = [];
  private broken = false;
  private seq = 0;

  decode(message: unknown): DecodedViews {
    if (this.broken) throw new ValidationError('compact feed: an earlier batch was refused; start a new feed');
    this.broken = true;
    const batch = readBatch(message);
    if (batch.seq !== this.seq)
      throw new ValidationError(
        `compact feed: batch ${batch.seq.toString()} where ${this.seq.toString()} was next (one was lost); start a new feed`,
      );
    this.seq++;
    for (const id of batch.removed) {
      const k = this.indexOf.get(id);
      if (k === undefined) continue;
      this.indexOf.delete(id);
      this.ids[k] = undefined;
      this.bases[k] = undefined;
    }
    for (let n = 0; n < batch.ids.length; n++) {
      const id = batch.ids[n]!;
      const k = batch.newIds[n]!;
      if (!isEntityId(id)) throw new ValidationError(`compact feed: ${JSON.stringify(id)} is not an entity id`);
      if (this.indexOf.has(id)) throw new ValidationError(`compact feed: ${id} already has an index`);
      if (k > this.ids.length || this.ids[k] !== undefined)
        throw new ValidationError(`compact feed: index ${k.toString()} is not free`);
      this.ids[k] = id;
      this.indexOf.set(id, k);
      // As the encoder: a new id's row may complete its fresh base into its view (track-row.ts).
      this.bases[k] = freshBase(id);
    }
    for (const author of batch.authors) this.authors.push(author as NodeId);
    const c = batch.columns;
    const ids: string[] = new Array<string>(batch.rows);
    const bases: EntityView[] = new Array<EntityView>(batch.rows);
    let viewsUsed = 0;
    for (let i = 0; i < batch.rows; i++) {
      const k = c.index[i]!;
      const id = this.ids[k];
      if (id === undefined) throw new ValidationError(`compact feed: row ${i.toString()} names no id`);
      const flags = c.flags[i]!;
      if ((flags & ~ROW_FLAGS) !== 0) throw new ValidationError(`compact feed: unknown flags on ${id}`);
      let base: EntityView | undefined;
      if ((flags & ROW.FULL) !== 0) {
        base = batch.views[viewsUsed++];
        if (base?.id !== id) throw new ValidationError(`compact feed: the view of row ${i.toString()} is not ${id}'s`);
        this.bases[k] = base;
      } else {
        base = this.bases[k];
        if (base === undefined) throw new ValidationError(`compact feed: ${id} has no base view`);
      }
      this.checkRow(c, i, id, (flags & ROW.FULL) !== 0);
      ids[i] = id;
      bases[i] = base;
    }
    if (viewsUsed !== batch.views.length) throw new ValidationError('compact feed: views without a row');
    this.broken = false;
    return { rows: batch.rows, columns: c, ids, bases, authors: this.authors, removed: batch.removed };
  }

  /** What the page reads of a row without its view: finite where present, codes and authors in range. */
  private checkRow(c: TrackColumns, i: number, id: string, full: boolean): void {
    const flags = c.flags[i]!;
    const bad = (what: string): never => {
      throw new ValidationError(`compact feed: ${id}: ${what}`);
    };
    if (!Number.isFinite(c.updatedAt[i])) bad('updatedAt is not a number');
    if (c.threat[i]! > THREAT_CODES || c.disposition[i]! > DISPOSITION_CODES || c.environment[i]! > ENVIRONMENT_CODES)
      bad('a code out of range');
    if ((flags & ROW.POSITION) !== 0) {
      if (!Number.isFinite(c.lat[i]) || !Number.isFinite(c.lon[i])) bad('position is not finite');
      this.checkVersion(full, c.positionTime[i]!, c.positionAuthor[i]!, bad);
    }
    if ((flags & ROW.VELOCITY) !== 0) this.checkVersion(full, c.velocityTime[i]!, c.velocityAuthor[i]!, bad);
  }

  /** A row standing for its view gives each version a time and a known author (a whole view has its own). */
  private checkVersion(full: boolean, time: number, author: number, bad: (what: string) => never): void {
    if (author !== NO_AUTHOR && author >= this.authors.length) bad('an unknown author');
    if (!full && (!Number.isFinite(time) || author === NO_AUTHOR)) bad('a version without time or author');
  }
}
