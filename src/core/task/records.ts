import { decodeTs, encodeTs, type Timestamp } from '../clock/timestamp';
import { TASK_STATUSES, type ApprovalState, type TaskStatus, type ThreatLevel } from '../entity/component-types';
import type { NodeId } from '../ids';

/**
 * The `approval` and `task` component values as the approval gate types them: the component shapes
 * (component-types.ts: a request id, the decision naming the request it answers, who decided on
 * which node and when, and Lattice's task statuses) with the request id branded.
 */

/**
 * A request's id is the encoded HLC timestamp of the `threat` write that raised it
 * (encodeTs: `<ms hex 12><counter hex 4><node id>`). So it is
 * - derived deterministically: a restarted node re-derives the same id and does not ask twice;
 * - unique per entity: no two writes share a timestamp;
 * - ordered: comparing ids as strings orders requests by the threat writes that raised them, which
 *   is how a newer request supersedes an older one in the merge (request-order.ts);
 * - self-describing about who acts: the timestamp's node is the request's creator and actor.
 */
export type RequestId = string & { readonly __brand: 'RequestId' };

export function requestIdFor(threatVersion: Timestamp): RequestId {
  return encodeTs(threatVersion) as RequestId;
}

/** The node that created the request and is the only one that may assign its task. */
export function actorOf(requestId: RequestId): NodeId | undefined {
  return decodeTs(requestId)?.node;
}

export function compareRequestIds(a: RequestId, b: RequestId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether a record written at `version` can honestly name `requestId`: every honest approval or task
 * write comes after the threat write its request id names (its writer has seen that threat, so its
 * HLC is past it). A record naming a request at or after its own timestamp is made up: ranked by
 * its request id it would win every merge and hide the real request.
 */
export function plausibleRequest(requestId: string, version: Timestamp): boolean {
  return compareRequestIds(requestId as RequestId, encodeTs(version) as RequestId) < 0;
}

/** Who decided: the operator (signed by the security issue), on which node, when (epoch ms). */
export interface Decision {
  readonly decidedBy: string;
  readonly decidedOn: NodeId;
  readonly decidedAt: number;
}

/** The `approval` component value (component-types.ts Approval) with its request id branded. Declared as a type (not an interface) so it is JSON. */
export type ApprovalRecord = {
  readonly requestId: RequestId;
  readonly state: ApprovalState;
  /** Why the track is HIGH, as the classifier put it when the request was raised. */
  readonly reason: string;
  /** Epoch ms when the request was raised. */
  readonly requestedAt: number;
  /** Epoch ms after which a pending request times out (auto-deny). */
  readonly deadline: number;
} & Partial<Decision>;

/** Lattice task statuses, declared once with the component (component-types.ts). */
export const LATTICE_TASK_STATUSES = TASK_STATUSES;
export type LatticeTaskStatus = TaskStatus;

/** The kind of task the gate governs: only the gate writes it (docs/c2-pipeline.md). */
export const INTERCEPT_TASK = 'intercept';

/** The `task` component value (component-types.ts Task) of an intercept, its request id branded. */
export type TaskRecord = {
  readonly task: typeof INTERCEPT_TASK;
  /** The approved request this task executes; the task exists only while that approval stands. */
  readonly requestId: RequestId;
  readonly status: LatticeTaskStatus;
  /** The node that assigned it: always actorOf(requestId). */
  readonly assignedBy: NodeId;
  /** Epoch ms of the last status change. */
  readonly updatedAt: number;
};

export const TERMINAL_TASK_STATUSES: readonly LatticeTaskStatus[] = ['done_ok', 'done_not_ok', 'cancelled'];

export function isActiveTask(t: TaskRecord | undefined): t is TaskRecord {
  return t !== undefined && !TERMINAL_TASK_STATUSES.includes(t.status);
}

/** The only forward steps an asset's reports may make (cancellation is the gate's, not the asset's). */
export const NEXT_TASK_STATUS: Readonly<Record<LatticeTaskStatus, readonly LatticeTaskStatus[]>> = {
  created: ['sent'],
  sent: ['acknowledged', 'done_not_ok'],
  acknowledged: ['executing', 'done_not_ok'],
  executing: ['done_ok', 'done_not_ok'],
  done_ok: [],
  done_not_ok: [],
  cancelled: [],
};

/** What the gate reads of the `threat` component: the winning head, its author and version. */
export interface ThreatView {
  readonly level: ThreatLevel;
  /** The HLC timestamp of the winning threat write (its node is the author). */
  readonly version: Timestamp;
  /** The classifier's explanation, carried into the request. */
  readonly reason: string;
}
