/**
 * Issue 8: a damaged IndexedDB database never bricks a node. A corrupt segment, a damaged entity
 * meta and a damaged held write are set aside on open, counted in stats() and the storage status,
 * a damaged meta is rewritten from what the versions restore, and anti-entropy brings the data back.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { deleteIdbStorage, openIdbStorage } from '../../../src/adapters/idb';
import type { LatticeDB } from '../../../src/adapters/idb/schema';
import type { NodeId } from '../../../src/core/ids';
import { LatticeNode } from '../../../src/node/lattice-node';
import type { StoragePort } from '../../../src/ports/storage';

const T0 = 1_700_000_000_000;

async function open(storage: StoragePort, logs: string[] = []): Promise<LatticeNode> {
  let n = 0;
  return LatticeNode.open({
    nodeId: 'n1' as NodeId,
    lattice: 'test',
    storage,
    backend: 'indexeddb',
    now: () => T0,
    newId: () => `e${n++}`,
    scheduleChanges: (fn) => queueMicrotask(fn),
    log: (m) => logs.push(m),
  });
}

describe('a damaged IndexedDB database', () => {
  it('opens with what is sound, reports what it set aside, and takes the data back from a peer', async () => {
    const name = 'damaged-node-1';
    const node = await open(await openIdbStorage(name));
    await node.create({ id: 'kept', components: { threat: { level: 'LOW' } } });
    // Two authors on one component: the entity needs a stored meta (entity-meta.ts).
    node.applyRemote([
      {
        entity: 'shared' as never,
        kind: 'threat' as never,
        value: { level: 'HIGH' },
        ts: { ms: T0 - 10, c: 0, node: 'peer' as NodeId },
        seen: [],
      },
    ]);
    await node.flushed();
    await node.create({ id: 'lost', components: { threat: { level: 'MEDIUM' } } });
    const lost = [...node.versions()].filter((v) => v.entity === 'lost');
    await node.close();

    const db = await openDB<LatticeDB>(name);
    const keys = await db.getAllKeys('log');
    const last = (await db.get('log', keys.at(-1)!))!;
    await db.put('log', { ...last, v: '[{"broken' }, keys.at(-1)!);
    await db.put('entities', { id: 'shared', knowledge: 'not a list' } as never, 'shared');
    await db.put('held', { key: 'k', version: { nonsense: true }, skewMs: 1, at: T0 } as never, 'k');
    db.close();

    const logs: string[] = [];
    const again = await open(await openIdbStorage(name), logs);
    const stats = await again.stats();
    expect(stats.rejected['damaged-in-storage']).toBe(3);
    expect(stats.storage.setAside).toBe(3);
    expect((await again.list()).map((e) => e.id).sort()).toEqual(['kept', 'shared']);
    expect(logs.filter((m) => m.startsWith('set aside a damaged'))).toHaveLength(2); // the segment is the adapter's
    // The damaged meta is rewritten, the damaged held write released.
    await again.flushed();
    const check = await openDB<LatticeDB>(name);
    const meta = await check.get('entities', 'shared');
    const held = await check.getAll('held');
    check.close();
    expect(Array.isArray(meta?.knowledge)).toBe(true);
    expect(held).toEqual([]);
    // Anti-entropy (here: the versions a peer sends) brings back what the corrupt segment held.
    expect(again.applyRemote(lost)).toHaveLength(lost.length);
    expect((await again.get('lost'))?.components.threat).toEqual({ level: 'MEDIUM' });
    await again.close();
    await deleteIdbStorage(name);
  });
});
