/**
 * Attack (session 25, `h25-attack`) on the restore's lift of a fired floor no stored expiry head
 * marks (EntityState.restoreFloor): the promise is that an expired entity stays gone everywhere
 * unless a write made after its expiry revives it (docs/architecture.md, "Expiry"). A member tries
 * to bring an expired track back through a restart: after the floor fired, it sends an equivocating
 * twin of the marker expiry (same stamp, another deadline), with and without the restart between,
 * then replays the track's pre-expiry versions. The reopened node must equal a twin that never
 * restarted and was given the same, and neither may show the replayed track while a floor stands.
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
const version = (kind: string, value: unknown, at: Timestamp, seen: Timestamp[] = []): Version => ({
  entity: X,
  kind: kind as ComponentKind,
  value: value as never,
  ts: at,
  seen,
});
const storeOf = (node: LatticeNode): EntityStore => (node as unknown as { parts: { store: EntityStore } }).parts.store;

const speed = version('speed', { kts: 7 }, ts(T0, 'B'));
const course = version('course', { deg: 90 }, ts(T0 + 1, 'C'));
const expiry = version('expiry', { at: T0 + 60 }, ts(T0 + 5, 'B'));
/** Twins of the marker: same stamp, another deadline (earlier, later, far later). */
const twins = [T0 + 30, T0 + 31, T0 + 32, T0 + 90, T0 + 91, T0 + 92, T0 + 100_000, T0 + 100_001, T0 + 100_002].map(
  (at) => version('expiry', { at }, ts(T0 + 5, 'B')),
);

describe('bringing an expired track back through a restart', () => {
  for (const twin of twins) {
    for (const when of ['before', 'after'] as const) {
      it(`a twin of the marker (deadline +${(twin.value as { at: number }).at - T0} ms) ${when} the restart, then the track replayed`, async () => {
        const storage = new MemoryStorage();
        const clock = { now: T0 + 5 };
        const live = await openTestNode({ storage, now: () => clock.now });
        const never = await openTestNode({ storage: new MemoryStorage(), now: () => clock.now });
        for (const n of [live, never]) n.applyRemote([speed, course, expiry]);
        clock.now = T0 + 100;
        for (const n of [live, never]) n.tick();
        await live.flushed();
        if (when === 'before') {
          for (const n of [live, never]) n.applyRemote([structuredClone(twin)]);
          await live.flushed();
        }
        await live.close();
        const again = await openTestNode({ storage: storage.reopen(), now: () => clock.now });
        again.tick();
        if (when === 'after') for (const n of [again, never]) n.applyRemote([structuredClone(twin)]);
        clock.now = T0 + 200;
        for (const n of [again, never]) {
          n.tick();
          n.applyRemote([structuredClone(speed), structuredClone(course)]);
          n.tick();
        }
        await again.flushed();
        expect(dump(storeOf(again), true)).toBe(dump(storeOf(never), true));
        const floor = storeOf(again).state(X)?.floor;
        console.log(
          `twin ${when}: floor ${floor === undefined ? 'none' : floor - T0}, speed ${JSON.stringify((await again.get('x'))?.components.speed)}`,
        );
        if (floor !== undefined && floor >= T0 + 1) {
          expect((await again.get('x'))?.components.speed).toBeUndefined();
          expect((await again.get('x'))?.components.course).toBeUndefined();
        }
        await again.close();
        await never.close();
      });
    }
  }
});
