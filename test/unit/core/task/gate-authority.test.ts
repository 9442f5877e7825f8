/**
 * Who may write the gate's registers (src/core/task/gate-authority.ts): the rules one by one, that
 * the verdict is a function of the version alone, and that every write the gate itself makes, in
 * random histories over 2–3 replicas, passes them (nothing the node writes is refused by its peers).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTs, type Timestamp } from '../../../../src/core/clock/timestamp';
import type { ThreatLevel } from '../../../../src/core/entity/component-types';
import type { NodeId } from '../../../../src/core/ids';
import { AUTO_DECIDER, DEFAULT_FOLLOWER_GRACE_MS, effectiveTask } from '../../../../src/core/task/gate';
import { gateAuthorityRefusal, type GateAuthorityInput } from '../../../../src/core/task/gate-authority';
import {
  INTERCEPT_TASK,
  NEXT_TASK_STATUS,
  type ApprovalRecord,
  type RequestId,
  type TaskRecord,
} from '../../../../src/core/task/records';
import { Network } from './gate-replicas';

const A = 'A' as NodeId;
const B = 'B' as NodeId;
const X = 'x' as NodeId;
const T0 = 1_700_000_000_000;
const REQ = encodeTs({ ms: T0, c: 0, node: A });
const DEADLINE = T0 + 30_000;
const at = (node: NodeId, ms = T0 + 1_000): Timestamp => ({ ms, c: 0, node });
const request = { requestId: REQ, reason: 'HIGH', requestedAt: T0, deadline: DEADLINE };
const approval = (value: object, ts: Timestamp): GateAuthorityInput => ({
  kind: 'approval',
  value: { ...request, ...value },
  ts,
});
const task = (value: object, ts: Timestamp): GateAuthorityInput => ({
  kind: 'task',
  value: { task: INTERCEPT_TASK, requestId: REQ, status: 'created', assignedBy: A, updatedAt: T0, ...value },
  ts,
});
const decided = (state: string, on: NodeId, by = 'op1') => ({ state, decidedBy: by, decidedOn: on, decidedAt: T0 });

describe('gate authority: approval', () => {
  it('pending: only the request’s actor writes it (raise, or restate its reason/deadline)', () => {
    expect(gateAuthorityRefusal(approval({ state: 'pending' }, at(A)))).toBeUndefined();
    expect(gateAuthorityRefusal(approval({ state: 'pending' }, at(X)))).toMatch(/not the request's actor A/);
    // a deny re-opened as pending by anyone but the actor
    expect(gateAuthorityRefusal(approval({ state: 'pending', deadline: DEADLINE + 600_000 }, at(B)))).toBeDefined();
  });

  it('approved/denied: decidedOn is the author, decidedBy an operator id (not auto)', () => {
    for (const state of ['approved', 'denied']) {
      expect(gateAuthorityRefusal(approval(decided(state, B), at(B)))).toBeUndefined();
      expect(gateAuthorityRefusal(approval(decided(state, X), at(X)))).toBeUndefined();
      expect(gateAuthorityRefusal(approval(decided(state, B), at(X)))).toMatch(/decidedOn "B" is not its author x/);
      expect(gateAuthorityRefusal(approval(decided(state, X, AUTO_DECIDER), at(X)))).toMatch(/not an operator id/);
      const { decidedOn: _o, ...noNode } = decided(state, X);
      expect(gateAuthorityRefusal(approval(noNode, at(X)))).toBeDefined();
      const { decidedBy: _b, ...noOperator } = decided(state, X);
      expect(gateAuthorityRefusal(approval(noOperator, at(X)))).toBeDefined();
    }
  });

  it('cancelled: only the actor, naming itself', () => {
    expect(gateAuthorityRefusal(approval(decided('cancelled', A, AUTO_DECIDER), at(A)))).toBeUndefined();
    expect(gateAuthorityRefusal(approval(decided('cancelled', B, AUTO_DECIDER), at(B)))).toMatch(/actor A/);
    expect(gateAuthorityRefusal(approval(decided('cancelled', B, AUTO_DECIDER), at(A)))).toMatch(/decidedOn/);
  });

  it('timed_out: the actor at any time; anyone else only from deadline + follower grace on its own clock', () => {
    const t = (node: NodeId, ms: number) => approval(decided('timed_out', node, AUTO_DECIDER), at(node, ms));
    expect(gateAuthorityRefusal(t(A, T0 + 1))).toBeUndefined();
    expect(gateAuthorityRefusal(t(B, DEADLINE + DEFAULT_FOLLOWER_GRACE_MS))).toBeUndefined();
    expect(gateAuthorityRefusal(t(B, DEADLINE + DEFAULT_FOLLOWER_GRACE_MS - 1))).toMatch(/before its deadline/);
    expect(gateAuthorityRefusal(t(B, DEADLINE))).toBeDefined();
    // A follower's time-out names its own node.
    expect(
      gateAuthorityRefusal(
        approval(decided('timed_out', A, AUTO_DECIDER), at(B, DEADLINE + DEFAULT_FOLLOWER_GRACE_MS)),
      ),
    ).toMatch(/decidedOn/);
  });

  it('a request id that names no actor is refused', () => {
    expect(gateAuthorityRefusal(approval({ state: 'pending', requestId: 'nope' }, at(A)))).toMatch(/names no actor/);
  });
});

describe('gate authority: tasks', () => {
  it('an intercept task: author === actorOf(requestId) === assignedBy', () => {
    expect(gateAuthorityRefusal(task({}, at(A)))).toBeUndefined();
    expect(gateAuthorityRefusal(task({ status: 'executing' }, at(A)))).toBeUndefined();
    expect(gateAuthorityRefusal(task({ assignedBy: B }, at(A)))).toMatch(/assignedBy "B"/);
    expect(gateAuthorityRefusal(task({ assignedBy: B }, at(X)))).toMatch(/not the request's actor A/);
    expect(gateAuthorityRefusal(task({ assignedBy: X, status: 'executing' }, at(X)))).toBeDefined();
    // x's own made-up request: it is that request's actor, so the rules let it stand (docs/security.md).
    const mine = encodeTs({ ms: T0, c: 1, node: X });
    expect(gateAuthorityRefusal(task({ requestId: mine, assignedBy: X }, at(X)))).toBeUndefined();
  });

  it('effectiveTask: a task assigned by anyone but the request’s actor never stands, whatever came by', () => {
    const approved = { ...request, requestId: REQ as RequestId, ...decided('approved', B) };
    const k = (assignedBy: NodeId): TaskRecord => ({
      task: INTERCEPT_TASK,
      requestId: REQ as RequestId,
      status: 'executing',
      assignedBy,
      updatedAt: T0,
    });
    expect(effectiveTask({ approval: approved as ApprovalRecord, task: k(A) })).toEqual(k(A));
    expect(effectiveTask({ approval: approved as ApprovalRecord, task: k(B) })).toBeUndefined();
    expect(effectiveTask({ approval: approved as ApprovalRecord, task: k(X) })).toBeUndefined();
  });

  it('other tasks and other kinds are not the gate’s', () => {
    expect(gateAuthorityRefusal(task({ task: 'patrol', assignedBy: B }, at(X)))).toBeUndefined();
    expect(gateAuthorityRefusal({ kind: 'threat', value: { level: 'LOW' }, ts: at(X) })).toBeUndefined();
  });
});

const node = fc.constantFrom(A, B, X);
const arbTs = fc.record({ ms: fc.integer({ min: T0 - 1_000, max: T0 + 120_000 }), c: fc.nat(3), node });
const arbRequest = fc
  .record({ ms: fc.integer({ min: T0 - 10, max: T0 + 10 }), c: fc.nat(2), node })
  .map((t) => encodeTs(t));
const arbVersion: fc.Arbitrary<GateAuthorityInput> = fc.oneof(
  fc.record({
    kind: fc.constant('approval'),
    value: fc.record(
      {
        requestId: arbRequest,
        state: fc.constantFrom('pending', 'approved', 'denied', 'cancelled', 'timed_out'),
        reason: fc.string(),
        requestedAt: fc.constant(T0),
        deadline: fc.integer({ min: T0, max: T0 + 60_000 }),
        decidedBy: fc.constantFrom('op1', AUTO_DECIDER),
        decidedOn: node,
        decidedAt: fc.constant(T0),
      },
      { requiredKeys: ['requestId', 'state', 'reason', 'requestedAt', 'deadline'] },
    ),
    ts: arbTs,
  }),
  fc.record({
    kind: fc.constant('task'),
    value: fc.record({
      task: fc.constantFrom(INTERCEPT_TASK, 'patrol'),
      requestId: arbRequest,
      status: fc.constantFrom('created', 'executing', 'done_ok', 'cancelled'),
      assignedBy: node,
      updatedAt: fc.constant(T0),
    }),
    ts: arbTs,
  }),
);

describe('gate authority: a function of the version alone', () => {
  it('the same version gets the same verdict whatever else comes with it (entity, context, replica, order)', () => {
    fc.assert(
      fc.property(arbVersion, fc.array(arbVersion, { maxLength: 5 }), fc.string(), (v, others, entity) => {
        const verdict = gateAuthorityRefusal(v);
        // Other versions judged before it (what a replica "holds") change nothing.
        for (const o of others) gateAuthorityRefusal(o);
        expect(gateAuthorityRefusal(structuredClone(v))).toBe(verdict);
        const wide = { ...v, entity, seen: others.map((o) => o.ts) } as GateAuthorityInput;
        expect(gateAuthorityRefusal(wide)).toBe(verdict);
      }),
      { numRuns: 500 },
    );
  });
});

type Op =
  | { t: 'threat'; node: number; level: ThreatLevel }
  | { t: 'decide'; node: number; approve: boolean }
  | { t: 'report'; node: number; pick: number }
  | { t: 'deliver'; pick: number }
  | { t: 'tick'; ms: number }
  | { t: 'restart'; node: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('threat' as const),
      node: fc.nat(2),
      level: fc.constantFrom<ThreatLevel>('HIGH', 'HIGH', 'LOW'),
    }),
  },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('decide' as const), node: fc.nat(2), approve: fc.boolean() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('report' as const),
      node: fc.nat(2),
      pick: fc.nat(3),
    }),
  },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('deliver' as const), pick: fc.nat(1_000) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('tick' as const),
      ms: fc.oneof(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 20_000, max: 40_000 }),
        // Past a deadline and the follower's grace (the skew limit + 5 s) while a write is in flight.
        fc.integer({ min: DEFAULT_FOLLOWER_GRACE_MS, max: DEFAULT_FOLLOWER_GRACE_MS + 30_000 }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const), node: fc.nat(2) }) },
);

describe('gate authority: every write the gate makes passes', () => {
  it('in random histories over 2–3 replicas (threats, decisions, reports, deadlines, delivery orders)', () => {
    const made = new Map<string, number>();
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3 }), fc.array(arbOp, { maxLength: 200, size: 'medium' }), (count, ops) => {
        const net = new Network(count, () => undefined);
        const n = (i: number) => net.nodes[i % net.nodes.length]!;
        for (const op of ops) {
          // Each change is settled at once here (gate-replicas queues a settle per merge, as the node's loop does).
          if (op.t === 'threat') {
            n(op.node).classify(op.level);
            n(op.node).settle();
          } else if (op.t === 'decide') {
            const r = n(op.node);
            const id = r.gate.approval?.requestId;
            if (id !== undefined)
              r.step({
                type: 'decide',
                requestId: id,
                decision: op.approve ? 'approve' : 'deny',
                operator: `op-${r.id}`,
              });
          } else if (op.t === 'report') {
            const r = n(op.node);
            const k = r.gate.task;
            // The asset's next status, as a real asset link reports it (a random one rarely fits).
            const next = k === undefined ? [] : NEXT_TASK_STATUS[k.status];
            if (k !== undefined && next.length > 0)
              r.step({ type: 'task-report', requestId: k.requestId, status: next[op.pick % next.length]! });
          } else if (op.t === 'deliver') {
            net.deliver(op.pick);
            net.settleAll();
          } else if (op.t === 'tick') net.tick(op.ms);
          else n(op.node).restart();
        }
        for (let round = 0; round < 5; round++) {
          while (net.queue.length > 0) {
            net.deliver(0);
            net.settleAll();
          }
          net.tick(40_000);
        }
        for (const v of net.universe) {
          expect(gateAuthorityRefusal(v), `${v.kind} by ${v.ts.node}`).toBeUndefined();
          const value = v.value as { state?: string; status?: string; requestId?: string };
          if (v.kind === 'threat') continue;
          const who = value.requestId?.endsWith(v.ts.node) === true ? 'actor' : 'other';
          const key = `${v.kind} ${value.state ?? value.status} by ${who}`;
          made.set(key, (made.get(key) ?? 0) + 1);
        }
        return true;
      }),
      { numRuns: 300 },
    );
    // The histories reach every kind of gate write, a follower's time-out included.
    for (const key of ['approval pending by actor', 'approval approved by other', 'approval denied by other'])
      expect(made.get(key), key).toBeGreaterThan(0);
    for (const key of ['approval timed_out by other', 'approval cancelled by actor', 'task created by actor'])
      expect(made.get(key), key).toBeGreaterThan(0);
  });

  it('through a whole intercept: raise, a peer’s approve, assign, every report to done_ok', () => {
    const net = new Network(2, () => undefined);
    const a = net.nodes[0]!;
    const b = net.nodes[1]!;
    const flush = (): void => {
      while (net.queue.length > 0) {
        net.deliver(0);
        net.settleAll();
      }
    };
    a.classify('HIGH');
    a.settle();
    flush();
    b.step({ type: 'decide', requestId: b.gate.approval!.requestId, decision: 'approve', operator: 'op-B' });
    flush();
    for (const status of ['sent', 'acknowledged', 'executing', 'done_ok'] as const) {
      a.step({ type: 'task-report', requestId: a.gate.task!.requestId, status });
      flush();
    }
    expect(a.winner<{ status: string }>('task')?.status).toBe('done_ok');
    expect(net.universe.filter((v) => v.kind === 'task')).toHaveLength(5);
    for (const v of net.universe) expect(gateAuthorityRefusal(v), `${v.kind} by ${v.ts.node}`).toBeUndefined();
  });
});
