import { isEncodedTs } from '../core/clock/timestamp';
import { ValidationError } from '../core/errors';
import { num } from '../core/entity/validate-fields';
import { asEntityId, type EntityId } from '../core/ids';
import type { RequestId } from '../core/task/records';

import { MAX_APPROVAL_DEADLINE_MS, MIN_APPROVAL_DEADLINE_MS } from '../core/task/approval-deadline';

export { MAX_APPROVAL_DEADLINE_MS, MIN_APPROVAL_DEADLINE_MS };

export type DecisionArg = 'approve' | 'deny';

export interface DecideArgs {
  readonly entity: EntityId;
  readonly decision: DecisionArg;
  readonly requestId?: RequestId;
}

/** Checks `decide(entityId, decision, requestId?)` whole, naming the first bad argument. */
export function checkDecide(entityId: unknown, decision: unknown, requestId: unknown): DecideArgs {
  if (typeof entityId !== 'string') throw new ValidationError('decide.entityId: expected an entity id');
  const entity = asEntityId(entityId);
  if (decision !== 'approve' && decision !== 'deny') {
    throw new ValidationError(`decide.decision: expected 'approve' or 'deny', got ${JSON.stringify(decision)}`);
  }
  if (requestId === undefined) return { entity, decision };
  if (!isEncodedTs(requestId)) throw new ValidationError('decide.requestId: expected a request id from approvals()');
  return { entity, decision, requestId: requestId as RequestId };
}

export function checkApprovalDeadline(ms: unknown): number {
  const n = num(ms, 'setApprovalDeadline.ms', MIN_APPROVAL_DEADLINE_MS, MAX_APPROVAL_DEADLINE_MS);
  if (!Number.isInteger(n)) throw new ValidationError('setApprovalDeadline.ms: expected whole milliseconds');
  return n;
}
