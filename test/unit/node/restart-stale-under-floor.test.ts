/**
 * Issue 8 ("zero divergence"), found by restart-vs-twin.test.ts: storage can hold a version beneath
 * its entity's stored expiry floor, a record the node no longer holds. Here a HIGH threat (the
 * priority lane, write-lane.ts) arrives written before an expiry's deadline, and the purge drops it
 * at once: the bulk commit that removes it and stores the floor waits for the priority commit that
 * puts it, which fails; the next attempt fails too while the bulk commit lands; the one after puts
 * the threat back, after its removal (write-behind.ts carries a failed commit into the next). The
 * restore took the floor without dropping the heads beneath it: the restarted node showed the
 * threat, the node that never restarted did not. Now a failed priority commit is not retried with
 * what the bulk lane wrote since (write-behind.ts, Batch.carry), and a store that holds a floor
 * holds no head beneath it, so the restore drops any it finds, and the open deletes them from
 * storage (RestoreLeftovers).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore, type RestoreLeftovers } from '../../../src/core/store/entity-store';
import { EXPIRY } from '../../../src/core/store/expiry-floor';
import { LatticeNode } from '../../../src/node/lattice-node';
import { versionKey, type StorageBatch } from '../../../src/ports/storage';
import { dump } from '../core/support/merge-sim';

const T0 = 1_700_000_000_000;
const e1 = 'e1' as EntityId;
const p1 = 'p1' as NodeId;
/** An expiry of e1 at T0 + 5, written at T0. */
const expiry: Version = { entity: e1, kind: EXPIRY, value: { at: T0 + 5 }, ts: { ms: T0, c: 0, node: p1 }, seen: [] };
/** A HIGH threat on e1 written at T0, before the expiry's deadline: the floor drops it. */
const threat: Version = {
  entity: e1,
  kind: 'threat' as ComponentKind,
  value: { level: 'HIGH' },
  ts: { ms: T0, c: 1, node: p1 },
  seen: [],
};

/** MemoryStorage whose next `failPriority` priority commits fail (a priority store that cannot write for a while). */
class FlakyPriorityStorage extends MemoryStorage {
  failPriority = 0;

  override commit(batch: StorageBatch): Promise<void> {
    if (batch.priority === true && this.failPriority > 0) {
      this.failPriority -= 1;
      return Promise.reject(new Error('the priority store cannot write'));
    }
    return super.commit(batch);
  }
}

const storeOf = (node: LatticeNode): EntityStore => (node as unknown as { parts: { store: EntityStore } }).parts.store;

describe('a version stored beneath its entity’s floor', () => {
  beforeEach(() => {
    // The write-behind retries a failed commit after a backoff (setTimeout): run it without waiting.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is not restored when a retried priority commit put it back after the floor landed', async () => {
    const clock = { now: T0 };
    const storage = new FlakyPriorityStorage();
    const open = (): Promise<LatticeNode> =>
      LatticeNode.open({
        nodeId: 'n1' as NodeId,
        lattice: 'test',
        storage: new MemoryStorage({ backing: storage.backing }),
        backend: 'memory',
        now: () => clock.now,
        newId: () => 'x',
        scheduleChanges: (fn) => queueMicrotask(fn),
      });
    const node = await LatticeNode.open({
      nodeId: 'n1' as NodeId,
      lattice: 'test',
      storage,
      backend: 'memory',
      now: () => clock.now,
      newId: () => 'x',
      scheduleChanges: (fn) => queueMicrotask(fn),
    });
    node.applyRemote([structuredClone(expiry)]);
    await node.durable();

    storage.failPriority = 2;
    node.applyRemote([structuredClone(threat)]);
    // Its deadline passes before the threat's commit runs: the purge drops the threat and raises the floor.
    clock.now = T0 + 5;
    node.tick();
    const durable = node.durable();
    await vi.runAllTimersAsync();
    await durable;

    const live = storeOf(node);
    expect(live.holds(threat)).toBe(false);
    expect(live.snapshot().entities.find((m) => m.id === e1)?.floor).toBe(T0 + 5);
    // The retried priority commit does not put back what the bulk commit removed after it.
    expect(storage.backing.versions.has(versionKey(threat))).toBe(false);
    const before = dump(live, true);
    await node.close();

    const restarted = await open();
    expect(dump(storeOf(restarted), true)).toBe(before);
    await restarted.close();
  });

  // Whatever left it there (a write-behind of an older build, a commit that landed late), the
  // restore does not take it as a head, and the open deletes it, so no later restart loads it again.
  it('is dropped by the restore and left over for storage to delete', () => {
    const live = new EntityStore();
    live.apply(structuredClone(expiry));
    live.purgeExpired(T0 + 5);
    const meta = live.snapshot().entities.find((m) => m.id === e1);
    expect(meta?.floor).toBe(T0 + 5);
    const leftovers: RestoreLeftovers = { versions: [], rewrite: new Set() };
    const restored = EntityStore.restore(
      { versions: [structuredClone(expiry), structuredClone(threat)], entities: [meta!] },
      {},
      leftovers,
    );
    expect(restored.holds(threat)).toBe(false);
    expect(dump(restored, true)).toBe(dump(live, true));
    expect(leftovers.versions.map((v) => versionKey(v))).toEqual([versionKey(threat)]);
  });
});
