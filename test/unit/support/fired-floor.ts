import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import type { LatticeNode } from '../../../src/node/lattice-node';
import type { StoragePort } from '../../../src/ports/storage';
import { openTestNode } from './test-node';

/**
 * A floor fired on entity x and then dropped from the heads by an expiry without it, around a
 * restart (unmarked-floor-restart.test.ts, lifted-floor-back-after-restart.test.ts).
 */

export const T0 = 1_700_000_000_000;
export const ts = (ms: number, node: string): Timestamp => ({ ms, c: 0, node: node as NodeId });
export const version = (kind: string, value: unknown, at: Timestamp, entity = 'x'): Version => ({
  entity: entity as EntityId,
  kind: kind as ComponentKind,
  value: value as never,
  ts: at,
  seen: [],
});

/**
 * B's speed of x, B's expiry of x (deadline T0 + 60), and B's next expiry, after the deadline,
 * without the floor the write door would have carried.
 */
export function floorVersions(): { readonly speed: Version; readonly expiry: Version; readonly next: Version } {
  return {
    speed: version('speed', { kts: 7 }, ts(T0, 'B')),
    expiry: version('expiry', { at: T0 + 60 }, ts(T0 + 5, 'B')),
    next: version('expiry', { at: T0 + 100_000 }, ts(T0 + 200, 'B')),
  };
}

/**
 * A node on `storage` that took `speed` and `expiry` at `clock.now` (T0 + 5 in the tests), then
 * fired the expiry at T0 + 100 (clock.now is left there), its commits done.
 */
export async function openFired(
  storage: StoragePort,
  clock: { now: number },
  { speed, expiry }: { readonly speed: Version; readonly expiry: Version },
): Promise<LatticeNode> {
  const fired = await openTestNode({ storage, now: () => clock.now });
  fired.applyRemote([speed, expiry]);
  clock.now = T0 + 100;
  fired.tick();
  await fired.flushed();
  return fired;
}
