/**
 * Issue 8 (a restart equals the running node): a priority write's entity meta waits in the priority
 * lane behind a priority commit in flight; a bulk delivery on the same entity (twins: evidence,
 * kept only in the entity meta) is enqueued after it and its commit called first. The priority
 * commit, called after, stores the older meta over the newer one: the restarted node lost the
 * evidence the live node holds (and relayed once its bulk commit landed).
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import type { EntityStore } from '../../../src/core/store/entity-store';
import type { LatticeNode } from '../../../src/node/lattice-node';
import type { StorageBatch } from '../../../src/ports/storage';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
class GatedStorage extends MemoryStorage {
  gate: Promise<void> | undefined;
  override async commit(batch: StorageBatch): Promise<void> {
    await super.commit(batch);
    if (batch.priority === true && this.gate !== undefined) await this.gate;
  }
}
const open = (storage: MemoryStorage): Promise<LatticeNode> => openTestNode({ storage, now: () => T0 });
const storeOf = (node: LatticeNode): EntityStore => (node as unknown as { parts: { store: EntityStore } }).parts.store;
const at = (entity: string, kind: string, value: unknown, ms: number, ctx = false): Version => ({
  entity: entity as EntityId,
  kind: kind as ComponentKind,
  value: value as never,
  ts: { ms, c: 0, node: 'p1' as NodeId },
  seen: ctx ? [{ ms: ms - 10, c: 0, node: 'p9' as NodeId }] : [],
});
const evidenceOf = (node: LatticeNode): string =>
  JSON.stringify(
    [...storeOf(node).evidence()].map((v) => `${v.entity}/${v.kind}@${v.ts.ms}=${JSON.stringify(v.value)}`).sort(),
  );
const wait = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('write-behind: an older priority meta stored over a newer bulk meta', () => {
  it('restarts holding the evidence the live node holds', async () => {
    const storage = new GatedStorage();
    const node = await open(storage);
    // e1 has a meta: twins of its speed, the loser kept as evidence (durable).
    node.applyRemote([at('e1', 'speed', { kts: 1 }, T0 - 200), at('e1', 'speed', { kts: 2 }, T0 - 200, true)]);
    await node.durable();
    let release!: () => void;
    storage.gate = new Promise((r) => (release = r));
    node.applyRemote([at('e0', 'threat', { level: 'HIGH' }, T0 - 100)]); // priority commit in flight, held
    await wait();
    node.applyRemote([at('e1', 'threat', { level: 'HIGH' }, T0 - 90)]); // priority, waits; carries e1's meta
    // A bulk delivery on e1: twins of its course, the loser kept as evidence in e1's meta.
    node.applyRemote([at('e1', 'course', { deg: 1 }, T0 - 80), at('e1', 'course', { deg: 2 }, T0 - 80, true)]);
    await wait();
    release();
    storage.gate = undefined;
    await node.durable();
    const live = evidenceOf(node);
    expect(live).toContain('course');
    await node.close();
    const again = await open(storage.reopen());
    expect(evidenceOf(again)).toBe(live);
    await again.close();
  });
});
