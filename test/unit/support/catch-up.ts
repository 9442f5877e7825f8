import type { LatticeNode } from '../../../src/node/lattice-node';
import { MeshSim, type SimNode } from '../node/mesh/mesh-sim';

/**
 * Writes `count` new registers on `node`, in writeMany calls of 5,000: entities `${prefix}0`,
 * `${prefix}1`, … each with a position at latitude `lat` + i × 1e-5, longitude `lon`.
 */
export async function writePositions(node: LatticeNode, count: number, prefix = 't', lat = 50, lon = 8): Promise<void> {
  for (let i = 0; i < count; i += 5_000) {
    const items = Array.from({ length: Math.min(5_000, count - i) }, (_, k) => ({
      id: `${prefix}${i + k}`,
      components: { position: { lat: lat + (i + k) * 1e-5, lon } },
    }));
    await node.writeMany(items as never);
  }
}

/**
 * A node back from a partition, in the simulated mesh (virtual clock, real sessions, signatures
 * and stores): `writer` writes `n` new registers (writePositions) while `catcher` is offline, then
 * the two are online and linked; the caller settles. The new-register bound per author is set far
 * past `n`, since it would bind first (a separate limit, with its own test).
 */
export async function partitionedCatchUp(
  seed: number,
  n: number,
  writer: string,
  catcher: string,
): Promise<{ readonly sim: MeshSim; readonly a: SimNode; readonly b: SimNode }> {
  const sim = new MeshSim({ seed, registerLimits: { burst: 10 * n, ratePerSecond: 10 * n, maxAuthors: 64 } });
  const a = await sim.add(writer);
  const b = await sim.add(catcher);
  sim.offline(catcher);
  await writePositions(a.node, n);
  await a.node.durable();
  sim.online(catcher);
  sim.link(writer, catcher);
  return { sim, a, b };
}
