import { ValidationError } from '../errors';
import type { EntityView } from '../store/entity-view';
import { TrackColumns } from './track-columns';

/**
 * A compact change batch: the entity views of a `watch` batch as they cross from the node's worker
 * to the page (docs/ui.md, "Rendering"). Every changed entity is one row of columns
 * (track-columns.ts, track-row.ts) in ONE ArrayBuffer, transferred rather than cloned; an entity's
 * id travels as text only the first time this feed names it, then as its index in the feed's id
 * table; a whole view travels only when something a row does not hold changed (a classification,
 * a threat, a new component), or the id is new to the feed and its view is more than a row holds
 * (track-row.ts, freshBase). feed-encoder.ts makes them, feed-decoder.ts
 * reads them back; this file is the layout, and the one place it is checked.
 *
 * The buffer: a header of four Uint32 (MAGIC, rows, new ids, the batch's number in its feed from
 * 0), the rows' columns, then the new ids'
 * indices (Uint32, one per entry of `ids`).
 */
export interface CompactViews {
  readonly buffer: ArrayBuffer;
  /** Ids new to the feed, in the order of the buffer's new-id indices. */
  readonly ids: readonly string[];
  /** Authors new to the feed, appended in order to its author table (the rows' author indices). */
  readonly authors: readonly string[];
  /** The whole views of the rows flagged FULL, in row order. */
  readonly views: readonly EntityView[];
  /** Ids gone from the picture (as text: the page may hold them from a snapshot the feed never named). */
  readonly removed: readonly string[];
}

/** "LMC" and the layout's version: a buffer of another layout is refused, not misread. */
export const MAGIC = 0x4c4d4301;
const HEADER_BYTES = 16;

/** The parts of a batch's buffer, as views over it. */
export interface BatchParts {
  readonly buffer: ArrayBuffer;
  readonly rows: number;
  /**
   * The batch's number in its feed, from 0: a decoder takes only the next one, so a batch lost, or
   * one the encoder failed half way through (its number spent), ends the feed instead of leaving
   * the page building on a view it never got.
   */
  readonly seq: number;
  readonly columns: TrackColumns;
  /** The index given to each new id, in `ids` order. */
  readonly newIds: Uint32Array;
}

function byteLengthOf(rows: number, newIds: number): number {
  return HEADER_BYTES + TrackColumns.byteLength(rows) + 4 * newIds;
}

function partsOf(buffer: ArrayBuffer, rows: number, newIds: number, seq: number): BatchParts {
  const columns = new TrackColumns(buffer, HEADER_BYTES, rows);
  const at = HEADER_BYTES + TrackColumns.byteLength(rows);
  return { buffer, rows, seq, columns, newIds: new Uint32Array(buffer, at, newIds) };
}

/** A buffer for `rows` rows and `newIds` new ids, its header written; the caller fills the rest. */
export function allocateBatch(rows: number, newIds: number, seq: number): BatchParts {
  const buffer = new ArrayBuffer(byteLengthOf(rows, newIds));
  new Uint32Array(buffer, 0, 4).set([MAGIC, rows, newIds, seq]);
  return partsOf(buffer, rows, newIds, seq);
}

const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

/**
 * The parts of a batch that came from another thread, after checking its shape: the buffer's
 * header and exact length, and the text and view lists. What the rows say is checked against the
 * feed's tables by the decoder (feed-decoder.ts).
 */
export function readBatch(message: unknown): BatchParts & Omit<CompactViews, 'buffer'> {
  const m = message as Partial<Record<keyof CompactViews, unknown>> | null;
  if (typeof m !== 'object' || m === null) throw new ValidationError('compact batch: not an object');
  const { buffer, ids, authors, views, removed } = m;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < HEADER_BYTES)
    throw new ValidationError('compact batch: no buffer');
  if (!isStringArray(ids) || !isStringArray(authors) || !isStringArray(removed))
    throw new ValidationError('compact batch: ids, authors and removed must be lists of text');
  if (!Array.isArray(views) || !views.every(isViewLike)) throw new ValidationError('compact batch: malformed views');
  const [magic, rows, newIds, seq] = new Uint32Array(buffer, 0, 4) as unknown as [number, number, number, number];
  if (magic !== MAGIC) throw new ValidationError('compact batch: unknown layout');
  if (newIds !== ids.length) throw new ValidationError('compact batch: new ids do not match their indices');
  if (buffer.byteLength !== byteLengthOf(rows, newIds))
    throw new ValidationError(`compact batch: ${buffer.byteLength.toString()} bytes for ${rows.toString()} rows`);
  return { ...partsOf(buffer, rows, newIds, seq), ids, authors, views: views as EntityView[], removed };
}

/** The shape a view must have for the page to hold it (its values are the node's, validated there). */
function isViewLike(v: unknown): boolean {
  const view = v as Partial<Record<keyof EntityView, unknown>> | null;
  return (
    typeof view === 'object' &&
    view !== null &&
    typeof view.id === 'string' &&
    typeof view.components === 'object' &&
    view.components !== null &&
    typeof view.meta === 'object' &&
    view.meta !== null &&
    Array.isArray(view.conflicts) &&
    typeof view.updatedAt === 'number'
  );
}
