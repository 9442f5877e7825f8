/**
 * Sync measurements over real LatticeNodes + MeshNodes on the deterministic in-memory network
 * (docs/performance.md rows 4 and 8): bytes and round trips of anti-entropy when in sync and when 1 %
 * diverges (recent or random), and payload transmissions per delivery on a 32-node partial mesh.
 * Byte counts are exact (every frame is counted); times are virtual (5 ms per network step).
 *
 * Run alone: `node --import tsx bench/lib/mesh-sim.ts [items]`.
 */
import { MemoryNetwork } from '../../src/adapters/memory-transport';
import type { ComponentValue } from '../../src/core/entity/component-types';
import type { ComponentKind, NodeId } from '../../src/core/ids';
import type { Version } from '../../src/core/merge/version';
import { decodeMessage, MessageType } from '../../src/core/sync';
import { decodeVersions, encodeVersions } from '../../src/core/wire';
import { MeshNode, type SessionTuning } from '../../src/node/mesh';
import { signNow, testIdentity, testSecurity } from '../../test/unit/support/test-keys';
import { prng, randInt } from './prng';
import { advance, ensureLinks, openSimNode, partialMesh, settle, step, type SimBase } from './sim-steps';
import { percentile } from './stats';
import { entityIds, nodeIds, T0, valueFor } from './workload';

const KINDS = ['position', 'velocity', 'classification', 'threat', 'source'] as const;

/**
 * A HIGH threat by an author that is not running raises an approval request, or another node takes
 * it over (docs/c2-pipeline.md), and those writes would be measured as divergence: these scenarios
 * measure sync of a settled picture, so their threats stop at MEDIUM.
 */
function settled(value: ComponentValue): ComponentValue {
  return isHighThreat(value) ? { level: 'MEDIUM' } : value;
}

function isHighThreat(value: ComponentValue): boolean {
  return typeof value === 'object' && value !== null && 'level' in value && value.level === 'HIGH';
}

/** n distinct stored versions (one per entity component), authored by 50 nodes, 1 ms apart. */
export function distinctVersions(n: number, seed = 1): Version[] {
  const rand = prng(seed);
  const authors = nodeIds(50, seed);
  const entities = entityIds(Math.ceil(n / KINDS.length));
  // Signed by their authors (each author a test key that stands for its id, test-keys.ts 'named').
  return Array.from({ length: n }, (_, i) => {
    const kind = KINDS[i % KINDS.length]!;
    const a = randInt(rand, authors.length);
    const e = Math.floor(i / KINDS.length);
    return {
      entity: entities[e]!,
      kind: kind as ComponentKind,
      value: settled(valueFor(kind, e, i, a, rand)),
      ts: { ms: T0 + i, c: 0, node: authors[a]! },
      seen: [],
    };
  }).map((v) => signNow(testIdentity(v.ts.node), v));
}

interface Sim extends SimBase {
  /** Bytes by message type, version copies carried, reconcile messages by phase. */
  readonly traffic: { bytes: Record<string, number>; versionCopies: number; phases: Record<string, number> };
}

function newSim(seed: number, now: number): Sim {
  const traffic = { bytes: {} as Record<string, number>, versionCopies: 0, phases: {} as Record<string, number> };
  const net = new MemoryNetwork({
    seed,
    tap: (_from, _to, frame) => {
      const m = decodeMessage(frame);
      traffic.bytes[m.type] = (traffic.bytes[m.type] ?? 0) + frame.length;
      if (m.type === MessageType.Versions && m.batch.length > 0)
        traffic.versionCopies += decodeVersions(m.batch).length;
      if (m.type === MessageType.Reconcile) traffic.phases[m.phase] = (traffic.phases[m.phase] ?? 0) + 1;
    },
  });
  return { clock: now, net, nodes: new Map(), traffic, edges: [] };
}

async function addNode(sim: Sim, id: string, versions: readonly Version[], session?: SessionTuning): Promise<void> {
  const node = await openSimNode(sim, id);
  node.applyRemote(versions);
  await node.flushed();
  const security = await testSecurity(id, () => sim.clock);
  for (const author of new Set(versions.map((v) => v.ts.node))) await security.trust(testIdentity(author).publicKey);
  const mesh = new MeshNode({
    node,
    security,
    now: () => sim.clock,
    ...(session === undefined ? {} : { session }),
  });
  sim.nodes.set(id, { node, mesh });
}

function connect(sim: Sim, a: string, b: string): void {
  sim.edges.push([a, b]);
  ensureLinks(sim);
}

export interface AntiEntropyResult {
  readonly items: number;
  readonly divergence: 'none' | 'recent' | 'random';
  readonly missing: number;
  /** Who lacks the versions: the initiator (it asks with `want`) or the responder (it is sent them). */
  readonly lacking: 'initiator' | 'responder';
  readonly roundTrips: number;
  readonly reconcileBytes: number;
  readonly wantBytes: number;
  readonly versionsBytes: number;
  /** The missing versions encoded as one batch: what any protocol must move. */
  readonly payloadBytes: number;
  /** Everything on the wire except hellos, pings and the payload itself. */
  readonly overheadBytes: number;
  readonly virtualMs: number;
  readonly wallMs: number;
}

/** Two nodes, one lacking `fraction` of `items` versions (the newest, or at random); one anti-entropy run. */
export async function measureAntiEntropy(
  items: number,
  divergence: 'none' | 'recent' | 'random',
  lacking: 'initiator' | 'responder',
  fraction = 0.01,
): Promise<AntiEntropyResult> {
  const all = distinctVersions(items);
  const k = divergence === 'none' ? 0 : Math.round(items * fraction);
  const rand = prng(99);
  const missingSet = new Set<number>();
  if (divergence === 'recent') for (let i = items - k; i < items; i++) missingSet.add(i);
  while (divergence === 'random' && missingSet.size < k) missingSet.add(randInt(rand, items));
  const partial = all.filter((_, i) => !missingSet.has(i));
  const sim = newSim(1, T0 + items + 60_000);
  // The smaller node id initiates: 'a'.
  await addNode(sim, 'a', lacking === 'initiator' ? partial : all);
  await addNode(sim, 'b', lacking === 'initiator' ? all : partial);
  const wall = performance.now();
  connect(sim, 'a', 'b');
  const virtualMs = await settle(sim);
  const wallMs = performance.now() - wall;
  const t = sim.traffic;
  const payloadBytes = k === 0 ? 0 : encodeVersions(all.filter((_, i) => missingSet.has(i))).length;
  const reconcileBytes = t.bytes.reconcile ?? 0;
  const wantBytes = t.bytes.want ?? 0;
  const versionsBytes = t.bytes.versions ?? 0;
  return {
    items,
    divergence,
    missing: k,
    lacking,
    roundTrips: (t.phases.open ?? 0) + (t.phases.next ?? 0) + (wantBytes > 0 ? 1 : 0),
    reconcileBytes,
    wantBytes,
    versionsBytes,
    payloadBytes,
    overheadBytes: reconcileBytes + wantBytes + versionsBytes - payloadBytes,
    virtualMs,
    wallMs,
  };
}

/** Live pushes leave lazy announcements and grafts pending while links look idle. */
const FLOOD_QUIET_MS = 500;

export interface FloodResult {
  readonly nodes: number;
  readonly meanDegree: number;
  readonly writes: number;
  /** Version copies carried by `versions` frames per (node, version) first delivery. */
  readonly transmissionsPerDelivery: number;
  /** Virtual ms from a write (or the heal) to its arrival at the last node: median and p99. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** All sync bytes (pings excluded) per delivery. */
  readonly bytesPerDelivery: number;
}

/**
 * Live writes spreading over a partial mesh. `heal`: the mesh is first cut in two halves (links
 * across go dead), each half writes, then the partition heals and anti-entropy merges the halves;
 * only what crosses after the heal is counted. Arrival times come from each node's onVersions.
 */
export async function measureFlood(n = 32, chords = 48, writes = 64, heal = false, seed = 5): Promise<FloodResult> {
  const sim = newSim(seed, T0 + 1_000_000);
  const edges = partialMesh(n, chords, 8, seed);
  const ids = [...new Set(edges.flat())].sort();
  const arrivals = new Map<string, number[]>();
  for (const id of ids) {
    await addNode(sim, id, []);
    sim.nodes.get(id)!.node.onVersions((vs) => {
      for (const v of vs) arrivals.set(v.entity, [...(arrivals.get(v.entity) ?? []), sim.clock]);
    });
  }
  for (const [a, b] of edges) connect(sim, a, b);
  await settle(sim, FLOOD_QUIET_MS);
  if (heal) {
    sim.net.partition(ids.slice(0, n / 2) as NodeId[], ids.slice(n / 2) as NodeId[]);
    await advance(sim, 20_000);
  }
  const rand = prng(seed + 1);
  const written = new Map<string, number>();
  Object.assign(sim.traffic, { bytes: {}, versionCopies: 0, phases: {} });
  for (let w = 0; w < writes; w++) {
    const id = `w${w}`;
    await sim.nodes
      .get(ids[randInt(rand, ids.length)]!)!
      .node.create({ id, components: { position: { lat: 1, lon: w / 100 } } });
    written.set(id, sim.clock);
    for (let s = 0; s < 4; s++) await step(sim);
  }
  if (heal) {
    await settle(sim, FLOOD_QUIET_MS);
    for (const id of written.keys()) written.set(id, sim.clock);
    arrivals.clear();
    Object.assign(sim.traffic, { bytes: {}, versionCopies: 0, phases: {} });
    sim.net.heal();
  }
  await settle(sim, FLOOD_QUIET_MS);
  const latencies = [...written].map(([id, at]) => Math.max(...(arrivals.get(id) ?? [at])) - at);
  const deliveries =
    [...written.keys()].reduce((d, id) => d + (arrivals.get(id)?.length ?? 0), 0) - (heal ? 0 : writes);
  if (process.env.DEBUG_FLOOD) {
    const all = [...sim.nodes.values()].flatMap((x) => x.mesh.peers());
    console.log({
      prunes: all.reduce((a, p) => a + p.prunes, 0),
      grafts: all.reduce((a, p) => a + p.grafts, 0),
      eagerLinks: all.filter((p) => p.eager).length,
      links: all.length,
      latencies: latencies.join(' '),
    });
  }
  const bytes = Object.entries(sim.traffic.bytes).reduce((a, [k, b]) => a + (k === 'ping' || k === 'pong' ? 0 : b), 0);
  return {
    nodes: ids.length,
    meanDegree: (2 * edges.length) / ids.length,
    writes,
    transmissionsPerDelivery: sim.traffic.versionCopies / deliveries,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    bytesPerDelivery: bytes / deliveries,
  };
}

async function main(): Promise<void> {
  const items = Number(process.argv[2] ?? 10_000);
  for (const divergence of ['none', 'recent', 'random'] as const) {
    for (const lacking of ['initiator', 'responder'] as const) {
      if (divergence === 'none' && lacking === 'responder') continue;
      console.log(JSON.stringify(await measureAntiEntropy(items, divergence, lacking)));
    }
  }
  console.log(JSON.stringify({ flood: await measureFlood() }));
  console.log(JSON.stringify({ heal: await measureFlood(32, 48, 64, true) }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
