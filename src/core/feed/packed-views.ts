import type { NodeId } from '../ids';
import type { EntityView } from '../store/entity-view';
import type { CompactViews } from './compact-batch';
import { CompactDecoder } from './feed-decoder';
import { CompactEncoder } from './feed-encoder';
import { ROW, viewOfRow } from './track-row';

/**
 * Views sent once, outside any feed (the views a `callMany` answers with, src/node/worker-api.ts):
 * as one compact batch of a feed of their own (compact-batch.ts), so a view that is no more than a
 * row (a new track's position, one head: track-row.ts, freshBase) crosses as a row of one
 * transferred buffer instead of an object graph the structured clone walks. Cloning each create()'s
 * whole view back to the page was ~7 µs of the writing worker's time per call in Chromium
 * (docs/benchmarks.md, scenario 7). A view a row cannot stand for travels whole, as in a feed:
 * what `unpackViews` gives back equals each view exactly (feed-encoder.ts compares them).
 */
export function packViews(views: readonly EntityView[]): CompactViews {
  return new CompactEncoder().encode(views, []);
}

/** The views of a `packViews` batch that crossed a thread: row i's view (its checks as a feed's, feed-decoder.ts). */
export function unpackViews(message: unknown): (row: number) => EntityView {
  const d = new CompactDecoder().decode(message);
  const authorOf = (k: number): NodeId => d.authors[k]!;
  return (row) => {
    if (!Number.isInteger(row) || row < 0 || row >= d.rows) throw new RangeError(`no view ${String(row)} in the batch`);
    return (d.columns.flags[row]! & ROW.FULL) !== 0
      ? d.bases[row]!
      : viewOfRow(d.bases[row]!, d.columns, row, authorOf);
  };
}
