import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { decodeMessage, MessageType, ReconcilePhase, ROUND_TURN_MS } from '../../../../src/core/sync';
import { decodeVersions } from '../../../../src/core/wire';
import type { Link } from '../../../../src/ports/transport';
import { MeshSim } from './mesh-sim';

/**
 * One anti-entropy round at a time fills a node (src/core/sync/round-turns.ts; docs/architecture.md,
 * "One round at a time fills a node"): when several links come up together (a heal), the peers that
 * hold what a node lacks do not all send it at once. Deterministic: each simulation is seeded (the
 * seed is in the test's name); virtual time only.
 */

/** Version copies of entity `id` carried by `versions` frames into node `to`. */
function copiesInto(sim: MeshSim, to: string, id: string): { n: number } {
  const out = { n: 0 };
  sim.net.options.tap = (_from: NodeId, dest: NodeId, frame: Uint8Array) => {
    const m = decodeMessage(frame);
    if (dest !== to || m.type !== MessageType.Versions || m.batch.length === 0) return;
    out.n += decodeVersions(m.batch).filter((v) => v.entity === id).length;
  };
  return out;
}

/** `holders` share x (written at the first, in a line); `lacking` is offline until all link to it at once. */
async function heal(seed: number, lacking: string, holders: string[]): Promise<MeshSim> {
  const sim = new MeshSim({ seed });
  for (const id of [lacking, ...holders]) await sim.add(id);
  sim.offline(lacking);
  for (let i = 1; i < holders.length; i++) sim.link(holders[i - 1]!, holders[i]!);
  await sim.settle();
  await sim.get(holders[0]!).node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
  await sim.settle();
  for (const h of holders) expect(await sim.get(h).node.get('x')).toBeDefined();
  for (const h of holders) sim.link(h, lacking);
  return sim;
}

describe('after a heal one round at a time fills a node', () => {
  const seed = 91;
  it(`a responder gets a version it lacks once, not from each initiator (seed ${seed})`, async () => {
    // z has the largest id: it answers the rounds of a, b and c (the smaller id initiates).
    const sim = await heal(seed, 'z', ['a', 'b', 'c']);
    const into = copiesInto(sim, 'z', 'x');
    sim.online('z');
    await sim.settle();
    expect(await sim.get('z').node.get('x')).toBeDefined();
    // Before: a, b and c each found z lacking x in their first round and pushed it (3 copies).
    expect(into.n).toBe(1);
  });

  const seed2 = 92;
  it(`an initiator gets a version it lacks once, not from each responder (seed ${seed2})`, async () => {
    // a has the smallest id: it opens the rounds with b, c and d, which push what it lacks.
    const sim = await heal(seed2, 'a', ['b', 'c', 'd']);
    const into = copiesInto(sim, 'a', 'x');
    sim.online('a');
    await sim.settle();
    expect(await sim.get('a').node.get('x')).toBeDefined();
    // Before: b, c and d each pushed x ahead of their first reply (3 copies).
    expect(into.n).toBe(1);
  });

  const seed3 = 93;
  it(`a peer that stalls its round holds the turn ${ROUND_TURN_MS} ms at most (seed ${seed3})`, async () => {
    const sim = await heal(seed3, 'z', ['a', 'b']);
    sim.unlink('b', 'z');
    // a sends its first open to z, then nothing of its rounds (pings and pongs still go: the link lives).
    let stalled = false;
    const a = sim.get('a');
    const accept = a.mesh.accept;
    (a.mesh as { accept: (l: Link) => unknown }).accept = (link: Link) => {
      const send = link.send.bind(link);
      if (link.peer === 'z')
        link.send = (frame) => {
          const m = decodeMessage(frame);
          if (stalled && m.type !== MessageType.Ping && m.type !== MessageType.Pong) return;
          if (m.type === MessageType.Reconcile && m.phase === ReconcilePhase.Open) stalled = true;
          send(frame);
        };
      return accept(link);
    };
    sim.online('z');
    await sim.advance(100);
    expect(stalled).toBe(true);
    // b links while a's round holds z's turn.
    sim.link('b', 'z');
    await sim.advance(ROUND_TURN_MS / 2);
    expect(await sim.get('z').node.get('x')).toBeUndefined();
    await sim.advance(ROUND_TURN_MS);
    expect(sim.net.isLinked('a' as NodeId, 'z' as NodeId)).toBe(true);
    expect(await sim.get('z').node.get('x')).toBeDefined();
  });
});
