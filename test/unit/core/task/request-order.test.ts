/** The proposed head orders for approval and task: newer request first, then safety, then HLC. Replay with SEED=<n>. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APPROVAL_STATES } from '../../../../src/core/entity/component-types';
import type { NodeId } from '../../../../src/core/ids';
import { requestIdFor, type ApprovalRecord, type TaskRecord } from '../../../../src/core/task/records';
import { compareApprovalHeads, compareTaskHeads, type Head } from '../../../../src/core/task/request-order';

const r = (ms: number, node = 'A') => requestIdFor({ ms, c: 0, node: node as NodeId });
const approval = (requestId: string, state: ApprovalRecord['state'], ms: number, node = 'B'): Head<ApprovalRecord> => ({
  value: { requestId: requestId as ApprovalRecord['requestId'], state, reason: '', requestedAt: 0, deadline: 1 },
  ts: { ms, c: 0, node: node as NodeId },
});
const task = (requestId: string, ms: number, node = 'A'): Head<TaskRecord> => ({
  value: {
    task: 'intercept',
    requestId: requestId as TaskRecord['requestId'],
    status: 'created',
    assignedBy: node as NodeId,
    updatedAt: ms,
  },
  ts: { ms, c: 0, node: node as NodeId },
});

describe('approval head order', () => {
  it('a newer request beats any decision about an older one, whatever the timestamps', () => {
    expect(compareApprovalHeads(approval(r(2), 'pending', 1), approval(r(1), 'approved', 99))).toBeGreaterThan(0);
    expect(compareApprovalHeads(approval(r(1), 'denied', 99), approval(r(2), 'pending', 1))).toBeLessThan(0);
  });

  it('within one request the safer decision wins, whatever the timestamps', () => {
    const order = ['pending', 'approved', 'cancelled', 'timed_out', 'denied'] as const;
    for (let i = 1; i < order.length; i++) {
      expect(compareApprovalHeads(approval(r(1), order[i]!, 1), approval(r(1), order[i - 1]!, 99))).toBeGreaterThan(0);
    }
    expect(compareApprovalHeads(approval(r(1), 'approved', 2), approval(r(1), 'approved', 1))).toBeGreaterThan(0);
  });

  it('is a total order: antisymmetric and transitive over random heads', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log(`request-order seed ${seed}; replay with SEED=${seed}`);
    const head = fc
      .record({
        req: fc.nat(3),
        state: fc.constantFrom(...APPROVAL_STATES),
        ms: fc.nat(5),
        node: fc.constantFrom('A', 'B'),
      })
      .map((h) => approval(r(h.req), h.state, h.ms, h.node));
    fc.assert(
      fc.property(head, head, head, (a, b, c) => {
        expect(Math.sign(compareApprovalHeads(a, b)) + Math.sign(compareApprovalHeads(b, a))).toBe(0);
        if (compareApprovalHeads(a, b) > 0 && compareApprovalHeads(b, c) > 0) {
          expect(compareApprovalHeads(a, c)).toBeGreaterThan(0);
        }
      }),
      { seed, numRuns: 1_000 },
    );
  });
});

describe('task head order', () => {
  it("the newer request's task wins even when an older request's task was written later", () => {
    expect(compareTaskHeads(task(r(2, 'B'), 3, 'B'), task(r(1), 50))).toBeGreaterThan(0);
    expect(compareTaskHeads(task(r(1), 2), task(r(1), 3))).toBeLessThan(0);
  });

  it("an intercept task beats any other task, whatever the other's request id (a user's far-future id)", () => {
    const intercept = task(r(1), 2);
    const user: Head<TaskRecord> = {
      ...task(r(5, 'C'), 9, 'C'),
      value: { ...task(r(5, 'C'), 9, 'C').value, task: 'patrol' as 'intercept' },
    };
    const farFuture: Head<TaskRecord> = { ...user, value: { ...user.value, requestId: r(9e12, 'C') } };
    for (const other of [user, farFuture]) {
      expect(compareTaskHeads(intercept, other)).toBeGreaterThan(0);
      expect(compareTaskHeads(other, intercept)).toBeLessThan(0);
    }
  });

  it('a task naming a request at or after its own timestamp (made up) loses to a plausible one', () => {
    expect(compareTaskHeads(task(r(100, 'C'), 5, 'C'), task(r(1), 2))).toBeLessThan(0);
    expect(compareTaskHeads(task(r(5, 'C'), 5, 'C'), task(r(1), 2))).toBeLessThan(0);
  });

  it('is a total order: antisymmetric and transitive over random heads (any kind, plausible or not)', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    const head = fc
      .record({ req: fc.nat(6), ms: fc.nat(6), node: fc.constantFrom('A', 'B'), intercept: fc.boolean() })
      .map((h) => {
        const t = task(r(h.req), h.ms, h.node);
        return h.intercept ? t : { ...t, value: { ...t.value, task: 'patrol' as 'intercept' } };
      });
    fc.assert(
      fc.property(head, head, head, (a, b, c) => {
        expect(Math.sign(compareTaskHeads(a, b)) + Math.sign(compareTaskHeads(b, a))).toBe(0);
        if (compareTaskHeads(a, b) > 0 && compareTaskHeads(b, c) > 0) expect(compareTaskHeads(a, c)).toBeGreaterThan(0);
      }),
      { seed, numRuns: 1_000 },
    );
  });
});
