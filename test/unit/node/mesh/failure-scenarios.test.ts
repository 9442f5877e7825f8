/** The ten failure scenarios of docs/requirements.md, each over real LatticeNodes meshed in memory. */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { quantizeValue } from '../../../../src/core/wire';
import { MeshSim, type SimNode } from './mesh-sim';

/** Positions on the wire grid (1e-7°): the wire is lossy beyond it, and LatticeNode stores what it is given. */
const q7 = (x: number): number => Math.round(x * 1e7) / 1e7;
const pos = (lat: number, lon: number) => ({ position: { lat: q7(lat), lon: q7(lon) } });

async function expectConverged(sim: MeshSim, ids: string[]): Promise<string> {
  const first = await sim.dump(ids[0]!);
  for (const id of ids.slice(1)) expect(await sim.dump(id), `${id} differs from ${ids[0]}`).toEqual(first);
  return first;
}

async function mesh(seed: number, ids: string[], links: [string, string][], options = {}): Promise<MeshSim> {
  const sim = new MeshSim({ seed, ...options });
  for (const id of ids) await sim.add(id);
  for (const [a, b] of links) sim.link(a, b);
  await sim.settle();
  return sim;
}

const headsOf = async (n: SimNode, id: string, kind: string) => (await n.node.heads(id, kind)).map((h) => h.version);

describe('failure scenarios (docs/requirements.md)', () => {
  it('1: A writes while B is offline; B comes back and catches up', async () => {
    const sim = await mesh(1, ['a', 'b'], [['a', 'b']]);
    const a = sim.get('a');
    sim.offline('b');
    for (let i = 0; i < 50; i++) await a.node.create({ id: `t${i}`, components: pos(i / 10, i / 10) });
    await sim.advance(5_000);
    expect((await sim.get('b').node.list()).length).toBe(0);
    sim.online('b');
    await sim.settle();
    expect((await sim.get('b').node.list()).length).toBe(50);
    await expectConverged(sim, ['a', 'b']);
  });

  it('2: A–B and B–C connected, A–C never: all converge', async () => {
    const sim = await mesh(
      2,
      ['a', 'b', 'c'],
      [
        ['a', 'b'],
        ['b', 'c'],
      ],
    );
    await sim.get('a').node.create({ id: 'from-a', components: pos(1, 1) });
    await sim.get('c').node.create({ id: 'from-c', components: pos(2, 2) });
    await sim.settle();
    // Offline work on both ends of the chain, then the middle reconnects.
    sim.offline('b');
    await sim.get('a').node.update('from-c', pos(3, 3));
    await sim.get('c').node.create({ id: 'c-offline', components: pos(4, 4) });
    sim.online('b');
    await sim.settle();
    expect(sim.net.isLinked('a' as NodeId, 'c' as NodeId)).toBe(false);
    await expectConverged(sim, ['a', 'b', 'c']);
    expect((await sim.get('a').node.list()).map((v) => v.id).sort()).toEqual(['c-offline', 'from-a', 'from-c']);
  });

  it('3: partition A-B | C-D, conflicting writes on both sides, heal: converge, nothing lost, conflicts visible', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const sim = await mesh(3, ids, [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'a'],
    ]);
    await sim.get('a').node.create({ id: 'x', components: { ...pos(0, 0), threat: { level: 'LOW' } } });
    await sim.settle();
    sim.net.partition(['a', 'b'] as NodeId[], ['c', 'd'] as NodeId[]);
    await sim.get('a').node.update('x', { threat: { level: 'MEDIUM' } });
    await sim.get('c').node.update('x', { threat: { level: 'HIGH' } });
    await sim.get('b').node.update('x', pos(1, 1));
    await sim.get('d').node.update('x', pos(2, 2));
    await sim.get('b').node.create({ id: 'only-ab', components: pos(5, 5) });
    await sim.get('d').node.create({ id: 'only-cd', components: pos(6, 6) });
    await sim.advance(20_000);
    sim.net.heal();
    await sim.settle();
    await expectConverged(sim, ids);
    for (const id of ids) {
      const n = sim.get(id);
      const view = (await n.node.get('x'))!;
      expect([...view.conflicts].sort()).toEqual(['position', 'threat']);
      expect(view.components.threat).toEqual({ level: 'HIGH' }); // the safer head wins
      expect((await headsOf(n, 'x', 'threat')).length).toBe(2);
      expect((await n.node.list()).map((v) => v.id).sort()).toEqual(['only-ab', 'only-cd', 'x']);
    }
  });

  it('4: a node closed mid-sync reopens without corruption and the sync completes', async () => {
    // Small repair frames and send buffer: the catch-up takes many ticks and can be cut midway.
    const sim = await mesh(4, ['a', 'b'], [['a', 'b']], { session: { repairFrameBytes: 2048, highWaterMark: 4096 } });
    sim.offline('b');
    for (let i = 0; i < 3000; i++) await sim.get('a').node.create({ id: `t${i}`, components: pos(i / 100, 0) });
    sim.online('b');
    // Let some repair frames through, then "close the tab" mid-sync.
    for (let i = 0; i < 400 && (await sim.get('b').node.list()).length === 0; i++) await sim.advance(5);
    const partial = (await sim.get('b').node.list()).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(3000);
    await sim.get('b').node.flushed();
    await sim.restart('b');
    expect((await sim.get('b').node.list()).length).toBeGreaterThanOrEqual(partial);
    await sim.settle();
    await sim.get('b').node.flushed();
    await expectConverged(sim, ['a', 'b']);
    // What was persisted is exactly what the node holds.
    await sim.restart('b');
    await expectConverged(sim, ['a', 'b']);
  });

  it('5: lost live updates are repaired by anti-entropy', async () => {
    const sim = await mesh(
      5,
      ['a', 'b', 'c'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['a', 'c'],
      ],
      { session: { syncIntervalMs: 2_000 } },
    );
    sim.net.options.drop = 0.5;
    for (let i = 0; i < 40; i++)
      await sim.get(['a', 'b', 'c'][i % 3]!).node.create({ id: `t${i}`, components: pos(i, i) });
    await sim.advance(500);
    sim.net.options.drop = 0;
    // Rounds cut by the loss time out (20 s) and back off; the next ones repair everything.
    await sim.advance(30_000);
    await sim.settle();
    await expectConverged(sim, ['a', 'b', 'c']);
    expect((await sim.get('c').node.list()).length).toBe(40);
  });

  it('6: split brain on one component: deterministic winner everywhere', async () => {
    const ids = ['a', 'b', 'c'];
    const sim = await mesh(6, ids, [
      ['a', 'b'],
      ['b', 'c'],
    ]);
    await sim.get('a').node.create({ id: 'x', components: { classification: cls('boat', 0.5) } });
    await sim.settle();
    sim.net.partition(['a'] as NodeId[], ['b', 'c'] as NodeId[]);
    await sim.get('a').node.update('x', { classification: cls('ship', 0.9) });
    sim.clock += 3;
    await sim.get('c').node.update('x', { classification: cls('tanker', 0.6) });
    await sim.advance(10_000);
    sim.net.heal();
    await sim.settle();
    const dump = await expectConverged(sim, ids);
    for (const id of ids) {
      const v = (await sim.get(id).node.get('x'))!;
      expect(v.conflicts).toEqual(['classification']);
      expect((v.components.classification as { label: string }).label).toBe('tanker'); // the later write
    }
    expect(dump).toContain('ship'); // the losing head stays inspectable
  });

  it('7: N nodes write the same component at once: converge', async () => {
    const ids = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
    const links: [string, string][] = ids.map((id, i) => [id, ids[(i + 1) % ids.length]!]);
    const sim = await mesh(7, ids, links);
    await sim.get('n0').node.create({ id: 'x', components: pos(0, 0) });
    await sim.settle();
    for (const [i, id] of ids.entries()) await sim.get(id).node.update('x', pos(i, i));
    await sim.settle();
    await expectConverged(sim, ids);
    const heads = await headsOf(sim.get('n3'), 'x', 'position');
    expect(heads.length).toBe(ids.length);
  });

  it('8: a node offline for long catches up, paying about the missed payload', async () => {
    const sim = await mesh(8, ['a', 'b'], [['a', 'b']]);
    for (let i = 0; i < 200; i++) await sim.get('a').node.create({ id: `old${i}`, components: pos(i / 7, i / 9) });
    await sim.settle();
    sim.offline('b');
    const missed = [];
    for (let i = 0; i < 5000; i++) {
      const id = `t${i % 2500}`;
      const a = sim.get('a').node;
      missed.push(
        i < 2500 ? await a.create({ id, components: pos(i / 1000, 1) }) : await a.update(id, pos(i / 1000, 2)),
      );
      if (i % 100 === 0) sim.clock += 1000;
    }
    sim.net.resetStats();
    sim.online('b');
    await sim.settle();
    await expectConverged(sim, ['a', 'b']);
    const { encodeVersions } = await import('../../../../src/core/wire');
    const payload = encodeVersions([...sim.get('a').node.versions()].filter((v) => v.entity.startsWith('t'))).length;
    const total = sim.net.stats.bytesDelivered;
    console.log(
      `scenario 8: ${total} bytes on the wire for ${payload} bytes of missed payload (${(total / payload).toFixed(2)}×)`,
    );
    expect(total).toBeLessThan(payload * 1.5 + 4096);
  });

  it('9: a delete during a partition propagates after heal', async () => {
    const ids = ['a', 'b', 'c'];
    const sim = await mesh(9, ids, [
      ['a', 'b'],
      ['b', 'c'],
    ]);
    await sim.get('a').node.create({ id: 'x', components: pos(1, 1) });
    await sim.get('a').node.create({ id: 'y', components: pos(2, 2) });
    await sim.settle();
    sim.net.partition(['a'] as NodeId[], ['b', 'c'] as NodeId[]);
    await sim.get('a').node.remove('x');
    sim.clock += 10;
    await sim.get('c').node.update('y', pos(3, 3));
    await sim.advance(15_000);
    expect(await sim.get('c').node.get('x')).toBeDefined();
    sim.net.heal();
    await sim.settle();
    await expectConverged(sim, ids);
    for (const id of ids) {
      expect(await sim.get(id).node.get('x')).toBeUndefined();
      expect((await sim.get(id).node.get('y'))!.components.position).toEqual({ lat: 3, lon: 3 });
    }
  });

  it('10: clock skew: writes from a clock 5 min ahead are held, nothing lost, clocks not dragged', async () => {
    const sim = new MeshSim({ seed: 10 });
    const a = await sim.add('a');
    const b = await sim.add('b');
    const fast = await sim.add('fast', 5 * 60_000);
    sim.link('a', 'fast');
    sim.link('b', 'fast');
    sim.link('a', 'b');
    await sim.settle();
    await fast.node.create({ id: 'f', components: pos(1, 1) });
    await a.node.create({ id: 'x', components: pos(2, 2) });
    // Not settle(): links holding writes for clock skew are not synced (they are stuck) until released.
    await sim.advance(2_000);
    expect(a.mesh.peers().find((p) => p.peer === 'fast')).toMatchObject({ state: 'syncing', stuck: 1 });
    // Held on a and b, not applied; their clocks stay on their own time.
    for (const n of [a, b]) {
      expect(await n.node.get('f')).toBeUndefined();
      const stats = await n.node.stats();
      expect(stats.held).toEqual([{ author: 'fast', skewMs: expect.any(Number), count: expect.any(Number) }]);
      expect(stats.held[0]!.skewMs).toBeGreaterThan(4 * 60_000);
    }
    const ownWrite = await b.node.create({ id: 'y', components: pos(3, 3) });
    expect(ownWrite.meta.position!.time).toBeLessThan(sim.clock + 1000);
    // The fast node's skew shows on its links.
    expect(a.mesh.peers().find((p) => p.peer === 'fast')!.clockSkewMs).toBeGreaterThan(4 * 60_000);
    // The operator accepts the fast clock on a; b waits until its own time catches up.
    expect(await a.node.acceptHeld('fast')).toBeGreaterThan(0);
    expect(await a.node.get('f')).toBeDefined();
    await sim.advance(5 * 60_000);
    await sim.settle();
    await expectConverged(sim, ['a', 'b', 'fast']);
    expect(await b.node.get('f')).toBeDefined();
  });
});

/** A classification on the wire's confidence grid (1e-4). */
function cls(label: string, confidence: number) {
  return quantizeValue('classification', { label, disposition: 'UNKNOWN', environment: 'SURFACE', confidence });
}
