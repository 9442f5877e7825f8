import { CompactEncoder } from '../core/feed/feed-encoder';
import type { ChangeBatch, CompactBatch, EntityView } from './node-api';
import { WatchRelay } from './watch-relay';

/**
 * How a compact watcher is served from the node's change batches (the whole views and the
 * `approvalsOnly` cue are served by the pipeline's watch, c2-pipeline.ts): a feed of its own, the
 * picture first. LatticeNode serves its in-page watchers with these, the worker its page's
 * (create-worker-api.ts), so what crosses to the page is what the watcher reads.
 */

/** What a compact feed is served from: the node's change batches and its picture now. */
export interface CompactSource {
  watch(listener: (batch: ChangeBatch) => void): () => void;
  /** The picture now, as list() gives it. */
  picture(): EntityView[];
}

/**
 * Serves one compact watcher (src/core/feed): its first batch is the whole picture as it is now
 * (`snapshot`, every view whole, so each id is named once, before any report of it), then every
 * change, each batch encoded by the feed's one encoder when it leaves. Through a WatchRelay: at most
 * one batch in flight, what changes meanwhile merges into the next. `deliver` hands a batch over and returns what settles once it was taken; every
 * batch must reach the reader, in order. Returns the unsubscribe function.
 */
export function serveCompact(
  source: CompactSource,
  deliver: (batch: CompactBatch) => unknown,
  onError: (error: unknown) => void,
): () => void {
  const encoder = new CompactEncoder();
  let first = true;
  // No approval lists: the page's picture reads none (the prompt has its own approvals-only watch),
  // so the feed neither waits for them nor copies them across.
  const relay = new WatchRelay((batch) => {
    const compact: CompactBatch = {
      ...encoder.encode(batch.changed, batch.removed),
      ...(first ? { snapshot: true as const } : {}),
    };
    first = false;
    return deliver(compact);
  }, onError);
  // The picture leaves first; a change from here on is pushed after it, so it reaches the reader after it.
  relay.open({ changed: source.picture(), removed: [] });
  const off = source.watch((batch) => relay.push(batch));
  return () => {
    off();
    relay.close();
  };
}
