/**
 * Test helper (not a test file): what the multi-node fusion tests share. Nodes meshed by the
 * in-memory network, each writing one sensor's tracks of the same objects, and how a node's
 * picture is read back: one fused entity per object, its sources, nothing raw beside it.
 */
import { expect } from 'vitest';
import type { Fusion } from '../../../../src/core/entity/component-types';
import { offset } from '../../../../src/core/sim/geo';
import type { EntityView } from '../../../../src/core/store/entity-view';
import { DEFENDED_POINT } from '../../../../src/node/c2-pipeline';
import { MeshSim, type SimNode } from '../mesh/mesh-sim';

/** The seed of a seeded test file: SEED from the environment, else the clock; printed for replay. */
export function seedFor(name: string): number {
  const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
  console.log(`${name} seed ${seed}; replay with SEED=${seed}`);
  return seed;
}

export const isFused = (id: string): boolean => id.startsWith('fused:');

/** Object n at second s: 2 km apart, moving east at `speed` m/s, 5 km north of the defended point. */
export function where(n: number, seconds: number, speed: number): { lat: number; lon: number } {
  return offset(DEFENDED_POINT, 2_000 * n + speed * seconds, 5_000);
}

/** A node as a test writes to it: the entity is created the first time, updated after. */
export async function write(sim: SimNode, id: string, components: Record<string, unknown>): Promise<void> {
  if ((await sim.node.get(id)) === undefined) await sim.node.create({ id, components });
  else await sim.node.update(id, components);
}

/** What a node shows, in id order. */
export async function picture(n: SimNode): Promise<EntityView[]> {
  return (await n.node.list()).sort((x, y) => (x.id < y.id ? -1 : 1));
}

/** Each fused entity's sources as "a b" (sorted), the list sorted. */
export function fusedPairs(list: readonly EntityView[]): string[] {
  return list
    .filter((v) => isFused(v.id))
    .map((f) => [...(f.components.fusion as Fusion).sources].sort().join(' '))
    .sort();
}

/** The picture holds one fused entity per object n < `objects` (pairing `eo-n` and `radar-n`) and nothing raw. */
export function expectOneFusedPerObject(list: readonly EntityView[], objects: number, name: string): void {
  expect(fusedPairs(list), name).toEqual(Array.from({ length: objects }, (_, n) => `eo-${n} radar-${n}`));
  expect(
    list.filter((v) => !isFused(v.id)),
    name,
  ).toEqual([]);
}

/**
 * A mesh of nodes linked to the first and settled: `nodes` lists each node's name and its clock's
 * offset from the virtual clock (skew), ms.
 */
export async function fusionMesh<const N extends readonly (readonly [string, number?])[]>(
  seed: number,
  nodes: N,
): Promise<{ sim: MeshSim; nodes: { [K in keyof N]: SimNode } }> {
  const sim = new MeshSim({ seed });
  const out: SimNode[] = [];
  for (const [name, skew] of nodes) out.push(await sim.add(name, skew ?? 0));
  for (const n of out.slice(1)) sim.link(out[0]!.id, n.id);
  await sim.settle();
  return { sim, nodes: out as { [K in keyof N]: SimNode } };
}
