/**
 * Issue 8 ("zero divergence"), found by restart-vs-twin.test.ts: one delivery holding two contents
 * under one timestamp (twins, docs/security.md "Twins and evidence"), one of them a HIGH threat
 * (the priority lane, write-lane.ts) and the other not. The store keeps the twin whose content
 * sorts first; both share a storage key. Merged in two commits, the bulk one, enqueued after the
 * priority one, stored its losing twin over the winner: the node restarted showing the other
 * threat level than the node that never restarted.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { LatticeNode } from '../../../src/node/lattice-node';

const T0 = 1_700_000_000_000;
const threat = (level: string): Version => ({
  entity: 'e1' as EntityId,
  kind: 'threat' as ComponentKind,
  value: { level } as never,
  ts: { ms: T0, c: 0, node: 'p1' as NodeId },
  seen: [],
});
const open = (storage: MemoryStorage): Promise<LatticeNode> =>
  LatticeNode.open({
    nodeId: 'n1' as NodeId,
    lattice: 'test',
    storage,
    backend: 'memory',
    now: () => T0,
    newId: () => 'x',
    scheduleChanges: (fn) => queueMicrotask(fn),
  });

describe('twins in one delivery, one in the priority lane, then a restart', () => {
  for (const order of [
    ['NONE', 'HIGH'],
    ['HIGH', 'NONE'],
  ]) {
    it(`restarts showing the twin the live node shows (${order.join(', ')})`, async () => {
      const storage = new MemoryStorage();
      const node = await open(storage);
      node.applyRemote(order.map(threat));
      await node.durable();
      const live = await node.get('e1');
      await node.close();
      const again = await open(storage.reopen());
      expect(live?.components.threat).toEqual({ level: 'HIGH' });
      expect(await again.get('e1')).toEqual(live);
      await again.close();
    });
  }
});
