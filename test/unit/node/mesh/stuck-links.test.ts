/**
 * Issue 8: a link is never shown as synced while versions are stuck: held unmerged for clock skew
 * on one side, or impossible to encode for the wire on the other.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { SessionState } from '../../../../src/core/sync';
import { MeshSim } from './mesh-sim';

async function pair(offsetA = 0): Promise<MeshSim> {
  const sim = new MeshSim({ seed: 5 });
  await sim.add('a', offsetA);
  await sim.add('b');
  sim.link('a', 'b');
  await sim.settle();
  return sim;
}

const linkOf = (sim: MeshSim, from: string) => sim.get(from).mesh.peers()[0]!;

describe('links with stuck versions', () => {
  it('are not synced while the peer holds writes for clock skew, and are once it accepts them', async () => {
    const sim = await pair(5 * 60_000);
    await sim.get('a').node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    sim.get('b').mesh.syncNow();
    // Not settle(): it waits for every link to be synced, which here needs b's clock to catch up.
    await sim.advance(2_000);
    const b = sim.get('b');
    expect((await b.node.stats()).stuck).toEqual({ held: 1, unsent: 0 });
    expect(linkOf(sim, 'b').stuck).toBe(1);
    expect(linkOf(sim, 'b').state).not.toBe(SessionState.Synced);
    expect(b.mesh.syncStatus()).toMatchObject({ peers: 1, synced: 0, stuck: 1 });
    expect(await b.node.acceptHeld('a')).toBe(1);
    b.mesh.syncNow();
    await sim.advance(2_000);
    expect(linkOf(sim, 'b').stuck).toBe(0);
    expect(linkOf(sim, 'b').state).toBe(SessionState.Synced);
    expect((await b.node.stats()).stuck).toEqual({ held: 0, unsent: 0 });
  });

  it('are not synced while a version the peer needs cannot be encoded, and say so in stats()', async () => {
    const sim = await pair();
    const a = sim.get('a');
    // Merged outside a session (an import): a lone surrogate the wire cannot carry.
    const bad = {
      entity: 'x' as EntityId,
      kind: 'classification' as ComponentKind,
      value: { label: 'broken \ud800', disposition: 'UNKNOWN', environment: 'SURFACE', confidence: 0.5 },
      ts: { ms: sim.clock - 1_000, c: 0, node: 'w' as NodeId },
      seen: [],
    };
    expect(a.node.applyRemote([bad])).toHaveLength(1);
    a.mesh.syncNow();
    sim.get('b').mesh.syncNow();
    await sim.advance(2_000);
    expect((await a.node.stats()).stuck.unsent).toBeGreaterThan(0);
    expect(linkOf(sim, 'a').stuck).toBeGreaterThan(0);
    expect(linkOf(sim, 'a').state).not.toBe(SessionState.Synced);
    expect(a.mesh.syncStatus().synced).toBe(0);
    expect(await sim.get('b').node.get('x')).toBeUndefined();
  });

  it('are synced when nothing is stuck', async () => {
    const sim = await pair();
    await sim.get('a').node.create({ id: 'y', components: { position: { lat: 1, lon: 1 } } });
    sim.get('a').mesh.syncNow();
    await sim.settle();
    for (const id of ['a', 'b']) {
      expect(linkOf(sim, id)).toMatchObject({ state: SessionState.Synced, stuck: 0, unsent: 0 });
    }
  });
});
