import type { ApprovalView, TaskView } from '../../node/approval-views';
import type { ChangeBatch } from '../../node/node-api';
import type { Verdict } from './approval-events';

/** The part of the node the approval prompt uses: the handle's approval calls and the change feed. */
export interface ApprovalClient {
  approvals(): Promise<ApprovalView[]>;
  tasks(): Promise<TaskView[]>;
  decide(entityId: string, verdict: Verdict): Promise<unknown>;
  watch(listener: (batch: ChangeBatch) => void): () => void;
}
