import type { ApprovalView, TaskView } from '../../node/approval-views';

/** How many decided requests the prompt keeps on screen. */
export const RECENT_SHOWN = 5;

/** Pending requests, the one due first on top: that is the one the operator must answer first. */
export function pendingQueue(views: readonly ApprovalView[]): ApprovalView[] {
  return views
    .filter((v) => v.state === 'pending')
    .sort(
      (a, b) =>
        a.deadline - b.deadline ||
        a.requestedAt - b.requestedAt ||
        (a.entityId < b.entityId ? -1 : a.entityId > b.entityId ? 1 : 0),
    );
}

/** Decided requests, the latest decision first. */
export function recentDecisions(views: readonly ApprovalView[], max = RECENT_SHOWN): ApprovalView[] {
  return views
    .filter((v) => v.state !== 'pending')
    .sort((a, b) => (b.decidedAt ?? b.requestedAt) - (a.decidedAt ?? a.requestedAt))
    .slice(0, max);
}

/** The request raised last: the one focus goes to when it appears. */
export function newest(views: readonly ApprovalView[]): ApprovalView | undefined {
  let best: ApprovalView | undefined;
  for (const v of views) if (best === undefined || v.requestedAt > best.requestedAt) best = v;
  return best;
}

/** What changed since the last look, by request: requests seen pending for the first time, and decisions reached. */
export interface QueueChanges {
  readonly raised: readonly ApprovalView[];
  readonly decided: readonly ApprovalView[];
}

/**
 * Compares the views with the state last seen per request (which it updates, forgetting requests
 * no longer listed). A request first seen already decided is history, not news: only a change the
 * operator could have watched is announced.
 */
export function diffQueue(seen: Map<string, ApprovalView['state']>, views: readonly ApprovalView[]): QueueChanges {
  const raised: ApprovalView[] = [];
  const decided: ApprovalView[] = [];
  const listed = new Set<string>();
  for (const v of views) {
    const before = seen.get(v.requestId);
    if (v.state === 'pending' && before === undefined) raised.push(v);
    if (v.state !== 'pending' && before === 'pending') decided.push(v);
    seen.set(v.requestId, v.state);
    listed.add(v.requestId);
  }
  for (const id of seen.keys()) if (!listed.has(id)) seen.delete(id);
  return { raised, decided };
}

/** The task executing a decided request, if one stands. */
export function taskFor(tasks: readonly TaskView[], v: ApprovalView): TaskView | undefined {
  return tasks.find((t) => t.entityId === v.entityId && t.requestId === v.requestId);
}
