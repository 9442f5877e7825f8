/**
 * MeshNode.retire (docs/security.md, "A removed device"): the link to a removed device closes as
 * soon as the removal op has left on it (handed whole to the link, the channel drained), not a
 * fixed REMOVAL_NOTICE_MS later; that stays the upper bound. Before, the worker closed it on a
 * 2 s timer whatever the link did (workers/node-worker.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Version } from '../../../../src/core/merge/version';
import type { NodeId } from '../../../../src/core/ids';
import { removalOf, REMOVAL_NOTICE_MS } from '../../../../src/node/roster/roster-service';
import { rosterOpVersion } from '../roster/roster-harness';
import { MeshSim } from './mesh-sim';

const isTrack =
  (id: string) =>
  (v: Version): boolean =>
    v.entity === id;

/** a and b linked and synced; the edge dropped from the topology, so a closed link stays closed. */
async function linked(seed: number) {
  const sim = new MeshSim({ seed, net: { latency: { min: 4, max: 4 } } });
  const a = await sim.add('a');
  const b = await sim.add('b');
  sim.link('a', 'b');
  await sim.settle();
  sim.edges.clear();
  return { sim, a, b };
}

/** Advances in 5 ms steps until the link a-b is gone; the virtual ms it took. */
async function untilClosed(sim: MeshSim, maxMs = 10_000): Promise<number> {
  const start = sim.clock;
  while (sim.net.isLinked(sim.get('a').id, sim.get('b').id)) {
    if (sim.clock - start > maxMs) throw new Error('the link never closed');
    await sim.advance(5);
  }
  return sim.clock - start;
}

describe('retiring a link once a version has left on it', () => {
  it('closes as soon as the watched version went out and the link drained, and the peer holds it', async () => {
    const { sim, a, b } = await linked(21);
    expect(a.mesh.retire(b.id, 'removed from lattice test by a', isTrack('trk-removal'), REMOVAL_NOTICE_MS)).toBe(true);
    // Nothing to wait for yet: the link stays.
    await sim.advance(500);
    expect(sim.net.isLinked(a.id, b.id)).toBe(true);
    await a.node.create({ id: 'trk-removal', components: { speed: { kts: 1 } } });
    const ms = await untilClosed(sim);
    // Delivered (4 steps of 5 ms), then the next tick (50 ms) saw the link drained: far under 2 s.
    expect(ms).toBeLessThan(200);
    expect((await b.node.get('trk-removal'))?.components.speed).toEqual({ kts: 1 });
    expect(a.logs.some((l) => l.includes('removed from lattice test by a'))).toBe(true);
  });

  it('closes at the upper bound when the version never goes out', async () => {
    const { sim, a, b } = await linked(22);
    a.mesh.retire(b.id, 'removed', isTrack('trk-never'), REMOVAL_NOTICE_MS);
    await a.node.create({ id: 'trk-other', components: { speed: { kts: 1 } } });
    const ms = await untilClosed(sim);
    expect(ms).toBeGreaterThanOrEqual(REMOVAL_NOTICE_MS - 100);
    expect(ms).toBeLessThanOrEqual(REMOVAL_NOTICE_MS + 100);
  });

  it('a version that came by the link itself is the peer’s already: closes once drained', async () => {
    const { sim, a, b } = await linked(23);
    a.mesh.retire(b.id, 'removed', isTrack('trk-from-b'), REMOVAL_NOTICE_MS);
    await b.node.create({ id: 'trk-from-b', components: { speed: { kts: 2 } } });
    expect(await untilClosed(sim)).toBeLessThan(300);
    expect(await a.node.get('trk-from-b')).toBeDefined();
  });

  it('a link still in its handshake has not carried the version: it stays until the bound', async () => {
    const sim = new MeshSim({ seed: 25, net: { latency: { min: 4, max: 4 } } });
    const a = await sim.add('a');
    const b = await sim.add('b');
    sim.link('a', 'b');
    sim.edges.clear();
    await sim.advance(1);
    expect(sim.net.isLinked(a.id, b.id)).toBe(true);
    expect(a.mesh.retire(b.id, 'removed', isTrack('trk-early'), REMOVAL_NOTICE_MS)).toBe(true);
    // Written while the handshake is under way: the push is not sent on that link.
    await a.node.create({ id: 'trk-early', components: { speed: { kts: 3 } } });
    const ms = await untilClosed(sim);
    expect(ms).toBeGreaterThanOrEqual(REMOVAL_NOTICE_MS - 100);
  });

  it('no link: nothing to retire', async () => {
    const sim = new MeshSim({ seed: 24 });
    const a = await sim.add('a');
    expect(a.mesh.retire(a.id, 'removed', () => true, REMOVAL_NOTICE_MS)).toBe(false);
  });

  it('the worker’s watch picks a remove of the removed device only (removalOf)', () => {
    const [x, y, z] = ['x', 'y', 'z'] as NodeId[];
    const watch = removalOf(y);
    expect(watch(rosterOpVersion(x, 2, 2, 1, { type: 'remove', member: y, observed: [] }))).toBe(true);
    expect(watch(rosterOpVersion(x, 2, 2, 1, { type: 'remove', member: z, observed: [] }))).toBe(false);
    expect(watch(rosterOpVersion(x, 2, 2, 1, { type: 'add', member: y }))).toBe(false);
  });
});
