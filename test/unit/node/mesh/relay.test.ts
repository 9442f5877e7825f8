import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../../../src/adapters/memory-transport';
import type { NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { decodeMessage, SessionState } from '../../../../src/core/sync';
import { decodeVersions } from '../../../../src/core/wire';
import { MeshNode, type MeshStore } from '../../../../src/node/mesh';
import { MeshSim, skewLine } from './mesh-sim';
import { signNow, testIdentity, testSecurity } from '../../support/test-keys';

/** Counts version copies carried by `versions` frames. */
function countCopies(sim: MeshSim): { copies: number } {
  const c = { copies: 0 };
  sim.net.options.tap = (_from, _to, frame) => {
    const m = decodeMessage(frame);
    if (m.type === 'versions' && m.batch.length > 0) c.copies += decodeVersions(m.batch).length;
  };
  return c;
}

async function fullMesh(seed: number, n: number): Promise<MeshSim> {
  const sim = new MeshSim({ seed });
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  for (const id of ids) await sim.add(id);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sim.link(ids[i]!, ids[j]!);
  await sim.settle();
  return sim;
}

/** Counts `versions` frames carrying at least one version. */
function countFrames(sim: MeshSim): { frames: number; copies: number } {
  const c = { frames: 0, copies: 0 };
  sim.net.options.tap = (_from, _to, frame) => {
    const m = decodeMessage(frame);
    if (m.type !== 'versions' || m.batch.length === 0) return;
    c.frames += 1;
    c.copies += decodeVersions(m.batch).length;
  };
  return c;
}

describe('live relay', () => {
  it('sends a burst of own writes as one versions message per link when coalescing (coalesceLocalMs)', async () => {
    const burst = async (coalesceLocalMs: number | undefined): Promise<{ frames: number; copies: number }> => {
      const sim = new MeshSim({ seed: 3, ...(coalesceLocalMs === undefined ? {} : { coalesceLocalMs }) });
      for (const id of ['a', 'b']) await sim.add(id);
      sim.link('a', 'b');
      await sim.settle();
      const seen = countFrames(sim);
      const a = sim.get('a').node;
      // One burst of calls, as a page issuing many create() calls at once; the last updates the first.
      await Promise.all(
        Array.from({ length: 20 }, (_, k) => a.create({ id: `x${k}`, components: { position: { lat: 1, lon: k } } })),
      );
      await a.update('x0', { position: { lat: 2, lon: 0 } });
      await sim.advance(100);
      const b = sim.get('b').node;
      expect((await b.stats()).writes.remote).toBe(coalesceLocalMs === undefined ? 21 : 20);
      expect((await b.get('x0'))?.components.position).toEqual({ lat: 2, lon: 0 });
      return seen;
    };
    const single = await burst(undefined);
    const coalesced = await burst(0);
    expect(single.frames).toBe(21);
    expect(coalesced).toEqual({ frames: 1, copies: 20 }); // the superseded first write of x0 stays home
  });

  it('sends a HIGH threat and a delete in the turn they are durable, not at the coalescing timer', async () => {
    const sim = new MeshSim({ seed: 4, coalesceLocalMs: 0 });
    for (const id of ['a', 'b']) await sim.add(id);
    sim.link('a', 'b');
    await sim.settle();
    const a = sim.get('a').node;
    const b = sim.get('b').node;
    await a.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    await a.create({ id: 'y', components: { position: { lat: 2, lon: 2 } } });
    await sim.advance(100);
    expect((await b.get('y'))?.components.position).toEqual({ lat: 2, lon: 2 });
    // No virtual time passes from here: the coalescing timer (0 ms) does not fire, frames are
    // delivered as they were sent.
    await a.update('x', { threat: { level: 'HIGH' }, position: { lat: 1, lon: 3 } });
    await a.update('y', { position: { lat: 2, lon: 3 } });
    await a.remove('y');
    for (let i = 0; i < 3; i++) {
      sim.net.deliver();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect((await b.get('x'))?.components.threat).toEqual({ level: 'HIGH' });
    expect(await b.get('y')).toBeUndefined();
    // The motion still waits for the timer, gathered into one message.
    expect((await b.get('x'))?.components.position).toEqual({ lat: 1, lon: 1 });
    await sim.advance(100);
    expect((await b.get('x'))?.components.position).toEqual({ lat: 1, lon: 3 });
  });

  it('relays multi-hop with no echo: every node applies a write once and the network goes quiet', async () => {
    const sim = new MeshSim({ seed: 1 });
    for (const id of ['a', 'b', 'c', 'd']) await sim.add(id);
    sim.link('a', 'b');
    sim.link('b', 'c');
    sim.link('c', 'a');
    sim.link('c', 'd');
    await sim.settle();
    const copies = countCopies(sim);
    await sim.get('a').node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    await sim.advance(100);
    for (const id of ['b', 'c', 'd']) expect((await sim.get(id).node.stats()).writes.remote).toBe(1);
    expect(copies.copies).toBeLessThanOrEqual(5); // a→b, a→c, c→d, and b↔c crossing
    expect(sim.net.inFlight).toBe(0);
  });

  it('relays a peer’s writes live once a clock-skew hold releases them, though no session applied them', async () => {
    const { sim, fast, a, b } = await skewLine(11);
    await fast.node.create({ id: 'f', components: { position: { lat: 1, lon: 1 } } });
    await sim.advance(200);
    expect((await a.node.stats()).held).toHaveLength(1);
    expect((await b.node.stats()).held).toEqual([]);
    expect(await a.node.acceptHeld('fast')).toBe(1);
    // Well within the 30 s anti-entropy period: only a live relay can have brought it.
    await sim.advance(200);
    expect((await b.node.stats()).held).toEqual([{ author: 'fast', skewMs: expect.any(Number), count: 1 }]);
  });

  it('prunes redundant links (Plumtree): in a full mesh of 8 a write crosses under three links per node', async () => {
    const sim = await fullMesh(2, 8);
    const copies = countCopies(sim);
    const writes = 200;
    for (let i = 0; i < writes; i++) {
      await sim.get(`n${i % 8}`).node.create({ id: `w${i}`, components: { position: { lat: 1, lon: i / 1000 } } });
      await sim.advance(20);
    }
    await sim.settle();
    const perDelivery = copies.copies / (writes * 7);
    // Plain flooding: 6 per delivery at degree 7. Here the writer's own push reaches all 7 and each
    // node keeps 2 eager in-links (MIN_EAGER_IN), whose relays are duplicates in a full mesh.
    expect(perDelivery).toBeLessThan(3);
    const prunes = [...sim.nodes.values()].flatMap((n) => n.mesh.peers()).reduce((s, p) => s + p.prunes, 0);
    expect(prunes).toBeGreaterThan(0);
    for (let i = 1; i < 8; i++) expect((await sim.get(`n${i}`).node.list()).length).toBe(writes);
  });

  it('grafts announced versions back when the eager tree breaks, long before anti-entropy', async () => {
    const sim = await fullMesh(3, 6);
    for (let i = 0; i < 100; i++) {
      await sim.get(`n${i % 6}`).node.create({ id: `w${i}`, components: { position: { lat: 1, lon: i / 1000 } } });
      await sim.advance(20);
    }
    await sim.settle();
    // Keep n5 only on links whose pushes to it it pruned: new writes reach it as ids first.
    const n5 = sim.get('n5');
    const lazyIn = n5.mesh
      .peers()
      .filter((p) => !p.eagerIn)
      .map((p) => p.peer);
    expect(lazyIn.length).toBeGreaterThan(0);
    for (const p of n5.mesh.peers()) if (p.eagerIn) sim.unlink('n5', p.peer);
    await sim.advance(100);
    const writer = sim.get(lazyIn[0]!);
    const at = sim.clock;
    await writer.node.create({ id: 'late', components: { position: { lat: 2, lon: 2 } } });
    await sim
      .get(`n${lazyIn[0] === 'n0' ? 1 : 0}`)
      .node.create({ id: 'late2', components: { position: { lat: 2, lon: 2 } } });
    while ((await n5.node.get('late2')) === undefined && sim.clock - at < 5_000) await sim.advance(10);
    expect(await n5.node.get('late')).toBeDefined();
    expect(await n5.node.get('late2')).toBeDefined();
    expect(sim.clock - at).toBeLessThan(1_000); // anti-entropy would take up to 30 s
  });
});

describe('MeshNode', () => {
  it('refuses links beyond maxLinks with bye, and a refused peer is not kept', async () => {
    const sim = new MeshSim({ seed: 4, maxLinks: 2 });
    for (const id of ['hub', 'a', 'b', 'c']) await sim.add(id);
    sim.link('hub', 'a');
    sim.link('hub', 'b');
    await sim.settle();
    sim.link('hub', 'c');
    await sim.advance(100);
    expect(
      sim
        .get('hub')
        .mesh.peers()
        .map((p) => p.peer)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(sim.get('c').logs.some((l) => l.includes('mesh full'))).toBe(true);
  });

  it('reports a link’s RTT from the moment it is synced (the page shows no other)', async () => {
    const sim = new MeshSim({ seed: 12 });
    const nodes = [await sim.add('a'), await sim.add('b')];
    sim.link('a', 'b');
    const seen = new Map<string, number | undefined>();
    for (let step = 0; step < 1000 && seen.size < 2; step++) {
      await sim.advance(1);
      for (const n of nodes) {
        const p = n.mesh.peers()[0];
        if (p?.state === SessionState.Synced && !seen.has(n.id)) seen.set(n.id, p.rttMs);
      }
    }
    expect(seen.size).toBe(2);
    for (const rtt of seen.values()) expect(rtt).toBeGreaterThan(0);
  });

  it('reports per-peer stats and sync status; disconnect closes the link and forgets it', async () => {
    const sim = new MeshSim({ seed: 5 });
    for (const id of ['a', 'b', 'c']) await sim.add(id);
    sim.link('a', 'b');
    sim.link('a', 'c');
    await sim.get('b').node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    await sim.settle();
    await sim.advance(2_100);
    const a = sim.get('a').mesh;
    expect(a.syncStatus()).toMatchObject({ peers: 2, synced: 2, syncing: 0, items: 1, stale: 0 });
    const b = a.peers().find((p) => p.peer === 'b')!;
    expect(b.state).toBe(SessionState.Synced);
    expect(b.rttMs).toBeGreaterThan(0);
    expect(b.pictureAgeMs).toBeLessThan(2_500);
    expect(b.lastSyncAt).toBeDefined();
    sim.edges.clear(); // stop the "main thread" from reconnecting
    expect(a.disconnect('b' as NodeId)).toBe(true);
    expect(a.peers().map((p) => p.peer)).toEqual(['c']);
    await sim.advance(100);
    expect(sim.get('b').mesh.peers()).toEqual([]);
  });

  it('never lets an exception from the node reach the transport callback', async () => {
    const net = new MemoryNetwork({ seed: 6 });
    const store = (id: string, fail: boolean): MeshStore => {
      const versions: Version[] = [];
      return {
        nodeId: id as NodeId,
        lattice: 'L',
        applyRemote: (vs) => {
          if (fail) throw new Error('boom');
          versions.push(...vs);
          return [...vs];
        },
        onVersions: () => () => undefined,
        versions: () => versions.values(),
      };
    };
    const logs: string[] = [];
    const now = (): number => 1000 + net.step;
    const bad = new MeshNode({
      node: store('a', true),
      now,
      security: await testSecurity('a', now),
      log: (m, d) => logs.push(`${m} ${String(d)}`),
    });
    const good = new MeshNode({ node: store('b', false), now, security: await testSecurity('b', now) });
    net.connect({ id: 'a' as NodeId, accept: bad.accept }, { id: 'b' as NodeId, accept: good.accept });
    net.run();
    // b pushes a version to a: a's applyRemote throws inside a transport callback.
    const v: Version = {
      entity: 'e' as never,
      kind: 'threat' as never,
      value: { level: 'LOW' },
      ts: { ms: 5, c: 0, node: 'b' as NodeId },
      seen: [],
    };
    good['onVersions']([signNow(testIdentity('b'), v)], 'local', []);
    expect(() => net.run()).not.toThrow();
    expect(logs.some((l) => l.includes('boom'))).toBe(true);
  });
});
