/**
 * Issue 8 ("zero divergence"), found by restart-vs-twin.test.ts (SEED=100, withdrawals while
 * commits may be lost): a priority commit (write-lane.ts) carried the metas of its entities as the
 * live store had them, with what bulk versions not yet durable had taught (here: p1's speed, in the
 * bulk commit in flight or in the same delivery). The bulk commit was lost in a crash, p1 was
 * withdrawn (the roster's cut-off, set again at the open), and the restarted node kept knowing of
 * p1's withdrawn speed from that meta: a write of p1's made before its removal, delivered after,
 * was refused as superseded there and shown by the node that never restarted. A priority commit
 * now leaves the metas of entities the bulk lane still has work for to that lane (write-behind.ts).
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type MemoryBacking } from '../../../src/adapters/memory-storage';
import { encodeTs } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import type { EntityStore } from '../../../src/core/store/entity-store';
import type { LatticeNode } from '../../../src/node/lattice-node';
import type { StorageBatch } from '../../../src/ports/storage';
import { dump } from '../core/support/merge-sim';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const e = 'e' as EntityId;
const p1 = 'p1' as NodeId;
const p2 = 'p2' as NodeId;
const speed = (node: NodeId, ms: number): Version => ({
  entity: e,
  kind: 'speed' as ComponentKind,
  value: { kts: ms - T0 },
  ts: { ms, c: 0, node },
  seen: [],
});
/** p1's speed before its removal (kept), and after it (withdrawn). */
const early = speed(p1, T0 - 10);
const late = speed(p1, T0 + 1);
/** p2's speed, concurrent with both. */
const other = speed(p2, T0 + 2);
/** A gate request p2 raises on e: an approval, so it commits in the priority lane. */
const request: Version = {
  entity: e,
  kind: 'approval' as ComponentKind,
  value: {
    requestId: encodeTs({ ms: T0, c: 0, node: p2 }),
    reason: 'HIGH',
    requestedAt: T0,
    deadline: T0 + 1e9,
    state: 'pending',
  },
  ts: { ms: T0, c: 0, node: p2 },
  seen: [],
};
/** p1's removal: its writes stamped after T0 are withdrawn. */
const cutoff = new Map([[p1, { ms: T0, c: 0, node: p1 }]]);

/** MemoryStorage whose bulk commits never land (the node crashes with them in flight); priority ones do. */
class BulkStalled extends MemoryStorage {
  constructor(backing?: MemoryBacking) {
    super(backing === undefined ? {} : { backing });
  }
  override commit(batch: StorageBatch): Promise<void> {
    if (batch.priority === true) return super.commit(batch);
    return new Promise<void>(() => undefined);
  }
}

const storeOf = (node: LatticeNode): EntityStore => (node as unknown as { parts: { store: EntityStore } }).parts.store;
const open = (storage: MemoryStorage): Promise<LatticeNode> => openTestNode({ storage, now: () => T0 + 100 });
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('a priority commit beside bulk work not yet durable, a crash, and a withdrawal', () => {
  for (const { name, deliver } of [
    {
      name: 'the bulk versions in the commit in flight',
      deliver: async (node: LatticeNode): Promise<void> => {
        node.applyRemote([late, other]);
        await settle(); // their bulk commit is in flight
        node.applyRemote([request]);
      },
    },
    {
      name: 'the bulk versions in the same delivery',
      deliver: (node: LatticeNode): Promise<void> => {
        node.applyRemote([late, other, request]);
        return Promise.resolve();
      },
    },
  ]) {
    it(`restarts knowing only what was durable (${name})`, async () => {
      const storage = new BulkStalled();
      const node = await open(storage);
      await deliver(node);
      node.withdraw(cutoff, { meta: {} });
      await settle();
      // The crash: the priority commit landed, the bulk ones never will.
      const again = await open(new MemoryStorage({ backing: storage.backing }));
      again.withdraw(cutoff, { meta: {} });
      // Anti-entropy brings back what was lost (p1's late speed is refused), and p1's early one.
      again.applyRemote([late, other, request, early]);
      // A node that never crashed, given the same versions and the same cut-off.
      const twin = await open(new MemoryStorage());
      twin.applyRemote([late, other, request]);
      twin.withdraw(cutoff, { meta: {} });
      twin.applyRemote([early]);
      // p1's write from before its removal shows on both, beside p2's.
      expect((await twin.get('e'))?.conflicts.length).toBeGreaterThan(0);
      expect(dump(storeOf(again), true)).toBe(dump(storeOf(twin), true));
      expect(await again.get('e')).toEqual(await twin.get('e'));
      await again.close();
      await twin.close();
    });
  }
});
