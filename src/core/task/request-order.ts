import { compareTs, type Timestamp } from '../clock/timestamp';
import type { ApprovalState } from '../entity/component-types';
import { compareRequestIds, INTERCEPT_TASK, plausibleRequest, type ApprovalRecord, type TaskRecord } from './records';

/**
 * The orders among concurrent heads of `approval` and `task` (a positive result means `a` wins),
 * which src/core/merge/rules.ts applies as byApproval and byTask.
 * Both are total orders (the HLC timestamp is the last key), so every replica picks the same winner.
 *
 * approval: the newer request wins (a late decision about an old request can never stand for a new
 * one); within one request the safer decision wins (denied > timed_out > cancelled > approved >
 * pending: on doubt, do not act); then the later write.
 *
 * task: an intercept task wins over any other task (the register holds the gate's intercept while
 * there is one; a user's task written concurrently with it, with whatever request id, must not hide
 * it, or the actor would assign the approved request a second time); then a plausible request id
 * (plausibleRequest: named before the write's own timestamp) over a made-up one; then the newer
 * request, then the later write. Only a request's actor writes its task, so within one request the
 * actor's own clock orders the writes; the request key keeps the task register's winner about the
 * same request as the approval register's.
 */
export const APPROVAL_SAFETY: Readonly<Record<ApprovalState, number>> = {
  pending: 0,
  approved: 1,
  cancelled: 2,
  timed_out: 3,
  denied: 4,
};

export interface Head<T> {
  readonly value: T;
  readonly ts: Timestamp;
}

export function compareApprovalHeads(a: Head<ApprovalRecord>, b: Head<ApprovalRecord>): number {
  return (
    compareRequestIds(a.value.requestId, b.value.requestId) ||
    APPROVAL_SAFETY[a.value.state] - APPROVAL_SAFETY[b.value.state] ||
    compareTs(a.ts, b.ts)
  );
}

/** A task head's rank before its request id: intercept first, then a plausible request id. */
function taskRank(h: Head<Pick<TaskRecord, 'requestId'> & { readonly task?: string }>): number {
  return (h.value.task === INTERCEPT_TASK ? 2 : 0) + (plausibleRequest(h.value.requestId, h.ts) ? 1 : 0);
}

/** Heads of the `task` register: any task kind (the gate's intercept or a user's), typed loosely. */
export function compareTaskHeads(
  a: Head<Pick<TaskRecord, 'requestId'> & { readonly task?: string }>,
  b: Head<Pick<TaskRecord, 'requestId'> & { readonly task?: string }>,
): number {
  return taskRank(a) - taskRank(b) || compareRequestIds(a.value.requestId, b.value.requestId) || compareTs(a.ts, b.ts);
}
