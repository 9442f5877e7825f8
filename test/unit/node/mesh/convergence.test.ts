/**
 * Seeded, replayable randomised convergence (Yjs's applyRandomTests, plus loss, duplication,
 * reordering, partitions, restarts and random topologies). Replay a failure with SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/core/random/mulberry32';
import type { NodeId } from '../../../../src/core/ids';
import { quantizeValue } from '../../../../src/core/wire';
import { MeshSim } from './mesh-sim';

const seed = Number(process.env.SEED ?? Date.now());
const runs = Number(process.env.RUNS ?? (process.env.SEED === undefined ? 4 : 1));
console.log('convergence seed', seed);

const ENTITIES = 12;
const LEVELS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

function randomComponents(r: Rand): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = int(r, 1, 3);
  for (let i = 0; i < n; i++) {
    const kind = pick(r, ['position', 'position', 'velocity', 'threat', 'classification', 'zz_note', 'task'] as const);
    let value: Record<string, unknown>;
    switch (kind) {
      case 'position':
        value = { lat: r() * 10, lon: r() * 10, ...(r() < 0.3 ? { alt: r() * 1000 } : {}) };
        break;
      case 'velocity':
        value = { east: r() * 20 - 10, north: r() * 20 - 10 };
        break;
      case 'threat':
        value = { level: pick(r, LEVELS) };
        break;
      case 'classification':
        value = {
          label: pick(r, ['boat', 'drone', 'truck']),
          disposition: 'UNKNOWN',
          environment: 'AIR',
          confidence: r(),
        };
        break;
      case 'task':
        value = {
          task: 'watch',
          requestId: '00000000000a0000n',
          status: pick(r, ['created', 'executing', 'done_ok'] as const),
          assignedBy: 'n',
          updatedAt: 1,
        };
        break;
      case 'zz_note': // a kind this version does not know: kept as opaque JSON
        value = { text: pick(r, ['a', 'b', 'c']), n: int(r, 0, 99) };
        break;
    }
    out[kind] = quantizeValue(kind, value as never);
  }
  return out;
}

function randomTopology(r: Rand, ids: string[]): [string, string][] {
  const shape = pick(r, ['chain', 'ring', 'tree', 'partial', 'full'] as const);
  const edges: [string, string][] = [];
  if (shape === 'chain' || shape === 'ring') {
    for (let i = 1; i < ids.length; i++) edges.push([ids[i - 1]!, ids[i]!]);
    if (shape === 'ring') edges.push([ids[ids.length - 1]!, ids[0]!]);
  } else if (shape === 'full' && ids.length <= 6) {
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) edges.push([ids[i]!, ids[j]!]);
  } else {
    for (let i = 1; i < ids.length; i++) edges.push([ids[int(r, 0, i - 1)]!, ids[i]!]);
    if (shape !== 'tree') for (let k = 0; k < ids.length; k++) edges.push([pick(r, ids), pick(r, ids)]);
  }
  return edges.filter(([a, b]) => a !== b);
}

async function writesLand(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function randomRun(runSeed: number): Promise<void> {
  const r = mulberry32(runSeed);
  const n = int(r, 3, 10);
  const sim = new MeshSim({
    seed: runSeed,
    net: {
      drop: r() < 0.5 ? r() * 0.2 : 0,
      duplicate: r() < 0.5 ? r() * 0.1 : 0,
      reorder: r() < 0.5 ? r() * 0.2 : 0,
      latency: { min: 1, max: int(r, 1, 10) },
    },
    session: { syncIntervalMs: pick(r, [5_000, 30_000]) },
  });
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  for (const id of ids) await sim.add(id, int(r, -5_000, 5_000));
  for (const [a, b] of randomTopology(r, ids)) sim.link(a, b);
  const entities = Array.from({ length: ENTITIES }, (_, i) => `e${i}`);

  for (let phase = 0; phase < 8; phase++) {
    const writes = int(r, 5, 40);
    for (let w = 0; w < writes; w++) {
      const node = sim.get(pick(r, ids)).node;
      const entity = pick(r, entities);
      const exists = (await node.get(entity)) !== undefined;
      if (!exists) await node.create({ id: entity, components: randomComponents(r) as never });
      else if (r() < 0.1) await node.remove(entity);
      else await node.update(entity, randomComponents(r));
      if (r() < 0.3) await sim.advance(int(r, 5, 200));
    }
    const event = r();
    if (event < 0.2) {
      const cut = int(r, 1, n - 1);
      const shuffled = [...ids].sort(() => r() - 0.5);
      sim.net.partition(shuffled.slice(0, cut) as NodeId[], shuffled.slice(cut) as NodeId[]);
    } else if (event < 0.35) sim.net.heal();
    else if (event < 0.5) {
      const [a, b] = pick(r, sim.net.links().length > 0 ? sim.net.links() : [['n0', 'n1'] as [NodeId, NodeId]]);
      sim.net.cut(a, b, 'random cut');
    } else if (event < 0.6) sim.offline(pick(r, ids));
    else if (event < 0.75) sim.online(pick(r, ids));
    else if (event < 0.85) await sim.restart(pick(r, ids));
    await sim.advance(int(r, 100, 10_000));
  }

  // Heal everything, stop the loss, and let anti-entropy finish.
  sim.net.heal();
  Object.assign(sim.net.options, { drop: 0, duplicate: 0, reorder: 0 });
  for (const id of ids) sim.online(id);
  await sim.advance(90_000);
  await sim.settle();
  // A HIGH threat raises an approval request, and the approval gates answer what they saw with
  // writes of their own (time-outs, takeovers): asynchronous writes, which land only between
  // awaits. Let them land and replicate until every gate has nothing left to do.
  for (let round = 0; round < 4; round++) {
    await writesLand();
    await sim.advance(40_000);
    await sim.settle();
  }
  await writesLand();
  await sim.settle();
  const first = await sim.dump(ids[0]!);
  for (const id of ids.slice(1)) expect(await sim.dump(id), `seed ${runSeed}: ${id} differs from n0`).toEqual(first);
}

/**
 * Seeds that once failed, run on every plain run (not when replaying one SEED). 1796226393954: n1's
 * approval heads differed from n0's because the test compared replicas before the approval gates'
 * own asynchronous writes (a HIGH threat's request, then its time-out) had landed and replicated;
 * it fails with the comparison made right after the first settle() and passes with the rounds above.
 * 1796235681616: ten nodes on eighteen links ping each other at so many phases that a 500 ms window
 * with nothing in flight never came, though every link was synced; settle() now waits for quiet
 * apart from heartbeats.
 */
const PINNED = [1796226393954, 1796235681616] as const;

describe('randomised mesh convergence', () => {
  if (process.env.SEED === undefined) {
    for (const pinned of PINNED) {
      it(`converges (pinned seed ${pinned.toString()})`, async () => {
        await randomRun(pinned);
      }, 120_000);
    }
  }
  for (let k = 0; k < runs; k++) {
    const runSeed = seed + k;
    it(`converges (seed ${runSeed})`, async () => {
      await randomRun(runSeed);
    }, 120_000);
  }
});
