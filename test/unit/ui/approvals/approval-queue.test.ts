import { describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../../../src/node/approval-views';
import { diffQueue, newest, pendingQueue, recentDecisions } from '../../../../src/ui/approvals/approval-queue';

const T0 = 1_700_000_000_000;

function view(entityId: string, state: ApprovalView['state'], requestedAt: number, extra: Partial<ApprovalView> = {}) {
  return {
    entityId,
    requestId: `${requestedAt}-${entityId}`,
    state,
    reason: 'HOSTILE 0.90',
    requestedAt,
    deadline: requestedAt + 30_000,
    conflict: false,
    ...extra,
  } satisfies ApprovalView;
}

describe('the approval queue', () => {
  it('puts the request due first on top, and the latest decision first', () => {
    const a = view('a', 'pending', T0 + 2_000);
    const b = view('b', 'pending', T0, { deadline: T0 + 60_000 });
    const c = view('c', 'pending', T0 + 1_000);
    const d = view('d', 'denied', T0, { decidedAt: T0 + 5_000 });
    const e = view('e', 'timed_out', T0, { decidedAt: T0 + 9_000 });
    expect(pendingQueue([a, b, c, d, e]).map((v) => v.entityId)).toEqual(['c', 'a', 'b']);
    expect(recentDecisions([a, d, e]).map((v) => v.entityId)).toEqual(['e', 'd']);
    expect(recentDecisions([d, e], 1).map((v) => v.entityId)).toEqual(['e']);
    expect(newest([a, b, c])?.entityId).toBe('a');
  });

  it('reports a request once when raised and once when decided, and never old news', () => {
    const seen = new Map<string, ApprovalView['state']>();
    const a = view('a', 'pending', T0);
    const old = view('old', 'approved', T0 - 60_000);
    expect(diffQueue(seen, [a, old])).toEqual({ raised: [a], decided: [] });
    expect(diffQueue(seen, [a, old])).toEqual({ raised: [], decided: [] });
    const done = { ...a, state: 'denied' as const };
    expect(diffQueue(seen, [done, old])).toEqual({ raised: [], decided: [done] });
    expect(diffQueue(seen, [done, old])).toEqual({ raised: [], decided: [] });
    // A newer request on the same track is a new request.
    const again = view('a', 'pending', T0 + 90_000);
    expect(diffQueue(seen, [again])).toEqual({ raised: [again], decided: [] });
    expect([...seen.keys()]).toEqual([again.requestId]);
  });
});
