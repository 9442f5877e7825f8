import type { ApprovalView } from '../../../src/node/approval-views';

/** A fixed epoch for fixture requests, so countdowns read the same on every run. */
export const T0 = Date.UTC(2026, 0, 15, 9, 30, 0);

const NODE_A = 'k7Qm2xVfPz0aLrT9hYc4dWbE1uNsG8oJ';

/** A pending request as the gate raises it: deadline 30 s after it was raised unless told. */
export function pendingView(entityId: string, overrides: Partial<ApprovalView> = {}): ApprovalView {
  const requestedAt = overrides.requestedAt ?? T0;
  return {
    entityId,
    requestId: `000000000001${entityId}`,
    state: 'pending',
    reason: 'HOSTILE 0.90, closing 150 m/s, 14.0 km, 93 s to go',
    requestedAt,
    deadline: requestedAt + 30_000,
    conflict: false,
    ...overrides,
  };
}

/** The same request, decided. */
export function decidedView(
  v: ApprovalView,
  state: Exclude<ApprovalView['state'], 'pending'>,
  overrides: Partial<ApprovalView> = {},
): ApprovalView {
  return {
    ...v,
    state,
    decidedBy: state === 'timed_out' || state === 'cancelled' ? 'auto' : 'alice',
    decidedOn: NODE_A,
    decidedAt: v.requestedAt + 12_000,
    ...overrides,
  };
}
