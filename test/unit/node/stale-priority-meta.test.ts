/**
 * Issue 8 (a restart equals the running node): a priority write's entity meta, enqueued while the
 * priority lane has a commit in flight and before any bulk work on that entity (so leaveToBulk lets
 * it go ahead), is committed AFTER a bulk commit enqueued later that carries a newer meta of the
 * same entity. Storage applies commits in call order, so the older meta wins and the newer one (a
 * floor, evidence, knowledge) is lost from storage although its bulk commit landed.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { ComponentKind, EntityId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { WriteBehind } from '../../../src/node/write-behind';
import type { EntityMeta, StorageBatch } from '../../../src/ports/storage';

/** Applies each commit at call (call order), lands it when the test says so. */
class Gated extends MemoryStorage {
  readonly gates: { batch: StorageBatch; land: () => void }[] = [];
  override commit(batch: StorageBatch): Promise<void> {
    const applied = super.commit(batch);
    return new Promise<void>((resolve) => this.gates.push({ batch, land: () => void applied.then(resolve) }));
  }
}
const v = (entity: string, ms: number, kind = 'approval'): Version => ({
  entity: entity as EntityId,
  kind: kind as ComponentKind,
  value: { n: ms },
  ts: { ms, c: 0, node: 'n1' as never },
  seen: [],
});
const tick = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('write-behind: an older priority meta lands after a newer bulk meta', () => {
  it('the stored meta of x is the newest one enqueued', async () => {
    const storage = new Gated();
    const wb = new WriteBehind(storage);
    // P0: a priority commit on another entity, in flight.
    void wb.enqueue([v('y', 1)], [], undefined, [], undefined, 'priority');
    await tick();
    expect(storage.gates.length).toBe(1);
    // P1: a priority write on x with x's meta as the store knows it now (no floor).
    const older: EntityMeta = { id: 'x' as EntityId, knowledge: [] };
    const p1 = wb.enqueue([v('x', 2)], [], undefined, [older], undefined, 'priority');
    // B: a bulk write on x (a purge raising x's floor), enqueued after: its meta is newer.
    const newer: EntityMeta = { id: 'x' as EntityId, knowledge: [], floor: 5 };
    const b = wb.enqueue([v('x', 3, 'position')], [], undefined, [newer], undefined, 'bulk');
    await tick();
    // B's commit started while P1 waits behind P0; P1's commit is called after it.
    for (let i = 0; i < 10 && storage.gates.length > 0; i++) {
      storage.gates.shift()!.land();
      await tick();
    }
    await Promise.all([p1, b]);
    expect(storage.gates.length).toBe(0);
    const metas = await storage.loadEntityMeta();
    expect(metas.find((m) => m.id === 'x')?.floor).toBe(5);
  });
});
