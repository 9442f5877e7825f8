/**
 * Issue 8 (a restart equals the running node): unmarked-floor-restart.test.ts with one priority
 * write on x waiting behind a priority commit in flight. The lift (EntityState.liftUnmarked) is
 * stored by the bulk commit of `next`, but the waiting priority commit, called after it, stores x's
 * older meta (floor, markers) over it. On restart the floor comes back with no expiry head at its
 * deadline, so liftUnmarked never takes it away again: the restarted node refuses what the never-
 * restarted one shows.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { EntityId } from '../../../src/core/ids';
import type { StorageBatch } from '../../../src/ports/storage';
import { floorVersions, openFired, T0, ts, version } from '../support/fired-floor';
import { openTestNode, storeOf } from '../support/test-node';

class GatedStorage extends MemoryStorage {
  gate: Promise<void> | undefined;
  override async commit(batch: StorageBatch): Promise<void> {
    await super.commit(batch);
    if (batch.priority === true && this.gate !== undefined) await this.gate;
  }
}
const wait = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('write-behind: a lifted floor brought back by an older priority meta', () => {
  it('the restarted node equals the one that never restarted', async () => {
    const { speed, expiry, next } = floorVersions();
    const storage = new GatedStorage();
    const clock = { now: T0 + 5 };
    const fired = await openFired(storage, clock, { speed, expiry });
    clock.now = T0 + 300;
    let release!: () => void;
    storage.gate = new Promise((r) => (release = r));
    fired.applyRemote([version('threat', { level: 'HIGH' }, ts(T0 + 210, 'C'), 'y')]); // in flight, held
    await wait();
    fired.applyRemote([version('threat', { level: 'HIGH' }, ts(T0 + 220, 'C'))]); // waits; carries x's meta (floor)
    fired.applyRemote([next]); // lifts the floor: a bulk commit with x's meta without it, called first
    await wait();
    release();
    storage.gate = undefined;
    await fired.flushed();
    expect(storeOf(fired).state('x' as EntityId)?.floor).toBeUndefined();
    await fired.close();

    const again = await openTestNode({ storage: storage.reopen(), now: () => clock.now });
    again.tick();
    expect(storeOf(again).state('x' as EntityId)?.floor).toBeUndefined();
    // A peer that never fired the expiry serves the speed: the live node (above) took it back.
    again.applyRemote([speed]);
    await again.flushed();
    expect((await again.get('x'))?.components.speed).toEqual({ kts: 7 });
    await again.close();
  });
});
