/**
 * The gate's safety invariant under random histories: threat changes on any node, decisions from
 * several nodes (some answering stale requests), asset reports, deadlines, restarts, crashes that
 * lose the writes no peer had received yet, and any
 * delivery order of the replicated writes between 2–3 replicas (a write not yet delivered is a
 * partition). Checked after every step, on every replica. Replay with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ThreatLevel } from '../../../../src/core/entity/component-types';
import { AUTO_DECIDER, effectiveTask } from '../../../../src/core/task/gate';
import {
  actorOf,
  isActiveTask,
  requestIdFor,
  type ApprovalRecord,
  type LatticeTaskStatus,
  type RequestId,
  type TaskRecord,
} from '../../../../src/core/task/records';
import { Network, versionKey, type Replica } from './gate-replicas';

type Op =
  | { t: 'threat'; node: number; level: ThreatLevel }
  | { t: 'decide'; node: number; approve: boolean; stale: number | null }
  | { t: 'report'; node: number; status: LatticeTaskStatus }
  | { t: 'deliver'; pick: number }
  | { t: 'settle'; node: number }
  | { t: 'tick'; ms: number }
  | { t: 'restart'; node: number }
  | { t: 'crash'; node: number };

const node = fc.nat(2);
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('threat' as const),
      node,
      level: fc.constantFrom<ThreatLevel>('HIGH', 'HIGH', 'MEDIUM', 'LOW'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('decide' as const),
      node,
      approve: fc.boolean(),
      stale: fc.option(fc.nat(5), { freq: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('report' as const),
      node,
      status: fc.constantFrom<LatticeTaskStatus>('sent', 'acknowledged', 'executing', 'done_ok', 'done_not_ok'),
    }),
  },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('deliver' as const), pick: fc.nat(1_000) }) },
  // The node's loop runs a queued settle: several merged writes (threat changes too) may precede it.
  { weight: 6, arbitrary: fc.record({ t: fc.constant('settle' as const), node }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('tick' as const),
      ms: fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 20_000, max: 40_000 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const), node }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('crash' as const), node }) },
);

interface Ledger {
  /** Requests an operator approved through a decide event, before that request's deadline. */
  readonly humanApproved: Set<string>;
  /** requestId → the nodes that wrote tasks for it. */
  readonly taskAuthors: Map<string, Set<string>>;
  /** Every request id ever raised, to pick stale ones from. */
  readonly requests: RequestId[];
}

function run(count: number, ops: readonly Op[]): void {
  const ledger: Ledger = { humanApproved: new Set(), taskAuthors: new Map(), requests: [] };
  const net = new Network(count, (n, kind, value, cause) => {
    if (kind === 'approval') {
      const a = value as ApprovalRecord;
      if (a.state === 'pending') ledger.requests.push(a.requestId);
      if (a.state === 'approved') {
        // Only an operator's decision, before the deadline, ever approves.
        expect(cause.type, 'an approval not caused by a decision').toBe('decide');
        expect(a.decidedBy).not.toBe(AUTO_DECIDER);
        expect(a.decidedAt!).toBeLessThan(a.deadline);
        ledger.humanApproved.add(a.requestId);
      }
      return;
    }
    const k = value as TaskRecord;
    // Exactly one node acts on a request: its actor, and only after it held a human approval of it.
    expect(n.id, `task for ${k.requestId} written by a non-actor`).toBe(actorOf(k.requestId));
    expect(k.assignedBy).toBe(n.id);
    const authors = ledger.taskAuthors.get(k.requestId) ?? new Set();
    authors.add(n.id);
    ledger.taskAuthors.set(k.requestId, authors);
    if (isActiveTask(k)) {
      expect(n.seenApproved.has(k.requestId), `task for ${k.requestId} without an approval seen by ${n.id}`).toBe(true);
      expect(ledger.humanApproved.has(k.requestId)).toBe(true);
    }
  });

  const check = (): void => {
    // A request's task is assigned once (a write lost in a crash before anyone got it does not count).
    const created = new Map<string, number>();
    for (const v of net.universe) {
      if (v.kind !== 'task' || (v.value as TaskRecord).status !== 'created') continue;
      const id = (v.value as TaskRecord).requestId;
      created.set(id, (created.get(id) ?? 0) + 1);
      expect(created.get(id), `task for ${id} assigned twice`).toBe(1);
    }
    for (const r of net.nodes) {
      const approval = r.winner<ApprovalRecord>('approval');
      const task = effectiveTask({ approval, task: r.winner<TaskRecord>('task') });
      if (approval?.state === 'approved') expect(ledger.humanApproved.has(approval.requestId)).toBe(true);
      if (task !== undefined) {
        // No intercept task exists without an approved decision for its current request.
        expect(approval?.state).toBe('approved');
        expect(approval?.requestId).toBe(task.requestId);
        expect(r.seenApproved.has(task.requestId)).toBe(true);
        // ... and that request is the current one: the newest this replica knows of.
        expect(task.requestId).toBe(r.newestRequest());
      }
    }
    // Replicas that saw the same writes agree.
    for (const x of net.nodes) {
      for (const y of net.nodes) {
        if (x === y || x.seen.size !== y.seen.size || ![...x.seen].every((k) => y.seen.has(k))) continue;
        for (const kind of ['threat', 'approval', 'task'] as const) expect(x.winner(kind)).toEqual(y.winner(kind));
      }
    }
  };

  const at = (i: number): Replica => net.nodes[i % net.nodes.length]!;
  for (const op of ops) {
    switch (op.t) {
      case 'threat':
        at(op.node).classify(op.level);
        break;
      case 'decide': {
        const r = at(op.node);
        const current = r.gate.approval?.requestId;
        const requestId =
          op.stale === null || ledger.requests.length === 0
            ? current
            : ledger.requests[op.stale % ledger.requests.length];
        if (requestId !== undefined) {
          r.step({ type: 'decide', requestId, decision: op.approve ? 'approve' : 'deny', operator: `op-${r.id}` });
        }
        break;
      }
      case 'report': {
        const r = at(op.node);
        const k = r.gate.task;
        if (k !== undefined) r.step({ type: 'task-report', requestId: k.requestId, status: op.status });
        break;
      }
      case 'deliver':
        net.deliver(op.pick);
        break;
      case 'settle': {
        const r = at(op.node);
        r.settle();
        // Once its author's gate has settled, a HIGH threat write has a request of its own (or a newer
        // one stands): a drop and re-rise merged before the step must not leave the old request.
        const t = r.threatView();
        const a = r.winner<ApprovalRecord>('approval');
        if (t?.level === 'HIGH' && t.version.node === r.id) {
          expect(
            a !== undefined && a.requestId >= requestIdFor(t.version),
            'a HIGH threat write without its request',
          ).toBe(true);
        }
        break;
      }
      case 'tick':
        net.tick(op.ms);
        break;
      case 'restart':
        at(op.node).restart();
        break;
      case 'crash':
        at(op.node).crash();
        break;
      default: {
        const never: never = op;
        throw new Error(String(never));
      }
    }
    check();
  }

  // Heal and let every deadline pass: the replicas converge, nothing stays pending, and no
  // unbacked task is left active anywhere.
  for (let round = 0; round < 20 && (net.queue.length > 0 || round < 3); round++) {
    net.settleAll();
    check();
    while (net.queue.length > 0) {
      net.deliver(0);
      net.settleAll();
      check();
    }
    net.tick(40_000);
    check();
  }
  expect(net.queue).toEqual([]);
  const keys = net.universe.map(versionKey).sort();
  for (const r of net.nodes) {
    expect([...r.seen].sort()).toEqual(keys);
    const approval = r.winner<ApprovalRecord>('approval');
    const task = r.winner<TaskRecord>('task');
    expect(approval?.state).not.toBe('pending');
    if (isActiveTask(task)) expect(effectiveTask({ approval, task })).toBe(task);
    // The reason to act is gone: no intercept may still be running.
    if (r.threatView()?.level !== 'HIGH') expect(isActiveTask(effectiveTask({ approval, task }))).toBe(false);
    // A HIGH threat write standing has its own request, or a newer one stands (concurrent HIGHs of
    // two authors): a drop and re-rise the gate saw only once must not leave an older request.
    const t = r.threatView();
    if (t?.level === 'HIGH') {
      expect(
        approval !== undefined && approval.requestId >= requestIdFor(t.version),
        'the standing HIGH threat has no request',
      ).toBe(true);
    }
    if (approval?.state === 'approved' && r.threatView()?.level === 'HIGH') {
      expect(task?.requestId, 'an approved request was never assigned').toBe(approval.requestId);
    }
  }
  for (const authors of ledger.taskAuthors.values()) expect(authors.size).toBe(1);
}

describe('approval gate over random replicated histories', () => {
  const seed = Number(process.env.SEED ?? Date.now());
  const numRuns = Number(process.env.NUM_RUNS ?? 300);
  it('no intercept task without a human approval of its current request; one actor; replicas agree', () => {
    console.log(`gate-property seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }),
        fc.array(arbOp, { minLength: 1, maxLength: 120, size: 'medium' }),
        run,
      ),
      {
        seed,
        numRuns,
      },
    );
  });

  it('reaches the interesting states (so the invariant is not vacuous)', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3 }), fc.array(arbOp, { minLength: 40, maxLength: 120 }), (count, ops) => {
        const net = new Network(count, (_n, kind, value) => {
          reached.add(
            kind === 'approval'
              ? `approval:${(value as ApprovalRecord).state}`
              : `task:${(value as TaskRecord).status}`,
          );
        });
        for (const op of ops) {
          const r = net.nodes[('node' in op ? op.node : 0) % count]!;
          if (op.t === 'threat') r.classify(op.level);
          else if (op.t === 'decide' && r.gate.approval)
            r.step({
              type: 'decide',
              requestId: r.gate.approval.requestId,
              decision: op.approve ? 'approve' : 'deny',
              operator: 'op',
            });
          else if (op.t === 'report' && r.gate.task)
            r.step({ type: 'task-report', requestId: r.gate.task.requestId, status: op.status });
          else if (op.t === 'deliver') net.deliver(op.pick);
          else if (op.t === 'settle') r.settle();
          else if (op.t === 'tick') net.tick(op.ms);
          else if (op.t === 'restart') r.restart();
          else if (op.t === 'crash' && r.crash().length > 0) reached.add('crash:lost');
        }
      }),
      { seed, numRuns: 200 },
    );
    for (const s of ['pending', 'approved', 'denied', 'timed_out', 'cancelled'])
      expect(reached).toContain(`approval:${s}`);
    for (const s of ['created', 'sent', 'cancelled']) expect(reached).toContain(`task:${s}`);
    expect(reached).toContain('crash:lost');
  });
});
