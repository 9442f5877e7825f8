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
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import type { EntityStore } from '../../../src/core/store/entity-store';
import type { LatticeNode } from '../../../src/node/lattice-node';
import type { StorageBatch } from '../../../src/ports/storage';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const ts = (ms: number, node: string): Timestamp => ({ ms, c: 0, node: node as NodeId });
const version = (kind: string, value: unknown, at: Timestamp, entity = 'x'): Version => ({
  entity: entity as EntityId,
  kind: kind as ComponentKind,
  value: value as never,
  ts: at,
  seen: [],
});
const storeOf = (node: LatticeNode): EntityStore => (node as unknown as { parts: { store: EntityStore } }).parts.store;
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
    const speed = version('speed', { kts: 7 }, ts(T0, 'B'));
    const expiry = version('expiry', { at: T0 + 60 }, ts(T0 + 5, 'B'));
    const next = version('expiry', { at: T0 + 100_000 }, ts(T0 + 200, 'B'));
    const storage = new GatedStorage();
    const clock = { now: T0 + 5 };
    const fired = await openTestNode({ storage, now: () => clock.now });
    fired.applyRemote([speed, expiry]);
    clock.now = T0 + 100;
    fired.tick();
    await fired.flushed();
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
