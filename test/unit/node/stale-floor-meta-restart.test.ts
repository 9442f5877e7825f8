/**
 * Issue 8 (a restart equals the running node), the restore's defence: whatever leaves storage with
 * an entity meta older than its versions (a fired floor whose marker a later expiry took out of the
 * heads, the lift's meta lost: lifted-floor-back-after-restart.test.ts was one such way), the open
 * lifts a floor no stored expiry head marks, as the running node did (EntityState.restoreFloor), and
 * rewrites the meta. Before, the floor stood for good and the node refused what a peer that never
 * fired the expiry serves, which the node that never restarted shows.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import type { EntityStore } from '../../../src/core/store/entity-store';
import type { LatticeNode } from '../../../src/node/lattice-node';
import { dump } from '../core/support/merge-sim';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const X = 'x' as EntityId;
const ts = (ms: number, node: string): Timestamp => ({ ms, c: 0, node: node as NodeId });
const version = (kind: string, value: unknown, at: Timestamp): Version => ({
  entity: X,
  kind: kind as ComponentKind,
  value: value as never,
  ts: at,
  seen: [],
});
const storeOf = (node: LatticeNode): EntityStore => (node as unknown as { parts: { store: EntityStore } }).parts.store;

describe('a stored meta with a fired floor no stored expiry head marks', () => {
  it('is lifted at the open and rewritten: the reopened node equals the one that never restarted', async () => {
    const speed = version('speed', { kts: 7 }, ts(T0, 'B'));
    const expiry = version('expiry', { at: T0 + 60 }, ts(T0 + 5, 'B'));
    // B's next expiry, after the deadline, carrying no floor: the marker leaves the heads.
    const next = version('expiry', { at: T0 + 100_000 }, ts(T0 + 200, 'B'));
    const storage = new MemoryStorage();
    const clock = { now: T0 + 5 };
    const live = await openTestNode({ storage, now: () => clock.now });
    live.applyRemote([speed, expiry]);
    clock.now = T0 + 100;
    live.tick();
    await live.flushed();
    const stale = structuredClone(storage.backing.entities.get(X));
    expect(stale?.floor).toBe(T0 + 60);
    clock.now = T0 + 300;
    live.applyRemote([next]);
    await live.flushed();
    expect(storeOf(live).state(X)?.floor).toBeUndefined();
    await live.close();
    // The meta of before the lift, beside the versions of after it.
    storage.backing.entities.set(X, stale!);

    const again = await openTestNode({ storage: storage.reopen(), now: () => clock.now });
    again.tick();
    expect(storeOf(again).state(X)?.floor).toBeUndefined();
    await again.flushed();
    expect(storage.backing.entities.get(X)?.floor).toBeUndefined();
    // A peer that never fired the expiry serves the speed: both take it.
    const twin = await openTestNode({ storage: new MemoryStorage(), now: () => clock.now });
    twin.applyRemote([speed, expiry, next]);
    twin.tick();
    again.applyRemote([speed]);
    await again.flushed();
    expect((await again.get('x'))?.components.speed).toEqual({ kts: 7 });
    expect(dump(storeOf(again), true)).toBe(dump(storeOf(twin), true));
    await again.close();
    await twin.close();
  });
});
