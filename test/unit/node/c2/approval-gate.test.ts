import { describe, expect, it } from 'vitest';
import { decodeTs } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { RAISE_GRACE_MS } from '../../../../src/node/approval-loop';
import type { ChangeBatch } from '../../../../src/node/node-api';
import { actorOf, type RequestId } from '../../../../src/core/task/records';
import { approvalOf, refresh, taskOf, threatOf, track } from './gate-fixtures';
import { createMemoryBacking } from '../../../../src/adapters/memory-storage';
import { ManualClock, openNode } from './manual-node';

/** Advances in 2-s steps, the track's sensor refreshing its cue at each, so it stays HIGH. */
async function keepHigh(clock: ManualClock, node: Parameters<typeof refresh>[0], id: string, ms: number) {
  for (let t = 0; t < ms; t += 2_000) {
    await refresh(node, id);
    await clock.advance(Math.min(2_000, ms - t));
  }
}

describe('the approval gate wired into the node', () => {
  it('raises one request with the classifier reason when a track turns HIGH; approve assigns a task that advances', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    expect(await threatOf(node, 'h1')).toBe('HIGH');

    const [request, ...others] = await node.approvals();
    expect(others).toEqual([]);
    expect(request).toMatchObject({ entityId: 'h1', state: 'pending', conflict: false, label: 'fighter' });
    expect(request!.reason).toMatch(/^HOSTILE 0\.\d\d, closing 150 m\/s, 2\.0 km/);
    expect(request!.deadline - request!.requestedAt).toBe(30_000);
    // The request is named after the threat write that raised it, whose author acts on it.
    const threatVersion = (await node.get('h1'))!.meta.threat!.version;
    expect(request!.requestId).toBe(threatVersion);
    expect(actorOf(request!.requestId as RequestId)).toBe('nodeA');
    expect(await node.tasks()).toEqual([]);

    const decided = await node.decide('h1', 'approve', request!.requestId);
    expect(decided).toMatchObject({ state: 'approved', decidedBy: 'nodeA', decidedOn: 'nodeA', decidedAt: clock.now });
    await clock.advance(0);
    expect(await node.tasks()).toMatchObject([
      { entityId: 'h1', task: 'intercept', requestId: request!.requestId, status: 'created', assignedBy: 'nodeA' },
    ]);

    // The simulated asset link advances it: sent, acknowledged, executing, done_ok.
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      await keepHigh(clock, node, 'h1', 2_000);
      seen.push((await taskOf(node, 'h1'))!.status);
    }
    expect(seen.at(-1)).toBe('done_ok');
    expect(new Set(seen)).toContain('executing');
    expect(await node.approvals()).toMatchObject([{ entityId: 'h1', state: 'approved' }]);
  });

  it('deny: no task; the same HIGH threat is not asked again', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    await node.decide('h1', 'deny');
    await keepHigh(clock, node, 'h1', 6_000);
    expect(await node.tasks()).toEqual([]);
    expect(await taskOf(node, 'h1')).toBeUndefined();
    expect(await node.approvals()).toMatchObject([{ entityId: 'h1', state: 'denied', decidedBy: 'nodeA' }]);
  });

  it('deadline: a pending request times out (auto-deny), with the persisted deadline setting', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.setApprovalDeadline(6_000);
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    const [request] = await node.approvals();
    expect(request!.deadline - request!.requestedAt).toBe(6_000);
    await keepHigh(clock, node, 'h1', 4_000);
    expect((await approvalOf(node, 'h1'))!.state).toBe('pending');
    await keepHigh(clock, node, 'h1', 2_000);
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'timed_out', decidedBy: 'auto', decidedOn: 'nodeA' });
    await expect(node.decide('h1', 'approve')).rejects.toThrow(/nothing is pending for h1/);
    await expect(node.decide('h1', 'approve', request!.requestId)).rejects.toThrow(/already timed_out/);
    expect(await node.tasks()).toEqual([]);
  });

  it('threat drops after the approval: the actor withdraws it and cancels the running task', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    await node.decide('h1', 'approve');
    await keepHigh(clock, node, 'h1', 2_000);
    expect(['sent', 'acknowledged']).toContain((await taskOf(node, 'h1'))!.status);
    await refresh(node, 'h1', 'NEUTRAL');
    await clock.advance(1_000);
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'cancelled', decidedBy: 'auto' });
    expect(await taskOf(node, 'h1')).toMatchObject({ status: 'cancelled', assignedBy: 'nodeA' });
    expect(await node.tasks()).toEqual([]);
    // Nothing advances a cancelled task.
    await clock.advance(10_000);
    expect((await taskOf(node, 'h1'))!.status).toBe('cancelled');
  });

  it('threat drops while pending: cancelled; a decision after that is refused', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    // The sensor now identifies it as neutral: the threat falls below HIGH.
    await refresh(node, 'h1', 'NEUTRAL');
    await clock.advance(1_000);
    expect(await threatOf(node, 'h1')).not.toBe('HIGH');
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'cancelled', decidedBy: 'auto' });
    await expect(node.decide('h1', 'approve')).rejects.toMatchObject({ name: 'ConflictError' });
    expect(await node.tasks()).toEqual([]);
  });

  it('rejects decisions with nothing pending, bad arguments, and a late decision for a superseded request', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.create({ id: 'quiet', components: { position: { lat: 1, lon: 2 } } });
    await expect(node.decide('quiet', 'approve')).rejects.toThrow(/nothing is pending for quiet/);
    await expect(node.decide('nope', 'approve')).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(node.decide('quiet', 'maybe' as never)).rejects.toThrow(/decide.decision/);
    await expect(node.decide('-bad', 'deny')).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(node.decide('quiet', 'deny', 'r1')).rejects.toThrow(/decide.requestId/);
    await expect(node.setApprovalDeadline(1_000)).rejects.toThrow(/setApprovalDeadline.ms/);
    await expect(node.setApprovalDeadline(600_001)).rejects.toMatchObject({ name: 'ValidationError' });

    // A request, then the threat falls and rises again: a new request supersedes the first.
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    const [first] = await node.approvals();
    await refresh(node, 'h1', 'NEUTRAL');
    await clock.advance(1_000);
    await refresh(node, 'h1');
    await clock.advance(1_000);
    const [second] = await node.approvals();
    expect(second!.state).toBe('pending');
    expect(second!.requestId > first!.requestId).toBe(true);
    // The operator answers the prompt they saw, for the first request: it never approves the second.
    await expect(node.decide('h1', 'approve', first!.requestId)).rejects.toThrow(/superseded/);
    expect(await approvalOf(node, 'h1')).toMatchObject({ requestId: second!.requestId, state: 'pending' });
    expect(await node.tasks()).toEqual([]);
  });

  it('restart from storage keeps the state: a pending request still times out, a task keeps advancing', async () => {
    const clock = new ManualClock();
    const first = await openNode(clock, 'nodeA');
    await first.node.setApprovalDeadline(8_000);
    await first.node.create({ id: 'p1', components: track() });
    await first.node.create({ id: 'a1', components: track() });
    await clock.advance(1_000);
    await first.node.decide('a1', 'approve');
    await clock.advance(0);
    expect((await taskOf(first.node, 'a1'))!.status).toBe('created');
    const pending = (await approvalOf(first.node, 'p1'))!;
    await first.node.close();

    const again = await openNode(clock, 'nodeA', first.backing);
    expect(await approvalOf(again.node, 'p1')).toEqual(pending);
    // Not asked twice: the request id is derived from the same threat write.
    expect((await again.node.approvals()).filter((a) => a.state === 'pending')).toHaveLength(1);
    for (let t = 0; t < 8_000; t += 2_000) {
      await refresh(again.node, 'p1');
      await keepHigh(clock, again.node, 'a1', 2_000);
    }
    expect(await approvalOf(again.node, 'p1')).toMatchObject({ requestId: pending.requestId, state: 'timed_out' });
    expect((await taskOf(again.node, 'a1'))!.status).toBe('done_ok');
    // The deadline setting survived too.
    await again.node.create({ id: 'n1', components: track() });
    await clock.advance(1_000);
    const n1 = (await again.node.approvals()).find((a) => a.entityId === 'n1')!;
    expect(n1.deadline - n1.requestedAt).toBe(8_000);
    expect(decodeTs(n1.requestId)?.node).toBe('nodeA');
  });

  it('a HIGH threat whose author never raises a request is taken over after the grace period', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    // A peer wrote HIGH and vanished before raising its request.
    const ts = { ms: clock.now, c: 0, node: 'gone' as NodeId };
    const threat: Version = {
      entity: 'g1' as EntityId,
      kind: 'threat' as ComponentKind,
      value: { level: 'HIGH' },
      ts,
      seen: [],
    };
    node.applyRemote([threat]);
    await clock.advance(RAISE_GRACE_MS - 1_000);
    expect(await node.approvals()).toEqual([]);
    await clock.advance(6_000);
    const [request] = await node.approvals();
    expect(request).toMatchObject({ entityId: 'g1', state: 'pending' });
    // This node re-wrote the threat, so it is the author and the request's actor.
    expect((await node.get('g1'))!.meta.threat).toMatchObject({ author: 'nodeA', heads: 1 });
    expect(actorOf(request!.requestId as RequestId)).toBe('nodeA');
  });

  it('tells watchers when approvals or tasks changed, and only then', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const batches: ChangeBatch[] = [];
    node.watch((b) => batches.push(b));
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    expect(batches.some((b) => b.approvals === true)).toBe(true);
    batches.length = 0;
    // A sensor report moves the track: a batch, but approvals did not change.
    await refresh(node, 'h1');
    await clock.advance(0);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.some((b) => b.approvals === true)).toBe(false);
    await node.decide('h1', 'deny');
    await clock.advance(0);
    expect(batches.some((b) => b.approvals === true)).toBe(true);
  });

  it('tells an approvals-only watcher of a request once it is durable, without waiting for the change batch', async () => {
    const clock = new ManualClock();
    // Change batches are held, never delivered, until the test runs them (the worker's 16 ms timer).
    const held: (() => void)[] = [];
    const { node } = await openNode(clock, 'nodeA', createMemoryBacking(), (fn) => held.push(fn));
    const cues: ChangeBatch[] = [];
    node.watch((b) => cues.push(b), { approvalsOnly: true });
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    expect((await node.approvals()).map((a) => a.state)).toEqual(['pending']);
    expect(held).not.toHaveLength(0);
    expect(cues).toEqual([{ changed: [], removed: [], approvals: true }]);
    // The batch that follows tells it nothing new.
    for (const fn of held.splice(0)) fn();
    expect(cues).toHaveLength(1);
    await node.decide('h1', 'deny');
    await clock.advance(0);
    expect(cues).toHaveLength(2);
  });

  it('an approvals-only watcher hears the cue, never the track views', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const cues: ChangeBatch[] = [];
    const full: ChangeBatch[] = [];
    node.watch((b) => cues.push(b), { approvalsOnly: true });
    node.watch((b) => full.push(b));
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    expect(cues).not.toHaveLength(0);
    expect(cues.every((b) => b.approvals === true && b.changed.length === 0 && b.removed.length === 0)).toBe(true);
    expect(full.some((b) => b.changed.some((v) => v.id === 'h1'))).toBe(true);
    cues.length = 0;
    // The track moves: the full watcher hears it, the approvals-only one does not.
    await refresh(node, 'h1');
    await clock.advance(0);
    expect(cues).toEqual([]);
    await node.decide('h1', 'deny');
    await clock.advance(0);
    expect(cues).toEqual([{ changed: [], removed: [], approvals: true }]);
  });
});
