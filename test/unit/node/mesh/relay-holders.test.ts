import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { decodeMessage } from '../../../../src/core/sync';
import { decodeVersions } from '../../../../src/core/wire';
import type { MeshLink } from '../../../../src/node/mesh/mesh-link';
import { MeshSim, type SimNode } from './mesh-sim';

/**
 * A relay waits for the relaying node's own commit (docs/architecture.md, "Nothing leaves before it
 * is durable"); a peer that sends or announces the version meanwhile (or announced it before it
 * came) holds it, and the relay does not push it back to that peer (src/node/mesh/relay-waits.ts;
 * docs/benchmarks.md, scenario 8). Deterministic: each simulation is seeded (the seed is in the
 * test's name) and the window is held open by holding b's commits or a's frame, not by timing.
 */

/** Version copies carried by `versions` frames, per directed edge (`from>to`), of entity `id`. */
function copiesOf(sim: MeshSim, id: string): Map<string, number> {
  const out = new Map<string, number>();
  sim.net.options.tap = (from: NodeId, to: NodeId, frame: Uint8Array) => {
    const m = decodeMessage(frame);
    if (m.type !== 'versions' || m.batch.length === 0) return;
    const n = decodeVersions(m.batch).filter((v) => v.entity === id).length;
    if (n > 0) out.set(`${from}>${to}`, (out.get(`${from}>${to}`) ?? 0) + n);
  };
  return out;
}

/** a, b, c in a triangle and d behind b: a's write reaches b directly and by c. */
async function triangle(seed: number): Promise<{ sim: MeshSim; a: SimNode; b: SimNode; d: SimNode }> {
  const sim = new MeshSim({ seed });
  const [a, b, , d] = [await sim.add('a'), await sim.add('b'), await sim.add('c'), await sim.add('d')];
  sim.link('a', 'b');
  sim.link('a', 'c');
  sim.link('b', 'c');
  sim.link('b', 'd');
  await sim.settle();
  return { sim, a: a!, b: b!, d: d! };
}

function linkOf(n: SimNode, peer: string): MeshLink {
  return (n.mesh as unknown as { links: Map<string, MeshLink> }).links.get(peer)!;
}

describe('a relay skips peers that showed they hold the version while its commit waited', () => {
  const seed = 81;
  it(`a peer that sent the version too gets no copy back (seed ${seed})`, async () => {
    const { sim, a, b, d } = await triangle(seed);
    const copies = copiesOf(sim, 'x');
    b.storage.hold();
    await a.node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    await sim.advance(100);
    // a's own write reached b and c; c relayed it to b, a duplicate there while b's commit waits.
    expect(copies.get('c>b')).toBe(1);
    expect(copies.get('b>c')).toBeUndefined();
    b.storage.release();
    await sim.advance(100);
    expect(await d.node.get('x')).toBeDefined();
    expect(copies.get('b>d')).toBe(1);
    // Before: b relayed x to c as well, which had sent it (5 copies for 3 deliveries).
    expect(copies.get('b>c')).toBeUndefined();
    expect([...copies.values()].reduce((s, n) => s + n, 0)).toBe(4);
    await sim.settle();
    for (const id of ['b', 'c', 'd']) expect(await sim.get(id).node.get('x')).toBeDefined();
  });

  const seed2 = 82;
  it(`a peer that announced the version (ihave) gets no copy (seed ${seed2})`, async () => {
    const { sim, a, b, d } = await triangle(seed2);
    // b pruned c: c relays to b by id only (as Plumtree's lazy push).
    (linkOf(sim.get('c'), 'b').session as unknown as { ae: { onPrune(): void } }).ae.onPrune();
    expect(linkOf(sim.get('c'), 'b').session.eagerOut).toBe(false);
    expect(linkOf(b, 'c').session.eagerOut).toBe(true);
    const copies = copiesOf(sim, 'x');
    b.storage.hold();
    await a.node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    await sim.advance(100); // c's next tick sends its ihave to b
    expect(copies.get('c>b')).toBeUndefined();
    b.storage.release();
    await sim.advance(100);
    expect(copies.get('b>d')).toBe(1);
    // Before: b pushed x in full to c, which had announced it.
    expect(copies.get('b>c')).toBeUndefined();
    await sim.settle();
    expect(await d.node.get('x')).toBeDefined();
    expect([...copies.values()].reduce((s, n) => s + n, 0)).toBe(3);
  });

  const seed3 = 83;
  it(`a peer whose ihave came before the version gets no copy (seed ${seed3})`, async () => {
    const { sim, a, b, d } = await triangle(seed3);
    (linkOf(sim.get('c'), 'b').session as unknown as { ae: { onPrune(): void } }).ae.onPrune();
    expect(linkOf(b, 'c').session.eagerOut).toBe(true);
    const copies = copiesOf(sim, 'x');
    // a's push to b is held back on a's link (as a slow path): c's ihave gets to b first.
    const toB = linkOf(a, 'b').link;
    const send = toB.send.bind(toB);
    const late: Uint8Array[] = [];
    toB.send = (frame) => {
      const m = decodeMessage(frame);
      if (m.type === 'versions' && decodeVersions(m.batch).some((v) => v.entity === 'x')) late.push(frame);
      else send(frame);
    };
    await a.node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    await sim.advance(100); // c's next tick sends its ihave to b (well within b's graft wait)
    expect(late).toHaveLength(1);
    expect(copies.get('c>b')).toBeUndefined();
    expect(b.mesh.peers().length).toBe(3);
    expect((b.mesh as unknown as { announcements: { size: number } }).announcements.size).toBe(1);
    toB.send = send;
    for (const f of late) send(f);
    await sim.advance(100);
    expect(copies.get('a>b')).toBe(1);
    expect(copies.get('b>d')).toBe(1);
    // c announced x before it reached b: b's relay waits on c from the start (announcers at commit time).
    expect(copies.get('b>c')).toBeUndefined();
    await sim.settle();
    expect(await d.node.get('x')).toBeDefined();
    expect([...copies.values()].reduce((s, n) => s + n, 0)).toBe(3);
  });
});
