import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../../src/adapters/memory-transport';
import { MeshNode } from '../../../src/node/mesh';
import { ensureLinks, openSimNode, settle, type SimBase } from '../../../bench/lib/sim-steps';
import { T0 } from '../../../bench/lib/workload';
import { testSecurity } from '../support/test-keys';

/**
 * The benchmarks' mesh stepping (bench/lib/sim-steps.ts) must let storage commits land between
 * steps: a node relays a peer's version only once its own commit of it is durable
 * (docs/architecture.md, "Nothing leaves before it is durable"). Scenario 8 failed with a last
 * write that never left the first relay ("w63 not spread in its half").
 */
describe('bench sim steps', () => {
  it('a write reaches a node two hops away with no await but the settle', async () => {
    const sim: SimBase = { clock: T0 + 1_000_000, net: new MemoryNetwork({ seed: 1 }), nodes: new Map(), edges: [] };
    const seen = new Map<string, string[]>();
    for (const id of ['a', 'b', 'c']) {
      const node = await openSimNode(sim, id);
      const security = await testSecurity(id, () => sim.clock);
      sim.nodes.set(id, { node, mesh: new MeshNode({ node, security, now: () => sim.clock }) });
      node.onVersions((vs) => seen.set(id, [...(seen.get(id) ?? []), ...vs.map((v) => v.entity)]));
    }
    sim.edges.push(['a', 'b'], ['b', 'c']);
    ensureLinks(sim);
    await settle(sim, 500);
    await sim.nodes.get('a')!.node.create({ id: 'w', components: { position: { lat: 1, lon: 2 } } });
    await settle(sim, 500);
    expect(seen.get('b')).toEqual(['w']);
    expect(seen.get('c')).toEqual(['w']);
    for (const x of sim.nodes.values()) x.mesh.close();
  });
});
