/** Every transition of the approval gate and task state machine (table in docs/c2-pipeline.md). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SKEW_MS } from '../../../../src/core/clock/hlc';
import {
  AUTO_DECIDER,
  DEFAULT_FOLLOWER_GRACE_MS,
  MAX_REASON,
  assignedHere,
  effectiveTask,
  followerGraceFor,
} from '../../../../src/core/task/gate';
import { byApproval } from '../../../../src/core/merge/rules';
import { compareApprovalHeads } from '../../../../src/core/task/request-order';
import { actorOf, requestIdFor, type ApprovalRecord } from '../../../../src/core/task/records';
import { A, B, GateDriver, threat } from './gate-fixtures';

const T0 = 1_000_000;
const HIGH = threat('HIGH', T0, A, 'HOSTILE 0.9, closing 200 m/s, 12 km');
const R1 = requestIdFor(HIGH.version);

/** A driver on node A with a pending request raised at T0. */
function pendingOnA(): GateDriver {
  const g = new GateDriver(A);
  g.step({ type: 'threat', threat: HIGH }, T0);
  return g;
}

describe('raise: threat HIGH → pending request', () => {
  it('the author of the HIGH threat raises a pending request with a deterministic id, reason and deadline', () => {
    const g = pendingOnA();
    expect(g.last.writes).toEqual([
      {
        kind: 'approval',
        value: { requestId: R1, state: 'pending', reason: HIGH.reason, requestedAt: T0, deadline: T0 + 30_000 },
      },
    ]);
    expect(actorOf(R1)).toBe(A);
    expect(g.last.wake).toBe(T0 + 30_000);
  });

  it('another node seeing the same HIGH threat does not raise a second request', () => {
    const g = new GateDriver(B);
    expect(g.step({ type: 'threat', threat: HIGH }, T0).writes).toEqual([]);
    expect(g.last.wake).toBeUndefined();
  });

  it('LOW and MEDIUM raise nothing', () => {
    const g = new GateDriver(A);
    expect(g.step({ type: 'threat', threat: threat('MEDIUM', T0) }, T0).writes).toEqual([]);
  });

  it('a restart re-derives the same id and does not ask twice', () => {
    const g = pendingOnA();
    const persisted = g.state;
    const restarted = new GateDriver(A);
    restarted.state = persisted;
    expect(restarted.step({ type: 'restart' }, T0 + 5_000).writes).toEqual([]);
    expect(restarted.last.wake).toBe(T0 + 30_000);
  });
});

describe('decide on a pending request', () => {
  it('approve (on any node) → approved, recording who, where and when; the actor then assigns the task', () => {
    const a = pendingOnA();
    const b = new GateDriver(B);
    b.step({ type: 'threat', threat: HIGH }, T0);
    b.step({ type: 'observed', approval: a.state.approval, task: undefined }, T0 + 10);
    const d = b.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op-kim' }, T0 + 2_000);
    expect(d.rejected).toBeUndefined();
    expect(d.writes).toEqual([
      {
        kind: 'approval',
        value: { ...a.state.approval, state: 'approved', decidedBy: 'op-kim', decidedOn: B, decidedAt: T0 + 2_000 },
      },
    ]);
    expect(d.wake).toBeUndefined();
    // B is not the actor: it assigns nothing.
    expect(b.state.task).toBeUndefined();
    const act = a.step({ type: 'observed', approval: b.state.approval, task: undefined }, T0 + 2_050);
    expect(act.writes).toEqual([
      {
        kind: 'task',
        value: { task: 'intercept', requestId: R1, status: 'created', assignedBy: A, updatedAt: T0 + 2_050 },
      },
    ]);
    expect(effectiveTask(a.state)?.status).toBe('created');
    expect(assignedHere(a.state, A)).toBe(a.state.task);
  });

  it('the actor never acts on an approval of a request it did not raise from the threat that stands', () => {
    // A member approves, as itself, a request id that names A as its actor but that A never raised
    // (docs/security.md, gate authority): A's own request R1 is superseded and nothing is assigned.
    const a = pendingOnA();
    const madeUp = requestIdFor({ ms: T0 + 500, c: 0, node: A });
    const forged: ApprovalRecord = {
      requestId: madeUp,
      state: 'approved',
      reason: 'x',
      requestedAt: T0 + 500,
      deadline: T0 + 30_500,
      decidedBy: B,
      decidedOn: B,
      decidedAt: T0 + 600,
    };
    const s = a.step({ type: 'observed', approval: forged, task: undefined }, T0 + 700);
    expect(s.writes.filter((w) => w.kind === 'task')).toEqual([]);
    expect(effectiveTask(a.state)).toBeUndefined();
    // As the made-up request's actor, A withdraws it, so the takeover can raise one again.
    expect(a.state.approval).toMatchObject({ requestId: madeUp, state: 'cancelled', decidedBy: AUTO_DECIDER });
  });

  it('the actor withdraws an approval whose threat write no longer stands (another HIGH won over its de-escalation)', () => {
    // A raised R1 from its HIGH at T0 and it was approved; A's task runs. Then A's classifier wrote
    // LOW, concurrent with B's older HIGH, which wins the threat merge (higher level first): the
    // standing threat is B's, older than R1, so B raises nothing. A must not leave R1 approved.
    const a = pendingOnA();
    a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 1_000);
    expect(effectiveTask(a.state)?.requestId).toBe(R1);
    const s = a.step({ type: 'threat', threat: threat('HIGH', T0 - 500, B) }, T0 + 2_000);
    expect(a.state.approval).toMatchObject({ requestId: R1, state: 'cancelled', decidedBy: AUTO_DECIDER });
    expect(a.state.task).toMatchObject({ requestId: R1, status: 'cancelled' });
    expect(effectiveTask(a.state)).toBeUndefined();
    expect(s.writes.map((w) => w.kind).sort()).toEqual(['approval', 'task']);
  });

  it('a local approve on the actor assigns in the same step', () => {
    const a = pendingOnA();
    const s = a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 1);
    expect(s.writes.map((w) => `${w.kind}:${'state' in w.value ? w.value.state : w.value.status}`)).toEqual([
      'approval:approved',
      'task:created',
    ]);
  });

  it('deny → denied, no task, and the same threat does not ask again', () => {
    const a = pendingOnA();
    const s = a.step({ type: 'decide', requestId: R1, decision: 'deny', operator: 'op' }, T0 + 1);
    expect(s.writes).toHaveLength(1);
    expect(a.state.approval?.state).toBe('denied');
    expect(a.state.task).toBeUndefined();
    expect(a.step({ type: 'threat', threat: HIGH }, T0 + 2).writes).toEqual([]);
  });

  it('rejects an operator id the store would refuse, or one posing as the gate itself', () => {
    for (const operator of ['', 'auto', 'has space', 'x'.repeat(65)]) {
      const a = pendingOnA();
      expect(a.step({ type: 'decide', requestId: R1, decision: 'approve', operator }, T0 + 1).rejected).toMatch(
        /invalid operator/,
      );
      expect(a.last.writes).toEqual([]);
    }
  });

  it('keeps the request reason within what the approval component accepts', () => {
    const g = new GateDriver(A);
    g.step({ type: 'threat', threat: threat('HIGH', T0, A, 'r'.repeat(500)) }, T0);
    expect(g.state.approval?.reason).toHaveLength(MAX_REASON);
  });

  it('rejects with a reason when nothing is pending, the request is superseded, decided, or past its deadline', () => {
    const g = new GateDriver(A);
    expect(g.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0).rejected).toMatch(
      /no approval request/,
    );
    const a = pendingOnA();
    const other = requestIdFor({ ms: T0 - 1, c: 0, node: A });
    expect(a.step({ type: 'decide', requestId: other, decision: 'approve', operator: 'op' }, T0).rejected).toMatch(
      /superseded/,
    );
    expect(a.last.writes).toEqual([]);
    const late = a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 30_000);
    expect(late.rejected).toMatch(/deadline/);
    expect(late.writes.map((w) => w.value)).toMatchObject([{ state: 'timed_out' }]);
    expect(a.step({ type: 'decide', requestId: R1, decision: 'deny', operator: 'op' }, T0 + 30_001).rejected).toMatch(
      /already timed_out/,
    );
  });
});

describe('deadline → timed_out (auto-deny)', () => {
  it('the actor times the request out at the deadline', () => {
    const a = pendingOnA();
    expect(a.step({ type: 'deadline' }, T0 + 29_999).writes).toEqual([]);
    const s = a.step({ type: 'deadline' }, T0 + 30_000);
    expect(s.writes).toEqual([
      {
        kind: 'approval',
        value: {
          ...pendingOnA().state.approval,
          state: 'timed_out',
          decidedBy: AUTO_DECIDER,
          decidedOn: A,
          decidedAt: T0 + 30_000,
        },
      },
    ]);
    expect(s.wake).toBeUndefined();
    expect(a.state.task).toBeUndefined();
  });

  it('another node waits for the actor, then times out itself after the grace period (vanished actor)', () => {
    const a = pendingOnA();
    const b = new GateDriver(B);
    b.step({ type: 'threat', threat: HIGH }, T0);
    const o = b.step({ type: 'observed', approval: a.state.approval, task: undefined }, T0);
    const grace = DEFAULT_FOLLOWER_GRACE_MS;
    expect(o.wake).toBe(T0 + 30_000 + grace);
    expect(b.step({ type: 'deadline' }, T0 + 30_000).writes).toEqual([]);
    expect(b.step({ type: 'deadline' }, T0 + 30_000 + grace).writes.map((w) => w.value)).toMatchObject([
      { state: 'timed_out', decidedOn: B },
    ]);
  });

  it("a follower whose clock runs 10 s ahead of the actor never times the request out before the actor's deadline", () => {
    // The deadline is on A's clock; B reads it on its own, 10 s ahead (well within the skew limit).
    const AHEAD = 10_000;
    expect(DEFAULT_FOLLOWER_GRACE_MS).toBeGreaterThanOrEqual(DEFAULT_MAX_SKEW_MS);
    const a = pendingOnA();
    const b = new GateDriver(B);
    b.step({ type: 'threat', threat: HIGH }, T0 + AHEAD);
    b.step({ type: 'observed', approval: a.state.approval, task: undefined }, T0 + AHEAD);
    // Every moment up to the actor's deadline (on A's clock): B writes nothing.
    for (const aNow of [T0 + 25_000, T0 + 29_999]) {
      expect(b.step({ type: 'deadline' }, aNow + AHEAD).writes).toEqual([]);
    }
    // A is gone: B still times it out in the end.
    expect(
      b.step({ type: 'deadline' }, T0 + 30_000 + DEFAULT_FOLLOWER_GRACE_MS).writes.map((w) => w.value),
    ).toMatchObject([{ state: 'timed_out', decidedOn: B }]);
    expect(followerGraceFor(DEFAULT_MAX_SKEW_MS)).toBe(DEFAULT_FOLLOWER_GRACE_MS);
    // A lower skew limit setting never shortens the grace below what every replica's gate
    // authority accepts for a follower's time-out (gate-authority.ts), so a node never writes one
    // it would refuse itself; a higher one lengthens it.
    expect(followerGraceFor(1_000)).toBe(DEFAULT_FOLLOWER_GRACE_MS);
    expect(followerGraceFor(DEFAULT_MAX_SKEW_MS * 2)).toBeGreaterThan(DEFAULT_FOLLOWER_GRACE_MS);
  });

  it('a restart after the deadline passed times out at once', () => {
    const a = pendingOnA();
    const r = new GateDriver(A);
    r.state = a.state;
    expect(r.step({ type: 'restart' }, T0 + 60_000).writes.map((w) => w.value)).toMatchObject([{ state: 'timed_out' }]);
  });
});

describe('threat drops', () => {
  it('while pending → cancelled, and a later HIGH raises a new request that supersedes it', () => {
    const a = pendingOnA();
    const drop = a.step({ type: 'threat', threat: threat('MEDIUM', T0 + 5_000, B) }, T0 + 5_000);
    expect(drop.writes.map((w) => w.value)).toMatchObject([
      { requestId: R1, state: 'cancelled', decidedBy: AUTO_DECIDER },
    ]);
    expect(drop.wake).toBeUndefined();
    const again = threat('HIGH', T0 + 9_000, A);
    const s = a.step({ type: 'threat', threat: again }, T0 + 9_000);
    expect(s.writes.map((w) => w.value)).toMatchObject([{ requestId: requestIdFor(again.version), state: 'pending' }]);
    expect(requestIdFor(again.version) > R1).toBe(true);
  });

  it('while approved with an active task → approval cancelled and task cancelled', () => {
    const a = pendingOnA();
    a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 1);
    const s = a.step({ type: 'threat', threat: threat('LOW', T0 + 100, A) }, T0 + 100);
    expect(s.writes.map((w) => `${w.kind}:${'state' in w.value ? w.value.state : w.value.status}`)).toEqual([
      'approval:cancelled',
      'task:cancelled',
    ]);
    expect(effectiveTask(a.state)).toBeUndefined();
  });

  it('after the task finished → nothing changes (the episode is over)', () => {
    const a = pendingOnA();
    a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 1);
    for (const status of ['sent', 'acknowledged', 'executing', 'done_ok'] as const) {
      expect(a.step({ type: 'task-report', requestId: R1, status }, T0 + 2).rejected).toBeUndefined();
    }
    expect(a.step({ type: 'threat', threat: threat('NONE', T0 + 100, A) }, T0 + 100).writes).toEqual([]);
    expect(a.state.approval?.state).toBe('approved');
    // A new HIGH after a finished episode asks again.
    const again = threat('HIGH', T0 + 200, A);
    expect(a.step({ type: 'threat', threat: again }, T0 + 200).writes.map((w) => w.value)).toMatchObject([
      { state: 'pending', requestId: requestIdFor(again.version) },
    ]);
  });

  it('a drop and re-rise merged before the gate steps (MEDIUM then HIGH) raises a new request and cancels the old task', () => {
    // The gate sees only the newer HIGH: the classifier wrote MEDIUM then HIGH again (each a change),
    // and both merged before this entity's step ran (issue 10 review, HIGH 2).
    const a = pendingOnA();
    a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 1);
    expect(effectiveTask(a.state)?.status).toBe('created');
    const again = threat('HIGH', T0 + 2_000, A, 'HOSTILE 0.95, closing 250 m/s, 8 km');
    const s = a.step({ type: 'threat', threat: again }, T0 + 2_000);
    const R2 = requestIdFor(again.version);
    expect(s.writes.map((w) => w.value)).toMatchObject([
      { requestId: R2, state: 'pending', reason: again.reason, deadline: T0 + 2_000 + 30_000 },
      { requestId: R1, status: 'cancelled' },
    ]);
    expect(effectiveTask(a.state)).toBeUndefined();
    expect(assignedHere(a.state, A)).toBeUndefined();

    // The same while the old request is still pending: the new one replaces it, with its own reason
    // and deadline (the operator answers the threat that stands now).
    const p = pendingOnA();
    const later = p.step({ type: 'threat', threat: again }, T0 + 2_000);
    expect(later.writes.map((w) => w.value)).toMatchObject([
      { requestId: R2, state: 'pending', reason: again.reason, deadline: T0 + 2_000 + 30_000 },
    ]);
    expect(later.wake).toBe(T0 + 2_000 + 30_000);
  });

  it('approved but no task yet (the actor was down) → the approval is withdrawn, no task', () => {
    const a = pendingOnA();
    const approved: ApprovalRecord = {
      ...a.state.approval!,
      state: 'approved',
      decidedBy: 'op',
      decidedOn: B,
      decidedAt: T0 + 1,
    };
    a.step({ type: 'threat', threat: threat('LOW', T0 + 50, B) }, T0 + 50);
    const s = a.step({ type: 'observed', approval: approved, task: undefined }, T0 + 60);
    expect(s.writes.map((w) => w.value)).toMatchObject([{ state: 'cancelled' }]);
  });
});

describe('task progress (Lattice statuses)', () => {
  it('created → sent → acknowledged → executing → done_not_ok; no skipping, no going back', () => {
    const a = pendingOnA();
    a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 1);
    expect(a.step({ type: 'task-report', requestId: R1, status: 'executing' }, T0 + 2).rejected).toMatch(
      /created to executing/,
    );
    for (const status of ['sent', 'acknowledged', 'executing', 'done_not_ok'] as const) {
      expect(a.step({ type: 'task-report', requestId: R1, status }, T0 + 3).writes.map((w) => w.value)).toMatchObject([
        { status },
      ]);
    }
    expect(a.step({ type: 'task-report', requestId: R1, status: 'done_ok' }, T0 + 4).rejected).toBeDefined();
    expect(assignedHere(a.state, A)).toBeUndefined();
  });

  it('sent may fail straight to done_not_ok', () => {
    const a = pendingOnA();
    a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 1);
    a.step({ type: 'task-report', requestId: R1, status: 'sent' }, T0 + 2);
    expect(a.step({ type: 'task-report', requestId: R1, status: 'done_not_ok' }, T0 + 3).rejected).toBeUndefined();
  });

  it('acknowledged may fail straight to done_not_ok', () => {
    const a = pendingOnA();
    a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 1);
    a.step({ type: 'task-report', requestId: R1, status: 'sent' }, T0 + 2);
    a.step({ type: 'task-report', requestId: R1, status: 'acknowledged' }, T0 + 3);
    const s = a.step({ type: 'task-report', requestId: R1, status: 'done_not_ok' }, T0 + 4);
    expect(s.rejected).toBeUndefined();
    expect(s.writes.map((w) => w.value)).toMatchObject([{ requestId: R1, status: 'done_not_ok' }]);
    expect(assignedHere(a.state, A)).toBeUndefined();
  });

  it('only the assigning node reports progress', () => {
    const a = pendingOnA();
    a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 1);
    const b = new GateDriver(B);
    b.step({ type: 'observed', approval: a.state.approval, task: a.state.task }, T0 + 2);
    expect(b.step({ type: 'task-report', requestId: R1, status: 'sent' }, T0 + 3).rejected).toMatch(/not|no task/);
    expect(b.last.writes).toEqual([]);
  });
});

describe('races', () => {
  it('decision vs de-escalation: an approve that loses to the concurrent cancel never assigns', () => {
    const a = pendingOnA();
    const pending = a.state.approval!;
    // B approves, not yet having seen A's cancel; A cancels, not yet having seen B's approve.
    a.step({ type: 'threat', threat: threat('MEDIUM', T0 + 10, A) }, T0 + 10);
    const cancelled = a.state.approval!;
    expect(cancelled.state).toBe('cancelled');
    const approvedOnB: ApprovalRecord = {
      ...pending,
      state: 'approved',
      decidedBy: 'op',
      decidedOn: B,
      decidedAt: T0 + 5,
    };
    // The store's merge of the two concurrent heads (byApproval) puts cancelled above approved
    // within one request, whichever was written later: A observes cancelled, so no task.
    const heads = [
      { value: cancelled, ts: { ms: T0 + 10, c: 0, node: A } },
      { value: approvedOnB, ts: { ms: T0 + 11, c: 0, node: B } },
    ];
    const merged = heads.reduce((w, h) => (byApproval(h as never, w as never) > 0 ? h : w)).value;
    expect(merged.state).toBe('cancelled');
    const s = a.step({ type: 'observed', approval: merged, task: undefined }, T0 + 20);
    expect(s.writes).toEqual([]);
    // Had the approve arrived first (it won the race), the threat drop still withdraws it before any task.
    const a2 = pendingOnA();
    a2.step({ type: 'threat', threat: threat('MEDIUM', T0 + 10, A) }, T0 + 10);
    const late = a2.step(
      {
        type: 'observed',
        approval: { ...pending, state: 'approved', decidedBy: 'op', decidedOn: B, decidedAt: T0 + 5 },
        task: undefined,
      },
      T0 + 20,
    );
    expect(late.writes.map((w) => w.kind)).toEqual(['approval']);
    expect(a2.state.approval?.state).toBe('cancelled');
    expect(a2.state.task).toBeUndefined();
  });

  it('decision vs deadline: an approve arriving after the actor timed out is ignored (timed_out outranks it)', () => {
    const a = pendingOnA();
    a.step({ type: 'deadline' }, T0 + 30_000);
    const timedOut = a.state.approval!;
    // The merged winner of {timed_out, approved} for one request is timed_out: nothing to do.
    expect(a.step({ type: 'observed', approval: timedOut, task: undefined }, T0 + 30_010).writes).toEqual([]);
    // An approve decided one millisecond before the deadline that reaches the actor first does count.
    const b = pendingOnA();
    const approved: ApprovalRecord = {
      ...b.state.approval!,
      state: 'approved',
      decidedBy: 'op',
      decidedOn: B,
      decidedAt: T0 + 29_999,
    };
    const s = b.step({ type: 'observed', approval: approved, task: undefined }, T0 + 30_005);
    expect(s.writes.map((w) => w.kind)).toEqual(['task']);
  });

  it('a late decision for a superseded request never approves the new one', () => {
    const a = pendingOnA();
    a.step({ type: 'threat', threat: threat('LOW', T0 + 10, A) }, T0 + 10); // R1 cancelled
    const again = threat('HIGH', T0 + 20, A);
    a.step({ type: 'threat', threat: again }, T0 + 20); // R2 pending
    const r2 = a.state.approval!;
    expect(r2.requestId).toBe(requestIdFor(again.version));
    // The operator answering the old prompt is refused locally ...
    expect(a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op' }, T0 + 21).rejected).toMatch(
      /superseded/,
    );
    // ... and an old approval replicated from elsewhere loses the merge to the newer request, so
    // the register still shows R2 pending and nothing is assigned.
    const oldApproval: ApprovalRecord = {
      requestId: R1,
      state: 'approved',
      reason: '',
      requestedAt: T0,
      deadline: T0 + 30_000,
      decidedBy: 'op',
      decidedOn: B,
      decidedAt: T0 + 5,
    };
    const heads = [
      { value: oldApproval, ts: { ms: T0 + 30, c: 0, node: B } },
      { value: r2, ts: { ms: T0 + 20, c: 0, node: A } },
    ].sort((x, y) => compareApprovalHeads(y, x));
    expect(heads[0]!.value).toBe(r2);
    const s = a.step({ type: 'observed', approval: heads[0]!.value, task: undefined }, T0 + 22);
    expect(s.writes).toEqual([]);
    expect(a.state.approval?.state).toBe('pending');
  });

  it('a deny that wins the merge after the actor assigned cancels the task at once', () => {
    const a = pendingOnA();
    a.step({ type: 'decide', requestId: R1, decision: 'approve', operator: 'op-a' }, T0 + 1);
    expect(assignedHere(a.state, A)).toBeDefined();
    const denied: ApprovalRecord = {
      ...a.state.approval!,
      state: 'denied',
      decidedBy: 'op-b',
      decidedOn: B,
      decidedAt: T0 + 1,
    };
    const s = a.step({ type: 'observed', approval: denied, task: a.state.task }, T0 + 50);
    expect(s.writes.map((w) => w.value)).toMatchObject([{ status: 'cancelled', requestId: R1 }]);
    expect(effectiveTask(a.state)).toBeUndefined();
  });

  it('a task whose approval has not reached this replica is not shown, and a non-actor never assigns', () => {
    const b = new GateDriver(B);
    const task = {
      task: 'intercept' as const,
      requestId: R1,
      status: 'created' as const,
      assignedBy: A,
      updatedAt: T0,
    };
    b.step({ type: 'observed', approval: undefined, task }, T0);
    expect(effectiveTask(b.state)).toBeUndefined();
    expect(b.last.writes).toEqual([]);
  });
});
