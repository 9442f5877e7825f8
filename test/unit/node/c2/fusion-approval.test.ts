/** A HIGH track hidden under a fused view: the request and the intercept task show on the fused track. */
import { describe, expect, it } from 'vitest';
import type { Approval, Fusion } from '../../../../src/core/entity/component-types';
import { effectiveTask } from '../../../../src/core/task/gate';
import type { ApprovalRecord, TaskRecord } from '../../../../src/core/task/records';
import type { EntityView } from '../../../../src/node/node-api';
import { refresh, track } from './gate-fixtures';
import { ManualClock, openNode } from './manual-node';

describe('approvals on fused tracks', () => {
  it('the fused view of a HIGH EO track and a radar track carries its request and its intercept task', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const eo = track();
    const position = eo.position as { lat: number; lon: number; alt: number };
    await node.create({ id: 'eo-1', components: eo });
    await node.create({
      id: 'radar-1',
      components: {
        source: { sensorId: 'test-radar', sensorType: 'radar' },
        position: { ...position, covariance: [900, 0, 900] },
      },
    });
    const fusedNow = async (): Promise<EntityView | undefined> =>
      (await node.list()).find((v) => v.components.fusion !== undefined);
    // Both sensors keep reporting; after 3 scans of 5 the pair is fused.
    for (let i = 0; i < 6; i++) {
      await refresh(node, 'eo-1');
      await node.update('radar-1', { position: { ...position, covariance: [900, 0, 900] } });
      await node.update('eo-1', { position });
      await clock.advance(1_000);
    }
    const [request] = await node.approvals();
    expect(request).toMatchObject({ entityId: 'eo-1', state: 'pending' });
    let fused = await fusedNow();
    expect((fused!.components.fusion as Fusion).sources).toEqual(['eo-1', 'radar-1']);
    // The source with the request is hidden under the fused view: the view shows the request.
    expect((await node.list()).some((v) => v.id === 'eo-1')).toBe(false);
    expect(fused!.components.approval).toMatchObject({ requestId: request!.requestId, state: 'pending' });

    await node.decide('eo-1', 'approve');
    await clock.advance(0);
    fused = await fusedNow();
    expect(fused!.id.startsWith('fused:')).toBe(true);
    expect((fused!.components.approval as Approval).state).toBe('approved');
    // The intercept task stands on the fused track as it does on its source (read through effectiveTask).
    const carried = effectiveTask({
      approval: fused!.components.approval as ApprovalRecord,
      task: fused!.components.task as TaskRecord,
    });
    expect(carried).toMatchObject({ task: 'intercept', requestId: request!.requestId, assignedBy: 'nodeA' });
    expect(fused!.meta.task).toEqual((await node.get('eo-1'))!.meta.task);
  });
});
