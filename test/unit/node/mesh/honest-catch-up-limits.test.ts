/**
 * An honest catch-up counts no limit hits: `limitsHit` says a peer pushed against a bound (hostile
 * or buggy), so a normal sync must leave every counter at 0, on both sides, whichever side opens
 * the rounds. In the simulated mesh (virtual clock, real sessions, signatures and stores):
 *  - a node back from a partition takes more versions than one link's stuck count tracks
 *    (MAX_TRACKED_REFUSALS) from an honest peer. Every id of it is offered once and arrives; none
 *    is refused. Before, every id offered past the bound counted as `trackedRefusals` (5,904 at
 *    10,000), and a responder that split a range it would push (PUSH_FLOOR_VERSIONS, its own flow
 *    control) counted `pushRatio` for every version each split deferred (19,960 at 10,000);
 *  - two nodes that share N registers each rewrote 0.5 % of them at random while apart (1 % random
 *    differences: each side lacks the other's new heads and holds heads the other superseded).
 * The UI showed "limits hit" for a normal sync (docs/security.md, "Per-link limits").
 * Replay with SEED=<seed>; N=<count> for a larger set (100,000 takes a few minutes).
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/core/random/mulberry32';
import { MAX_TRACKED_REFUSALS } from '../../../../src/core/sync/link-refusals';
import type { LimitCounts } from '../../../../src/core/sync';
import { MeshSim, type SimNode } from './mesh-sim';

const seed = Number(process.env.SEED ?? Date.now());
const N = Number(process.env.N ?? 10_000);
console.log(`honest catch-up limits: seed ${seed} (replay with SEED=${seed}), ${N} registers`);

/** The limits hit, without those at zero. */
const hits = (c: LimitCounts): Record<string, number> => Object.fromEntries(Object.entries(c).filter(([, n]) => n > 0));

/** Writes registers t<i> for each i of `at` (their position at `round`), 5,000 a call. */
async function write(node: SimNode, at: readonly number[], round: number): Promise<void> {
  for (let i = 0; i < at.length; i += 5_000) {
    const items = at.slice(i, i + 5_000).map((k) => ({
      id: `t${k}`,
      components: { position: { lat: 50 + k * 1e-5, lon: 8 + round * 1e-3 } },
    }));
    await node.node.writeMany(items as never);
  }
  await node.node.durable();
}

function mesh(): MeshSim {
  return new MeshSim({
    seed,
    // The new-register bound per author would bind first (a separate limit, with its own test).
    registerLimits: { burst: 10 * N, ratePerSecond: 10 * N, maxAuthors: 64 },
  });
}

/** Settles the link, checks both pictures agree, runs a few periodic rounds more; returns both sides' hits. */
async function settled(sim: MeshSim, w: SimNode, c: SimNode, label: string): Promise<LimitCounts[]> {
  await sim.settle(900_000);
  expect(await sim.dump(c.id)).toBe(await sim.dump(w.id));
  // A few periodic rounds more: the settled link offers nothing, and nothing is counted later.
  await sim.advance(3 * 30_000);
  const writer = w.mesh.securityStats().limitsHit;
  const catcher = c.mesh.securityStats().limitsHit;
  const splits = (n: SimNode): number => n.mesh.peers().reduce((k, p) => k + p.pushSplits, 0);
  console.log(
    `${label}: writer ${JSON.stringify(hits(writer))}, catcher ${JSON.stringify(hits(catcher))}; ` +
      `push splits (flow control) ${splits(w)} and ${splits(c)}`,
  );
  return [writer, catcher];
}

const all = (n: number): number[] => Array.from({ length: n }, (_, k) => k);

describe('an honest catch-up counts no limit hits', () => {
  // The writer as the initiator (its rounds offer what the catcher lacks) and as the responder (it
  // pushes what the catcher's rounds find lacking).
  it.each([
    ['a', 'b'],
    ['z', 'b'],
  ])(
    'past the stuck count’s bound, from %s to %s',
    async (wId, cId) => {
      expect(N).toBeGreaterThan(MAX_TRACKED_REFUSALS);
      const sim = mesh();
      const w = await sim.add(wId);
      const c = await sim.add(cId);
      sim.offline(cId);
      await write(w, all(N), 0);
      sim.online(cId);
      sim.link(wId, cId);
      const sides = await settled(sim, w, c, `catch-up of ${N} from ${wId} to ${cId}`);
      expect([...c.node.versions()].length).toBe(N);
      for (const side of sides) expect(hits(side)).toEqual({});
    },
    600_000,
  );

  it.each([
    ['a', 'b'],
    ['z', 'b'],
  ])(
    '1 % random differences both ways, %s and %s',
    async (wId, cId) => {
      const sim = mesh();
      const w = await sim.add(wId);
      const c = await sim.add(cId);
      sim.link(wId, cId);
      await write(w, all(N), 0);
      await sim.settle(900_000);
      sim.offline(cId);
      // Each side rewrites its own random 0.5 % of the registers (the same one rarely on both).
      const random = mulberry32(seed);
      const pick = (): number[] => [...new Set(Array.from({ length: N / 200 }, () => Math.floor(random() * N)))];
      await write(w, pick(), 1);
      await write(c, pick(), 2);
      const before = [hits(w.mesh.securityStats().limitsHit), hits(c.mesh.securityStats().limitsHit)];
      expect(before).toEqual([{}, {}]);
      sim.online(cId);
      const sides = await settled(sim, w, c, `1 % random differences over ${N}, ${wId} and ${cId}`);
      for (const side of sides) expect(hits(side)).toEqual({});
    },
    900_000,
  );
});
