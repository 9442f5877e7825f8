/**
 * The stepping of a simulated mesh (real LatticeNode + MeshNode over the deterministic in-memory
 * network, virtual time), shared by the sync benchmarks (mesh-sim.ts, s8-mesh-convergence.ts).
 */
import { MemoryStorage } from '../../src/adapters/memory-storage';
import type { MemoryNetwork } from '../../src/adapters/memory-transport';
import type { NodeId } from '../../src/core/ids';
import { SessionState } from '../../src/core/sync';
import { LatticeNode } from '../../src/node/lattice-node';
import type { MeshNode } from '../../src/node/mesh';
import { testIdentity } from '../../test/unit/support/test-keys';
import { prng, randInt } from './prng';

/** Virtual time per network step and per mesh tick. */
export const STEP_MS = 5;
export const TICK_MS = 50;

export interface SimBase {
  clock: number;
  readonly net: MemoryNetwork;
  readonly nodes: Map<string, { node: LatticeNode; mesh: MeshNode }>;
  /** The topology the "main thread" keeps connected. */
  readonly edges: [string, string][];
}

/** A node of the simulation: memory storage, the sim's clock, signing its own writes, no change feed timer. */
export function openSimNode(sim: SimBase, id: string): Promise<LatticeNode> {
  return LatticeNode.open({
    nodeId: id as NodeId,
    lattice: 'bench',
    storage: new MemoryStorage(),
    backend: 'memory',
    now: () => sim.clock,
    newId: () => `x${Math.floor(sim.clock)}`,
    scheduleChanges: () => undefined,
    signer: testIdentity(id).signer,
  });
}

export function ensureLinks(sim: SimBase): void {
  for (const [a, b] of sim.edges) {
    if (sim.net.isLinked(a as NodeId, b as NodeId) || sim.net.isPartitioned(a as NodeId, b as NodeId)) continue;
    const na = sim.nodes.get(a)!;
    const nb = sim.nodes.get(b)!;
    sim.net.connect({ id: a as NodeId, accept: na.mesh.accept }, { id: b as NodeId, accept: nb.mesh.accept });
  }
}

/**
 * One network step, then one macrotask turn: the nodes' promises run (storage commits landing, and
 * what waits on them), as they would between the worker's tasks. A node relays a version only once
 * its own commit of it is durable (docs/architecture.md, "Nothing leaves before it is durable"), so
 * steps that let no promise run would hold every relay until the driver next awaits.
 */
export async function step(sim: SimBase): Promise<void> {
  sim.net.deliver();
  sim.clock += STEP_MS;
  if (sim.clock % TICK_MS === 0) {
    for (const n of sim.nodes.values()) n.mesh.tick();
    ensureLinks(sim);
  }
  await turn();
}

/** Lets every promise queued so far run, and those they queue in turn (a macrotask turn). */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function advance(sim: SimBase, ms: number): Promise<void> {
  const end = sim.clock + ms;
  while (sim.clock < end) await step(sim);
}

/** Every link up (or deliberately cut), synced, with nothing queued. */
function quiet(sim: SimBase): boolean {
  for (const [a, b] of sim.edges) {
    if (!sim.net.isLinked(a as NodeId, b as NodeId) && !sim.net.isPartitioned(a as NodeId, b as NodeId)) return false;
  }
  for (const n of sim.nodes.values()) {
    for (const p of n.mesh.peers()) if (p.state !== SessionState.Synced || p.queued > 0) return false;
  }
  return true;
}

/**
 * Steps until the mesh is quiet with nothing in flight, and has stayed so for `holdMs`; returns
 * the virtual ms taken. Live push needs a hold: ids for pruned links wait for the next tick (lazy
 * `ihave`) and grafts for 150 ms more while every link looks idle. A single anti-entropy exchange
 * needs none (holding would only add heartbeats to the bytes it counts).
 */
export async function settle(sim: SimBase, holdMs = 0, maxMs = 600_000): Promise<number> {
  const start = sim.clock;
  let since: number | undefined;
  while (sim.clock - start < maxMs) {
    await step(sim);
    if (sim.net.inFlight === 0 && quiet(sim)) since ??= sim.clock;
    else since = undefined;
    if (since !== undefined && sim.clock - since >= holdMs) return since - start;
  }
  throw new Error('did not settle');
}

/** Random connected partial mesh: a ring plus random chords, at most `maxDegree` links per node. */
export function partialMesh(n: number, chords: number, maxDegree: number, seed: number): [string, string][] {
  const rand = prng(seed);
  const ids = Array.from({ length: n }, (_, i) => `n${String(i).padStart(2, '0')}`);
  const degree = new Map(ids.map((id) => [id, 0]));
  const edges = new Set<string>();
  const add = (a: string, b: string): void => {
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    if (a === b || edges.has(key) || degree.get(a)! >= maxDegree || degree.get(b)! >= maxDegree) return;
    edges.add(key);
    degree.set(a, degree.get(a)! + 1);
    degree.set(b, degree.get(b)! + 1);
  };
  for (let i = 0; i < n; i++) add(ids[i]!, ids[(i + 1) % n]!);
  for (let i = 0; i < chords; i++) add(ids[randInt(rand, n)]!, ids[randInt(rand, n)]!);
  return [...edges].map((e) => e.split('|') as [string, string]);
}
