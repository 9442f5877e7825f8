import type { ComponentKind } from '../../src/core/ids';
import type { Version } from '../../src/core/merge/version';
import { decodeVersions, IdCache } from '../../src/core/wire';
import { MemoryStorage } from '../../src/adapters/memory-storage';
import { LatticeNode } from '../../src/node/lattice-node';
import { MeshNode } from '../../src/node/mesh';
import { testSecurity } from '../../test/unit/support/test-keys';
import { prng } from './prng';
import { AUTHORS, KINDS, T0, entityIds, nodeIds, valueFor } from './workload';

/** Scenario 10's data (bench/s10-memory.ts): n entities × 6 components, one version each, one author per entity. */
export function s10Data(n: number): Version[] {
  const rand = prng(3);
  const nodes = nodeIds(AUTHORS);
  const ids = entityIds(n, n > 10_000 ? 'trk-' : 'track-');
  const out: Version[] = [];
  for (let e = 0; e < n; e++) {
    const a = e % AUTHORS;
    const ts = { ms: T0 + e, c: 0, node: nodes[a]! };
    for (const kind of KINDS) {
      out.push({ entity: ids[e]!, kind: kind as ComponentKind, value: valueFor(kind, e, e, a, rand), ts, seen: [] });
    }
  }
  return out;
}

/** A copy of a string that shares no memory with it (the store must not borrow the input's ids). */
export const fresh = <T extends string>(s: T): T => JSON.parse(JSON.stringify(s)) as T;

/**
 * A running node as the worker has it (src/worker): a LatticeNode and its MeshNode (whose sync index
 * answers reconciliation and wants), fed by applyRemote with wire batches decoded as a link decodes
 * them (one IdCache per link), then the sync index's snapshot taken as a reconciliation takes it. Its storage is a MemoryStorage whose copy is dropped once committed:
 * in the worker it is IndexedDB, outside the heap.
 */
export async function runningNode(bytes: readonly Uint8Array[]): Promise<unknown> {
  const now = (): number => T0 + 1e9;
  const storage = new MemoryStorage();
  const node = await LatticeNode.open({
    nodeId: 'bench-node' as never,
    lattice: 'bench',
    storage,
    backend: 'memory',
    now,
    newId: () => 'x',
    // The worker's change feed flushes on a timer (workers/node-worker.ts).
    scheduleChanges: (fn) => void setTimeout(fn, 16),
  });
  const mesh = new MeshNode({ node, security: await testSecurity('bench-node', now), now });
  const ids = new IdCache();
  for (const b of bytes) node.applyRemote(decodeVersions(b, { ids }));
  await node.flushed();
  await new Promise((resolve) => setTimeout(resolve, 50));
  // A node with peers holds its sync index's snapshot (the first reconciliation takes one).
  (mesh as unknown as { index: { storage(): unknown } }).index.storage();
  storage.backing.versions.clear();
  storage.backing.entities.clear();
  return { node, mesh };
}
