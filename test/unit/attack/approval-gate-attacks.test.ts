/**
 * Attacks on the approval gate by a peer that writes `approval` and `task` versions of its own
 * making (valid values, plausible timestamps). Decisions are not signed yet (issue 12): a forged
 * `approved` by an impostor stands, and is not tried here. What must hold without signatures:
 * no task without an approved request of the same id, a real HIGH threat is always asked about, no
 * prompt stays pending forever, and odd values neither crash the loop nor spin its timer.
 */
import { describe, expect, it } from 'vitest';
import { encodeTs, type Timestamp } from '../../../src/core/clock/timestamp';
import { MAX_EPOCH_MS } from '../../../src/core/entity/bounds';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { DEFAULT_FOLLOWER_GRACE_MS } from '../../../src/core/task/gate';
import { MAX_APPROVAL_DEADLINE_MS } from '../../../src/node/approval-args';
import { approvalOf, track } from '../node/c2/gate-fixtures';
import { ManualClock, openNode } from '../node/c2/manual-node';

const PEER = 'mallory' as NodeId;
/** The longest delay setTimeout honours; a longer one fires at once in browsers (and in Node). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A manual clock that remembers the longest delay any timer asked for. */
class RecordingClock extends ManualClock {
  longest = 0;
  override after(ms: number, fn: () => void): () => void {
    this.longest = Math.max(this.longest, ms);
    return super.after(ms, fn);
  }
}

function version(entity: string, kind: string, value: unknown, ts: Timestamp): Version {
  return { entity: entity as EntityId, kind: kind as ComponentKind, value: value as Version['value'], ts, seen: [] };
}

const rid = (ms: number, node: string = PEER, c = 0): string => encodeTs({ ms, c, node: node as NodeId });

describe('attack: a peer writing approval and task versions', () => {
  it('a task with no approval, or with a pending one, never stands on this node', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const at = { ms: clock.now, c: 0, node: PEER };
    const request = rid(clock.now - 1);
    const task = { task: 'intercept', requestId: request, status: 'executing', assignedBy: PEER, updatedAt: clock.now };
    node.applyRemote([version('x1', 'task', task, at)]);
    await clock.advance(1_000);
    expect(await node.tasks()).toEqual([]);
    const pending = {
      requestId: request,
      state: 'pending',
      reason: 'x',
      requestedAt: clock.now,
      deadline: clock.now + 30_000,
    };
    node.applyRemote([version('x1', 'approval', pending, { ...at, ms: clock.now, c: 1 })]);
    await clock.advance(1_000);
    expect(await node.tasks()).toEqual([]);
  });

  it('a pending request named far in the future does not keep a real HIGH threat from being asked', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.create({ id: 'h1', components: track() });
    // Before the threat turns HIGH, the peer plants a request whose id sorts after every real one.
    const future = rid(MAX_EPOCH_MS - 1, PEER);
    const planted = { requestId: future, state: 'timed_out', reason: 'x', requestedAt: 0, deadline: 0 };
    node.applyRemote([version('h1', 'approval', planted, { ms: clock.now, c: 5, node: PEER })]);
    await clock.advance(2_000);
    const mine = (await node.approvals()).find((a) => a.entityId === 'h1');
    expect(mine).toMatchObject({ state: 'pending' });
    expect(mine!.requestId).not.toBe(future);
    await node.decide('h1', 'deny');
  });

  it('a pending request by a ghost actor with a deadline at the end of time times out, and the timer never overflows', async () => {
    const clock = new RecordingClock();
    const { node } = await openNode(clock, 'nodeA');
    const writtenAt = clock.now;
    const ghost = {
      requestId: rid(writtenAt - 1, 'ghost'),
      state: 'pending',
      reason: 'x',
      requestedAt: writtenAt,
      deadline: MAX_EPOCH_MS,
    };
    // Written by its own actor (a peer may not raise another's request: gate-authority.ts), which then vanishes.
    node.applyRemote([version('g1', 'approval', ghost, { ms: writtenAt, c: 0, node: 'ghost' as NodeId })]);
    await clock.advance(1_000);
    expect(await approvalOf(node, 'g1')).toMatchObject({ state: 'pending' });
    expect(clock.longest).toBeLessThanOrEqual(MAX_TIMER_MS);
    await clock.advance(MAX_APPROVAL_DEADLINE_MS + DEFAULT_FOLLOWER_GRACE_MS + 1_000);
    expect(await approvalOf(node, 'g1')).toMatchObject({ state: 'timed_out' });
    expect(clock.longest).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it('a deadline in the far past or a zero time times out at once, without crashing the loop', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const old = { requestId: rid(0, 'ghost'), state: 'pending', reason: '', requestedAt: 0, deadline: 0 };
    node.applyRemote([version('p1', 'approval', old, { ms: clock.now, c: 0, node: 'ghost' as NodeId })]);
    await clock.advance(1_000);
    expect(await approvalOf(node, 'p1')).toMatchObject({ state: 'timed_out' });
    // The loop still works for real tracks afterwards.
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    expect((await node.approvals()).find((a) => a.entityId === 'h1')).toMatchObject({ state: 'pending' });
  });
});
