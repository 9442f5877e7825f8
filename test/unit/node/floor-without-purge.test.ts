/**
 * Issue 8 ("zero divergence"), found by restart-vs-twin.test.ts (SEED=905941793, before a fired
 * floor went with its last marker): an expiry fired and raised its entity's floor, dropping
 * nothing (the expiry was all the entity held beneath it). The tick committed nothing when its
 * purge removed nothing, so the floor lived in memory only, and a restart lost it: the restarted
 * node had no floor until its own purge fired the expiry again, which it does only once its clock
 * passes the deadline again. Here the wall clock steps back across the deadline (a time correction)
 * while the node restarts: meanwhile it took and showed a write made before the deadline that the
 * node which never restarted refuses. Now a purge that raises a floor writes its entity's meta
 * (LatticeNode.tick), as the docs say a purge's floors are (docs/architecture.md, "Expiry").
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import type { EntityStore } from '../../../src/core/store/entity-store';
import { EXPIRY } from '../../../src/core/store/expiry-floor';
import type { LatticeNode } from '../../../src/node/lattice-node';
import { dump } from '../core/support/merge-sim';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const storeOf = (node: LatticeNode): EntityStore => (node as unknown as { parts: { store: EntityStore } }).parts.store;

describe('a floor raised by a purge that dropped nothing', () => {
  for (const how of ['closed', 'crashed'] as const) {
    it(`is kept when the node restarts (${how})`, async () => {
      const clock = { now: T0 };
      const open = (storage: MemoryStorage): Promise<LatticeNode> => openTestNode({ storage, now: () => clock.now });
      const storage = new MemoryStorage();
      const node = await open(storage);
      await node.create({ id: 'x', components: { expiry: { at: T0 + 5_000 } } });
      await node.durable();
      const own = [...node.versions()].find((v) => v.kind === EXPIRY)!;
      // A node that never restarts, given the same.
      const twin = await open(new MemoryStorage());
      twin.applyRemote([own]);
      clock.now = T0 + 5_000;
      for (const n of [node, twin]) n.tick();
      expect(storeOf(node).snapshot().entities[0]?.floor).toBe(T0 + 5_000);
      await node.durable();
      if (how === 'closed') await node.close();
      // The wall clock is set back two seconds while the node restarts.
      clock.now = T0 + 3_000;
      const again = await open(storage.reopen());
      twin.tick();
      // A write made before the deadline, from a peer that had not purged.
      const stale: Version = {
        entity: 'x' as EntityId,
        kind: 'speed' as ComponentKind,
        value: { kts: 1 },
        ts: { ms: T0 + 1_000, c: 0, node: 'p2' as NodeId },
        seen: [],
      };
      for (const n of [again, twin]) n.applyRemote([stale]);
      expect((await twin.get('x'))?.components.speed).toBeUndefined();
      expect(await again.get('x')).toEqual(await twin.get('x'));
      expect(dump(storeOf(again), true)).toBe(dump(storeOf(twin), true));
      await again.close();
      await twin.close();
      if (how === 'crashed') await node.close();
    });
  }
});
