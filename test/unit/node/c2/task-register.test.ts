/**
 * The shared `task` register: a user task written concurrently with the intercept task, carrying a
 * far-future request id, must not displace the intercept, and the acting node must not assign the
 * approved request a second time (issue 10 review, MED 7).
 */
import { describe, expect, it } from 'vitest';
import { encodeTs } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { taskOf, track } from './gate-fixtures';
import { ManualClock, openNode } from './manual-node';

describe('the task register under a concurrent user task', () => {
  it('a user task with a far-future request id does not displace the intercept; the actor assigns once', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    const [request] = await node.approvals();
    await node.decide('h1', 'approve', request!.requestId);
    await clock.advance(0);
    const assigned = (await node.get('h1'))!.meta.task!.version;
    expect(await node.tasks()).toMatchObject([{ entityId: 'h1', task: 'intercept', requestId: request!.requestId }]);

    // A peer's user task, written without having seen the intercept (so the store's refusal,
    // prepare-write.ts refuseGateOwned, never ran), naming a request a year ahead.
    const userTask: Version = {
      entity: 'h1' as EntityId,
      kind: 'task' as ComponentKind,
      value: {
        task: 'patrol',
        requestId: encodeTs({ ms: clock.now + 365 * 86_400_000, c: 0, node: 'nodeC' as NodeId }),
        status: 'created',
        assignedBy: 'nodeC',
        updatedAt: clock.now,
      },
      ts: { ms: clock.now, c: 0, node: 'nodeC' as NodeId },
      seen: [],
    };
    node.applyRemote([userTask]);
    await clock.advance(0);

    // The intercept still wins the register, and no second assignment was written.
    expect(await taskOf(node, 'h1')).toMatchObject({
      task: 'intercept',
      requestId: request!.requestId,
      status: 'created',
    });
    expect((await node.get('h1'))!.meta.task!.version).toBe(assigned);
    expect(await node.tasks()).toMatchObject([{ entityId: 'h1', task: 'intercept', requestId: request!.requestId }]);
  });
});
