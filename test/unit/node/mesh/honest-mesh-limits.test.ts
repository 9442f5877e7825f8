/**
 * An honest mesh counts no limit hits: 20 nodes over a random connected topology write, update,
 * expire and delete tracks while some of them go offline, restart or sit behind a partition, then
 * heal and catch up. `limitsHit` says a peer pushed against a bound (hostile or buggy), so every
 * counter must stay 0 on every node (docs/security.md, "Per-link limits"). Real sessions,
 * signatures and stores over the in-memory network (mesh-sim.ts), whose links are reliable and
 * ordered as a WebRTC data channel is. Replay with SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { mulberry32 } from '../../../../src/core/random/mulberry32';
import type { LimitCounts } from '../../../../src/core/sync';
import { MeshSim } from './mesh-sim';

const seed = Number(process.env.SEED ?? Date.now());
console.log(`honest mesh limits: seed ${seed} (replay with SEED=${seed})`);

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const hits = (c: LimitCounts): Record<string, number> => Object.fromEntries(Object.entries(c).filter(([, n]) => n > 0));

async function writesLand(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('an honest 20-node mesh', () => {
  it('with expiries, deletes, partitions, restarts and catch-ups counts no limit hits', async () => {
    const r = mulberry32(seed);
    const sim = new MeshSim({ seed, net: { latency: { min: 1, max: int(r, 1, 20) } } });
    const ids = Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    for (const id of ids) await sim.add(id);
    // A ring, and random chords (each node a few links).
    for (let i = 0; i < ids.length; i++) sim.link(ids[i]!, ids[(i + 1) % ids.length]!);
    for (let k = 0; k < 20; k++) {
      const a = pick(r, ids);
      const b = pick(r, ids);
      if (a !== b) sim.link(a, b);
    }
    let counter = 0;
    const created = new Set<string>();
    const write = async (node: string, batch: number): Promise<void> => {
      const items = Array.from({ length: batch }, () => {
        const e = `t${int(r, 0, 1_999)}`;
        counter += 1;
        return { id: e, components: { position: { lat: 50 + counter * 1e-4, lon: 8 }, speed: { kts: counter % 40 } } };
      });
      const unique = [...new Map(items.map((i) => [i.id, i])).values()];
      await sim.get(node).node.writeMany(unique as never);
      for (const i of unique) created.add(i.id);
    };
    for (const id of ids) await write(id, 50);
    await sim.settle();
    let expiries = 0;
    let deletes = 0;
    for (let phase = 0; phase < 12; phase++) {
      for (let w = int(r, 2, 8); w > 0; w--) {
        const node = sim.get(pick(r, ids));
        if (!node.online) continue;
        const action = r();
        if (action < 0.5) await write(node.id, int(r, 1, 100));
        else {
          const e = pick(r, [...created]);
          if ((await node.node.get(e)) === undefined) continue;
          if (action < 0.75) {
            await node.node.update(e, { expiry: { at: sim.clock + int(r, 500, 20_000) } });
            expiries += 1;
          } else {
            await node.node.remove(e);
            deletes += 1;
          }
        }
      }
      const event = r();
      if (event < 0.2) {
        const shuffled = [...ids].sort(() => r() - 0.5);
        const cut = int(r, 1, 9);
        sim.net.partition(shuffled.slice(0, cut) as NodeId[], shuffled.slice(cut) as NodeId[]);
      } else if (event < 0.35) sim.net.heal();
      else if (event < 0.5) await sim.restart(pick(r, ids));
      else if (event < 0.7) sim.offline(pick(r, ids));
      else if (event < 0.85) sim.online(pick(r, ids));
      await sim.advance(int(r, 500, 10_000));
      await writesLand();
    }
    sim.net.heal();
    for (const id of ids) sim.online(id);
    await sim.settle();
    await writesLand();
    await sim.advance(30_000);
    await sim.settle();
    const first = await sim.dump(ids[0]!);
    for (const id of ids.slice(1)) expect(await sim.dump(id), `${id} differs from ${ids[0]}`).toEqual(first);
    const fired: Record<string, Record<string, number>> = {};
    for (const id of ids) {
      const h = hits(sim.get(id).mesh.securityStats().limitsHit);
      if (Object.keys(h).length > 0) fired[id] = h;
    }
    console.log(
      `honest mesh limits, seed ${seed}: ${counter} writes, ${expiries} expiries, ${deletes} deletes; ` +
        `limits hit ${JSON.stringify(fired)}`,
    );
    expect(fired).toEqual({});
  }, 600_000);
});
