/**
 * A request's deadline is on its actor's clock; a follower checks it on its own. A follower whose
 * clock runs ahead of the actor's (within the mesh's skew limit) must not time the request out
 * before the actor's deadline (issue 10 review, MED 6).
 */
import { describe, expect, it } from 'vitest';
import { encodeTs } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { DEFAULT_FOLLOWER_GRACE_MS } from '../../../../src/core/task/gate';
import { ManualClock, openNode } from './manual-node';

const AHEAD_MS = 10_000;
const DEADLINE_MS = 30_000;
const A = 'nodeA' as NodeId;

function fromA(entity: string, kind: string, value: unknown, ms: number): Version {
  return {
    entity: entity as EntityId,
    kind: kind as ComponentKind,
    value: value as Version['value'],
    ts: { ms, c: 0, node: A },
    seen: [],
  };
}

describe('follower time-out under clock skew', () => {
  it("a follower 10 s ahead of the actor leaves the request pending until the actor's deadline has passed", async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeB');
    // A's clock reads clock.now - AHEAD_MS: B (this node) runs 10 s ahead.
    const aNow = (): number => clock.now - AHEAD_MS;
    const threatMs = aNow();
    node.applyRemote([
      fromA('t1', 'position', { lat: 51.5, lon: -0.46 }, threatMs),
      fromA('t1', 'threat', { level: 'HIGH' }, threatMs + 1),
    ]);
    node.applyRemote([
      fromA(
        't1',
        'approval',
        {
          requestId: encodeTs({ ms: threatMs + 1, c: 0, node: A }),
          state: 'pending',
          reason: 'r',
          requestedAt: threatMs + 2,
          deadline: threatMs + 2 + DEADLINE_MS,
        },
        threatMs + 2,
      ),
    ]);
    await clock.advance(1_000);
    expect(await node.approvals()).toMatchObject([{ entityId: 't1', state: 'pending' }]);
    // Up to a moment before A's deadline (A's clock): still pending on B, whatever B's clock says.
    await clock.advance(threatMs + 2 + DEADLINE_MS - 1 - aNow());
    expect(await node.approvals()).toMatchObject([{ entityId: 't1', state: 'pending' }]);
    // A never answers (it is gone): B times the request out after the grace.
    await clock.advance(DEFAULT_FOLLOWER_GRACE_MS);
    expect(await node.approvals()).toMatchObject([{ entityId: 't1', state: 'timed_out', decidedOn: 'nodeB' }]);
  });
});
