/**
 * Who classifies a track and who takes over a HIGH threat is decided on this node's own clock (when
 * it last heard of the track), not on the author's timestamps, which a peer's clock skew shifts.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { track } from './gate-fixtures';
import { ManualClock, openNode } from './manual-node';

const SKEW_MS = 20_000;

/** Node A's write of `components`, stamped by a clock running SKEW_MS behind ours. */
function fromSlowPeer(clock: ManualClock, id: string, components: Record<string, unknown>, c = 0): Version[] {
  const ts = { ms: clock.now - SKEW_MS, c, node: 'nodeA' as NodeId };
  return Object.entries(components).map(([kind, value]) => ({
    entity: id as EntityId,
    kind: kind as ComponentKind,
    value: value as Version['value'],
    ts,
    seen: [],
  }));
}

describe('designation under clock skew', () => {
  it("a track its sensor's node keeps reporting is left to that node, however far behind its clock runs", async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeB');
    for (let i = 0; i < 4; i++) {
      node.applyRemote(fromSlowPeer(clock, 'h1', track(), i));
      await clock.advance(1_000);
    }
    // A has not classified it yet (or its write is on the way): B must not write the threat.
    const view = (await node.get('h1'))!;
    expect(view.components.threat).toBeUndefined();
    expect(await node.approvals()).toEqual([]);
    // A goes quiet (the cue is kept fresh by hand here): 15 s later by B's clock, B classifies it.
    for (let t = 0; t < 16_000; t += 2_000) {
      await node.update('h1', { cue: track().cue as Record<string, unknown> });
      await clock.advance(2_000);
    }
    expect((await node.get('h1'))!.meta.threat).toMatchObject({ author: 'nodeB' });
  });

  it("a peer's HIGH threat is not taken over while its request can still arrive, however far behind the peer's clock runs", async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeB');
    node.applyRemote(fromSlowPeer(clock, 'g1', { position: { lat: 51.5, lon: -0.46 }, threat: { level: 'HIGH' } }));
    await clock.advance(2_000);
    // Its author wrote it "20 s ago" by its clock, but this node heard of it 2 s ago: no takeover yet.
    expect((await node.get('g1'))!.meta.threat).toMatchObject({ author: 'nodeA' });
    expect(await node.approvals()).toEqual([]);
    // No request ever comes: after the grace and this node's stagger it takes the threat over.
    await clock.advance(14_000);
    expect((await node.get('g1'))!.meta.threat).toMatchObject({ author: 'nodeB' });
    expect(await node.approvals()).toMatchObject([{ entityId: 'g1', state: 'pending' }]);
  });
});
