/**
 * Twins with different contexts (issue 8 "zero divergence", issue 12 "equivocating versions"). A
 * member signs two versions under one key (entity, kind, timestamp) with the same value and
 * different causal contexts: one names an honest concurrent head, the other does not. Before, a
 * node that received both kept one content (compareContent) but learned the other's context too,
 * dropping the honest head, and never served the twin it learned from: a replica that synced only
 * with it kept the honest head, and the two differed for good (the honest version re-fetched and
 * refused at every hold-back). Now the losing twin is kept as evidence: stored, in the sync index,
 * served like any version, so every replica that syncs learns the same contexts.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { compareContent } from '../../../src/core/merge/version-content';
import { signNow, testIdentity } from '../support/test-keys';
import { MeshSim } from '../node/mesh/mesh-sim';

const NOTE = 'zz_note' as ComponentKind;
const ID = 'x1' as EntityId;

/** An honest head by h, and x's twins at one timestamp: `bare` names nothing, `wide` names h's head. */
function scene(ms: number): { honest: Version; bare: Version; wide: Version } {
  const honest = signNow(testIdentity('h'), {
    entity: ID,
    kind: NOTE,
    value: { text: 'honest' },
    ts: { ms: ms - 10, c: 0, node: 'h' as NodeId },
    seen: [],
  });
  const base = { entity: ID, kind: NOTE, value: { text: 'same' }, ts: { ms, c: 0, node: 'x' as NodeId } };
  return {
    honest,
    bare: signNow(testIdentity('x'), { ...base, seen: [] }),
    wide: signNow(testIdentity('x'), { ...base, seen: [honest.ts] }),
  };
}

async function trusted(sim: MeshSim, ids: string[]) {
  const nodes = [];
  for (const id of ids) {
    const n = await sim.add(id);
    for (const k of ['h', 'x']) await n.security.trust(testIdentity(k).publicKey);
    nodes.push(n);
  }
  return nodes;
}

const headsOf = async (sim: MeshSim, id: string) =>
  (await sim.get(id).node.heads(ID, NOTE)).map((h) => `${h.author}:${JSON.stringify(h.value)}`).sort();

describe('attack suite: twins with different contexts', () => {
  for (const order of ['winner first', 'loser first'] as const) {
    it(`a node that got both twins (${order}) and one that got the honest head and one twin converge`, async () => {
      const sim = new MeshSim({ seed: 12 });
      const [a, b, c] = await trusted(sim, ['a', 'b', 'c']);
      const { honest, bare, wide } = scene(sim.clock - 1_000);
      // The content that sorts first is kept as the head everywhere; the test needs the bare one to win.
      expect(compareContent(bare, wide)).toBeLessThan(0);
      a!.node.applyRemote(order === 'winner first' ? [honest, bare, wide] : [honest, wide, bare]);
      b!.node.applyRemote([honest, bare]);
      // a learned the wide twin's context: h's head is covered there.
      expect(await headsOf(sim, 'a')).toEqual(['x:{"text":"same"}']);
      expect(await headsOf(sim, 'b')).toEqual(['h:{"text":"honest"}', 'x:{"text":"same"}']);
      // c syncs only with a, then b only with c: each receives only what its peer serves.
      sim.link('a', 'c');
      await sim.settle();
      sim.link('b', 'c');
      await sim.settle();
      const dumpA = await sim.dump('a');
      expect(await sim.dump('c')).toBe(dumpA);
      expect(await sim.dump('b')).toBe(dumpA);
      for (const n of ['a', 'b', 'c']) expect(await headsOf(sim, n)).toEqual(['x:{"text":"same"}']);
      // The losing twin is served (it is the evidence), and counted where it was found.
      for (const n of [a!, b!, c!]) {
        const held = [...n.node.versions()].filter((v) => v.entity === ID);
        expect(held.map((v) => v.seen.length).sort()).toEqual([0, 1]);
      }
      expect(a!.mesh.securityStats().equivocations).toBeGreaterThanOrEqual(1);
      // Nothing is fetched and refused again and again: every link ends synced.
      for (const n of [a!, b!, c!]) for (const p of n.mesh.peers()) expect(p.stuck).toBe(0);
    });
  }

  it('keeps the evidence across a restart from storage', async () => {
    const sim = new MeshSim({ seed: 13 });
    const [a] = await trusted(sim, ['a']);
    const { honest, bare, wide } = scene(sim.clock - 1_000);
    a!.node.applyRemote([honest, bare, wide]);
    await a!.node.flushed();
    const before = await sim.dump('a');
    await sim.restart('a');
    expect(await sim.dump('a')).toBe(before);
    expect([...sim.get('a').node.versions()].filter((v) => v.entity === ID)).toHaveLength(2);
  });
});
