import { CompactEncoder } from '../core/feed/feed-encoder';
import type { ApprovalView, TaskView } from './approval-views';
import type { ChangeBatch, CompactBatch, EntityView } from './node-api';
import { WatchRelay } from './watch-relay';

/**
 * How a compact watcher is served from the node's change batches (the whole views and the
 * `approvalsOnly` cue are served by the pipeline's watch, c2-pipeline.ts): a feed of its own, the
 * picture first. LatticeNode serves its in-page watchers with these, the worker its page's
 * (create-worker-api.ts), so what crosses to the page is what the watcher reads.
 */

/** What a compact feed is served from: the node's change batches, its picture now, and the approval lists. */
export interface CompactSource {
  watch(listener: (batch: ChangeBatch) => void): () => void;
  /** The picture now, as list() gives it. */
  picture(): EntityView[];
  approvals(): Promise<ApprovalView[]>;
  tasks(): Promise<TaskView[]>;
}

/**
 * Serves one compact watcher (src/core/feed): its first batch is the whole picture as it is now
 * (`snapshot`, every view whole, so each id is named once, before any report of it), then every
 * change, each batch encoded by the feed's one encoder when it leaves. Through a WatchRelay: at most
 * one batch in flight, what changes meanwhile merges into the next, the approvals cue does not wait
 * behind the bulk. `deliver` hands a batch over and returns what settles once it was taken; every
 * batch must reach the reader, in order. Returns the unsubscribe function.
 */
export function serveCompact(
  source: CompactSource,
  deliver: (batch: CompactBatch) => unknown,
  onError: (error: unknown) => void,
): () => void {
  const encoder = new CompactEncoder();
  let first = true;
  const relay = new WatchRelay(
    (batch) => {
      const compact: CompactBatch = {
        ...encoder.encode(batch.changed, batch.removed),
        ...(first ? { snapshot: true as const } : {}),
        ...(batch.approvals === true ? { approvals: true as const } : {}),
        ...(batch.approvalLists === undefined ? {} : { approvalLists: batch.approvalLists }),
      };
      first = false;
      return deliver(compact);
    },
    onError,
    async () => {
      const [approvals, tasks] = await Promise.all([source.approvals(), source.tasks()]);
      return { approvals, tasks };
    },
  );
  // The picture leaves first; a change from here on is pushed after it, so it reaches the reader after it.
  relay.open({ changed: source.picture(), removed: [] });
  const off = source.watch((batch) => relay.push(batch));
  return () => {
    off();
    relay.close();
  };
}
