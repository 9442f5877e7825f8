/**
 * Issue 8 ("zero divergence", "a damaged database never bricks a node"): when a delivered expiry
 * takes an expiry floor away (EntityState.liftFloor), the entity's stored meta is written again
 * (EntityStore.lastApplyLifted, src/node/entity-meta.ts). The meta stored at the purge names the
 * floor and the tombstone time the lift took away; restored after a restart, it made the node refuse
 * for good the older versions its peers serve, which it showed before the restart.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const ts = (ms: number, node: string, c = 0): Timestamp => ({ ms, c, node: node as NodeId });
const version = (entity: string, kind: string, value: unknown, at: Timestamp, seen: Timestamp[] = []): Version => ({
  entity: entity as EntityId,
  kind: kind as ComponentKind,
  value: value as never,
  ts: at,
  seen,
});
async function open(storage: MemoryStorage, clock: { now: number }) {
  return openTestNode({
    storage,
    now: () => clock.now,
  });
}

describe('a floor lifted by a delivered expiry, then a restart', () => {
  it('restores the entity as it was before the restart, and takes what peers serve again', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const node = await open(storage, clock);
    const expiry = version('x', 'expiry', { at: T0 + 60 }, ts(T0, 'B'));
    const speed = version('x', 'speed', { kts: 7 }, ts(T0 + 5, 'B'));
    clock.now = T0 + 5;
    node.applyRemote([expiry, speed]);
    clock.now = T0 + 10;
    await node.remove('x');
    const later = version('x', 'expiry', { at: T0 + 10_000 }, ts(T0 + 9, 'B'));
    clock.now = T0 + 60;
    node.tick();
    await node.flushed();
    node.applyRemote([later]);
    node.applyRemote([speed]);
    await node.flushed();
    const before = await node.get('x');
    await node.close();
    const again = await open(storage.reopen(), clock);
    again.applyRemote([speed]);
    await again.flushed();
    expect(await again.get('x')).toEqual(before);
    expect(before?.components.speed).toEqual({ kts: 7 });
  });
});
