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
import type { EntityId } from '../../../src/core/ids';
import { dump } from '../core/support/merge-sim';
import { floorVersions, openFired, T0 } from '../support/fired-floor';
import { openTestNode, storeOf } from '../support/test-node';

describe('a fired floor dropped from the heads by an expiry without its floor, then a restart', () => {
  it('the node that fired it ends as the one that never did, once each serves the other', async () => {
    // next: B's next expiry, after the deadline, without the floor the write door would have carried.
    const { speed, expiry, next } = floorVersions();

    const storage = new MemoryStorage();
    const clock = { now: T0 + 5 };
    const fired = await openFired(storage, clock, { speed, expiry });
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
