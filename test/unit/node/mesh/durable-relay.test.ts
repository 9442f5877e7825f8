import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { decodeMessage } from '../../../../src/core/sync';
import { decodeVersions } from '../../../../src/core/wire';
import { MeshSim, skewLine, type SimNode } from './mesh-sim';

/**
 * Nothing leaves a node before it is durable (docs/architecture.md, "Nothing leaves before it is
 * durable"): versions a node received from a peer go on to its other peers, live or by
 * reconciliation, only once its own commit of them has landed.
 */

/** Every `versions` frame `from` sent `to` that carried entity `id`: whether it was live. */
function carried(sim: MeshSim, from: string, to: string, id: string): boolean[] {
  const seen: boolean[] = [];
  const previous = sim.net.options.tap;
  sim.net.options.tap = (f: NodeId, t: NodeId, frame: Uint8Array) => {
    previous?.(f, t, frame);
    if (f !== from || t !== to) return;
    const m = decodeMessage(frame);
    if (m.type !== 'versions' || m.batch.length === 0) return;
    if (decodeVersions(m.batch).some((v) => v.entity === id)) seen.push(m.live);
  };
  return seen;
}

/** Reconciles b with its peers, and c with its, and lets the rounds run. */
async function reconcile(sim: MeshSim, ...nodes: SimNode[]): Promise<void> {
  for (const n of nodes) n.mesh.syncNow();
  await sim.advance(500);
}

async function line(seed: number): Promise<{ sim: MeshSim; a: SimNode; b: SimNode; c: SimNode }> {
  const sim = new MeshSim({ seed });
  const a = await sim.add('a');
  const b = await sim.add('b');
  const c = await sim.add('c');
  sim.link('a', 'b');
  sim.link('b', 'c');
  await sim.settle();
  return { sim, a, b, c };
}

describe('a peer’s versions leave a node only once its own commit of them is durable', () => {
  it('a live write is relayed on once the relaying node’s commit lands, not before, and not served meanwhile', async () => {
    // a — b — c: c can have x only from b.
    const { sim, a, b, c } = await line(31);
    const toC = carried(sim, 'b', 'c', 'x');
    b.storage.hold();
    await a.node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    await sim.advance(100);
    expect(await b.node.get('x')).toBeDefined(); // merged and shown on b
    expect(b.storage.held?.length).toBeGreaterThan(0); // its commit waits
    await reconcile(sim, b, c);
    expect(await c.node.get('x')).toBeUndefined();
    expect(toC).toEqual([]);
    b.storage.release();
    // Well within the 30 s anti-entropy period: the live relay brings it.
    await sim.advance(100);
    expect(await c.node.get('x')).toBeDefined();
    expect(toC).toEqual([true]);
  });

  it('a live write whose commit failed is never relayed; reconciliation serves it once the retry stored it', async () => {
    const { sim, a, b, c } = await line(32);
    const toC = carried(sim, 'b', 'c', 'x');
    b.storage.hold();
    await a.node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    await sim.advance(100);
    expect(await b.node.get('x')).toBeDefined();
    for (const commit of b.storage.held!.splice(0)) commit.fail(new Error('disk full'));
    await reconcile(sim, b, c);
    expect(await c.node.get('x')).toBeUndefined();
    expect(toC).toEqual([]);
    // The write-behind retries after its backoff (a real timer); the retry is held in turn.
    while (b.storage.held!.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    b.storage.release();
    await sim.advance(100);
    expect(await c.node.get('x')).toBeUndefined(); // not relayed live after the retry either
    await reconcile(sim, b, c);
    expect(await c.node.get('x')).toBeDefined();
    expect(toC).toEqual([false]); // by repair only
  });

  it('versions that came by repair are not served to another peer before they are durable', async () => {
    // b — c linked; a joins b later, so x reaches b by reconciliation, not live.
    const sim = new MeshSim({ seed: 33 });
    const a = await sim.add('a');
    const b = await sim.add('b');
    const c = await sim.add('c');
    sim.link('b', 'c');
    await sim.settle();
    await a.node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    const toC = carried(sim, 'b', 'c', 'x');
    b.storage.hold();
    sim.link('a', 'b');
    for (let i = 0; i < 40 && (await b.node.get('x')) === undefined; i++) await sim.advance(50);
    expect(await b.node.get('x')).toBeDefined();
    // b's round with a brought x: b reconciles with c, and c with b, while x's commit waits.
    await reconcile(sim, b, c);
    expect(await c.node.get('x')).toBeUndefined();
    expect(toC).toEqual([]);
    b.storage.release();
    // The completed round has b reconcile with its other peers once what it brought is durable.
    await sim.advance(500);
    expect(await c.node.get('x')).toBeDefined();
    expect(toC).toEqual([false]);
  });

  it('a write held for clock skew and released is relayed once the release’s commit lands', async () => {
    const { sim, fast, a, b } = await skewLine(34);
    await fast.node.create({ id: 'f', components: { position: { lat: 1, lon: 1 } } });
    await sim.advance(200);
    expect((await a.node.stats()).held).toHaveLength(1);
    const toB = carried(sim, 'a', 'b', 'f');
    a.storage.hold();
    expect(await a.node.acceptHeld('fast')).toBe(1);
    await sim.advance(200);
    expect(await a.node.get('f')).toBeDefined();
    expect(toB).toEqual([]);
    a.storage.release();
    await sim.advance(200);
    expect(toB).toEqual([true]);
    // b holds it in turn (its clock is not ahead either), having had it live from a.
    expect((await b.node.stats()).held).toEqual([{ author: 'fast', skewMs: expect.any(Number), count: 1 }]);
  });
  it('is not relayed back to the peer it came from when that link reconnected before the commit landed', async () => {
    const { sim, a, b } = await line(35);
    const backToA = carried(sim, 'b', 'a', 'x');
    b.storage.hold();
    await a.node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    await sim.advance(100);
    expect(await b.node.get('x')).toBeDefined();
    // The link drops and comes back (a new MeshLink for the same peer) while b's commit waits.
    sim.unlink('a', 'b');
    sim.link('a', 'b');
    await sim.settle();
    b.storage.release();
    await sim.advance(100);
    expect(backToA.filter((live) => live)).toEqual([]);
  });
});
