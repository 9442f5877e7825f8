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
import type { StorageBatch } from '../../../src/ports/storage';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const threat = (level: string): Version => ({
  entity: 'e1' as EntityId,
  kind: 'threat' as ComponentKind,
  value: { level } as never,
  ts: { ms: T0, c: 0, node: 'p1' as NodeId },
  seen: [],
});
const open = (storage: MemoryStorage): Promise<LatticeNode> =>
  openTestNode({
    storage,
    now: () => T0,
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

/** Applies each commit at once, in call order, but answers a priority commit only once `gate` opens. */
class GatedStorage extends MemoryStorage {
  gate: Promise<void> | undefined;
  override async commit(batch: StorageBatch): Promise<void> {
    await super.commit(batch);
    if (batch.priority === true && this.gate !== undefined) await this.gate;
  }
}

const highAt = (entity: string, ms: number, seen: Version['seen'] = []): Version => ({
  entity: entity as EntityId,
  kind: 'threat' as ComponentKind,
  value: { level: 'HIGH' } as never,
  ts: { ms, c: 0, node: 'p1' as NodeId },
  seen,
});
const seenOf = (node: LatticeNode, entity: string): string =>
  JSON.stringify([...node.versions()].filter((v) => v.entity === entity).map((v) => v.seen));

describe('twins in two deliveries, the winner pushed to the bulk lane while the loser waits in the priority lane', () => {
  it('restarts holding the twin the live node holds (review finding: the bulk commit landed first)', async () => {
    const storage = new GatedStorage();
    const node = await open(storage);
    let release!: () => void;
    storage.gate = new Promise((r) => (release = r));
    node.applyRemote([highAt('e0', T0 - 100)]);
    await new Promise((r) => setTimeout(r, 20)); // that priority commit is in flight, held
    // Twins: the one without a context sorts first and wins.
    const loser = highAt('e1', T0 - 50, [{ ms: T0 - 60, c: 0, node: 'p9' as NodeId }]);
    const winner = highAt('e1', T0 - 50);
    node.applyRemote([loser]); // waits in the priority lane
    // Past the priority lane's cap of one delivery: the winner goes to the bulk lane.
    const fill = Array.from({ length: 16 }, (_, i) => highAt(`f${i}`, T0 - 40));
    node.applyRemote([...fill, winner]);
    await new Promise((r) => setTimeout(r, 20));
    release();
    storage.gate = undefined;
    await node.durable();
    // The winner is the head, the loser kept as evidence of the equivocation.
    const live = seenOf(node, 'e1');
    expect(JSON.parse(live)).toEqual([[], [{ ms: T0 - 60, c: 0, node: 'p9' }]]);
    await node.close();
    const again = await open(storage.reopen());
    expect(seenOf(again, 'e1')).toBe(live);
    await again.close();
  });
});
