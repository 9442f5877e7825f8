import type { UiClient } from '../ui-client';

/** The part of the node the approval prompt uses: the handle's approval calls and the change feed. */
export type ApprovalClient = Pick<UiClient, 'approvals' | 'tasks' | 'decide' | 'watch'>;
