import type { ApprovalState } from '../core/entity/component-types';
import type { INTERCEPT_TASK, LatticeTaskStatus } from '../core/task/records';

/**
 * What `approvals()` and `tasks()` return (fixed names, see the README's "Automation handle"),
 * and what the approval prompt renders. One definition, shared by the worker and the page.
 */
export interface ApprovalView {
  readonly entityId: string;
  /** The request this approval answers (the encoded timestamp of the threat write that raised it). */
  readonly requestId: string;
  readonly state: ApprovalState;
  /** Why the track is HIGH, as the classifier put it when the request was raised. */
  readonly reason: string;
  /** Epoch ms. */
  readonly requestedAt: number;
  /** Epoch ms after which a pending request times out (auto-deny). */
  readonly deadline: number;
  /** The operator who decided (`auto` for the gate's own time-outs and cancellations). */
  readonly decidedBy?: string;
  /** The node the decision was made on. */
  readonly decidedOn?: string;
  /** Epoch ms. */
  readonly decidedAt?: number;
  /** The approval register holds concurrent heads (e.g. approve on one side, deny on the other). */
  readonly conflict: boolean;
  /** The track's label, when it has one, so the prompt names what it asks about. */
  readonly label?: string;
}

/** An intercept task that stands (its approval is the winner for its request), as `tasks()` returns it. */
export interface TaskView {
  readonly entityId: string;
  readonly task: typeof INTERCEPT_TASK;
  readonly requestId: string;
  readonly status: LatticeTaskStatus;
  /** The node that assigned it: the request's actor. */
  readonly assignedBy: string;
  /** Epoch ms of the last status change. */
  readonly updatedAt: number;
}
