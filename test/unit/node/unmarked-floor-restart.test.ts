/**
 * Issue 8 ("zero divergence") at the node, with storage: a member drops a fired expiry from the
 * heads after its deadline with an expiry that carries no floor (test/unit/attack/hostile-floor-splits.test.ts).
 * The node that had fired it takes the floor away (EntityState.liftUnmarked) and must store that
 * (the entity's meta written again, EntityStore.lastApplyLifted): after a restart it takes back
 * what a peer that never fired the expiry still serves, and the two are one. Before, it kept the
 * floor and refused those versions for good.
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
const ts = (ms: number, node: string): Timestamp => ({ ms, c: 0, node: node as NodeId });
const version = (kind: string, value: unknown, at: Timestamp): Version => ({
  entity: 'x' as EntityId,
  kind: kind as ComponentKind,
  value: value as never,
  ts: at,
  seen: [],
});
const storeOf = (node: LatticeNode): EntityStore => (node as unknown as { parts: { store: EntityStore } }).parts.store;

describe('a fired floor dropped from the heads by an expiry without its floor, then a restart', () => {
  it('the node that fired it ends as the one that never did, once each serves the other', async () => {
    const speed = version('speed', { kts: 7 }, ts(T0, 'B'));
    const expiry = version('expiry', { at: T0 + 60 }, ts(T0 + 5, 'B'));
    // B's next expiry, after the deadline, without the floor the write door would have carried.
    const next = version('expiry', { at: T0 + 100_000 }, ts(T0 + 200, 'B'));

    const storage = new MemoryStorage();
    const clock = { now: T0 + 5 };
    const fired = await openTestNode({ storage, now: () => clock.now });
    fired.applyRemote([speed, expiry]);
    clock.now = T0 + 100;
    fired.tick();
    await fired.flushed();
    expect(await fired.get('x')).toBeUndefined();
    clock.now = T0 + 300;
    fired.applyRemote([next]);
    await fired.flushed();
    await fired.close();

    const late = await openTestNode({ storage: new MemoryStorage(), now: () => clock.now });
    late.applyRemote([speed, expiry, next]);
    late.tick();
    await late.flushed();
    expect((await late.get('x'))?.components.speed).toEqual({ kts: 7 });

    const again = await openTestNode({ storage: storage.reopen(), now: () => clock.now });
    again.tick();
    again.applyRemote([...storeOf(late).retained()]);
    late.applyRemote([...storeOf(again).retained()]);
    await again.flushed();
    await late.flushed();
    expect(storeOf(again).state('x' as EntityId)?.floor).toBeUndefined();
    expect(await again.get('x')).toEqual(await late.get('x'));
    expect(dump(storeOf(again), true)).toBe(dump(storeOf(late), true));
  });
});
