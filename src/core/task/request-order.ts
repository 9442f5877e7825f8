import { compareTs, type Timestamp } from '../clock/timestamp';
import type { ApprovalState } from '../entity/component-types';
import { compareRequestIds, type ApprovalRecord, type TaskRecord } from './records';

/**
 * The orders among concurrent heads of `approval` and `task` (a positive result means `a` wins),
 * which src/core/merge/rules.ts applies as byApproval and byTask.
 * Both are total orders (the HLC timestamp is the last key), so every replica picks the same winner.
 *
 * approval: the newer request wins (a late decision about an old request can never stand for a new
 * one); within one request the safer decision wins (denied > timed_out > cancelled > approved >
 * pending: on doubt, do not act); then the later write.
 *
 * task: the newer request wins, then the later write. Only a request's actor writes its task, so
 * within one request the actor's own clock orders the writes; the request key keeps the task
 * register's winner about the same request as the approval register's.
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

export function compareTaskHeads(a: Head<TaskRecord>, b: Head<TaskRecord>): number {
  return compareRequestIds(a.value.requestId, b.value.requestId) || compareTs(a.ts, b.ts);
}
