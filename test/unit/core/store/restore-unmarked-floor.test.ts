/**
 * Issue 8 (a restart equals the running node), the restore's side: a stored meta may name a fired
 * floor that no stored expiry head has the deadline of any more (a meta that outlived the versions
 * that justified it: stored late, or stale, or written by an older build). The running store takes
 * such a floor away as the last head at its deadline leaves (EntityState.liftUnmarked), unless a
 * floor an expiry carried covers it; the restore applies the same rule (EntityState.restoreFloor), so
 * the restored store holds what a store that never restarted holds, and storage is told to rewrite
 * the meta (RestoreLeftovers.rewrite). Before, the floor stood for good: nothing lifts a floor no
 * head marks, and what peers serve again beneath it was refused there and shown by its twin.
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore, type RestoreLeftovers } from '../../../../src/core/store/entity-store';
import { EXPIRY } from '../../../../src/core/store/expiry-floor';
import { dump } from '../support/merge-sim';

const T0 = 1_700_000_000_000;
const X = 'x' as EntityId;
const ts = (ms: number, node: string): Timestamp => ({ ms, c: 0, node: node as NodeId });
const version = (kind: ComponentKind | string, value: unknown, at: Timestamp, seen: Timestamp[] = []): Version => ({
  entity: X,
  kind: kind as ComponentKind,
  value: value as never,
  ts: at,
  seen,
});
const speed = version('speed', { kts: 7 }, ts(T0, 'B'));
const expiry = version(EXPIRY, { at: T0 + 60 }, ts(T0 + 5, 'B'));

/** A store that fired `expiry` (floor T0 + 60), the meta it stored then, and `after` applied since. */
function fired(after: Version): { live: EntityStore; stale: ReturnType<EntityStore['snapshot']>['entities'][number] } {
  const live = new EntityStore();
  live.apply(structuredClone(speed));
  live.apply(structuredClone(expiry));
  live.purgeExpired(T0 + 100);
  const stale = live.snapshot().entities.find((m) => m.id === X)!;
  expect(stale.floor).toBe(T0 + 60);
  live.apply(structuredClone(after));
  return { live, stale };
}

function restore(
  live: EntityStore,
  meta: ReturnType<EntityStore['snapshot']>['entities'][number],
): { restored: EntityStore; leftovers: RestoreLeftovers } {
  const leftovers: RestoreLeftovers = { versions: [], rewrite: new Set() };
  const versions = [...live.versions()].map((v) => structuredClone(v));
  return { restored: EntityStore.restore({ versions, entities: [structuredClone(meta)] }, {}, leftovers), leftovers };
}

describe('restoring a fired floor that no stored expiry head marks', () => {
  it('takes it away, as the store that never restarted did', () => {
    // B's next expiry, after the deadline, without the floor its write door would have carried: it
    // takes the marker out of the heads, and the running store lifts the floor.
    const { live, stale } = fired(version(EXPIRY, { at: T0 + 100_000 }, ts(T0 + 200, 'B')));
    expect(live.state(X)?.floor).toBeUndefined();
    // Storage kept the meta of before the lift beside the versions of after it.
    const { restored, leftovers } = restore(live, stale);
    expect(restored.state(X)?.floor).toBeUndefined();
    expect(dump(restored, true)).toBe(dump(live, true));
    expect([...leftovers.rewrite]).toEqual([X]);
    // What a peer that never fired the expiry serves again is taken, as by the running store.
    expect(restored.apply(structuredClone(speed)).kind).toBe('applied');
    expect(live.apply(structuredClone(speed)).kind).toBe('applied');
    expect(dump(restored, true)).toBe(dump(live, true));
  });

  it('a meta without markers (an older build) is lifted too, and one whose marker is held stands', () => {
    const { live, stale } = fired(version(EXPIRY, { at: T0 + 100_000 }, ts(T0 + 200, 'B')));
    const { floorMarkers: _, ...older } = stale;
    expect(restore(live, older).restored.state(X)?.floor).toBeUndefined();
    // Nothing took the marker out: the floor stands, restored with or without the markers field.
    const { live: standing, stale: meta } = fired(version('course', { deg: 1 }, ts(T0 + 200, 'C')));
    expect(standing.state(X)?.floor).toBe(T0 + 60);
    const { floorMarkers: __, ...withoutMarkers } = standing.snapshot().entities.find((m) => m.id === X)!;
    for (const m of [meta, withoutMarkers]) {
      const { restored, leftovers } = restore(standing, m);
      expect(restored.state(X)?.floor).toBe(T0 + 60);
      expect(dump(restored, true)).toBe(dump(standing, true));
      expect(leftovers.rewrite.size).toBe(0);
    }
  });

  it('a floor an expiry carried stands without a head at its deadline', () => {
    // B's next expiry carries the floor (an honest write door): no expiry can take it away.
    const { live, stale } = fired(version(EXPIRY, { at: T0 + 100_000, floor: T0 + 60 }, ts(T0 + 200, 'B')));
    expect(live.state(X)?.floor).toBe(T0 + 60);
    // The stale meta knows nothing of the carried floor; the stored expiry that carries it does.
    for (const meta of [stale, live.snapshot().entities.find((m) => m.id === X)!]) {
      const { restored, leftovers } = restore(live, meta);
      expect(restored.state(X)?.floor).toBe(T0 + 60);
      expect(dump(restored, true)).toBe(dump(live, true));
      expect(leftovers.rewrite.size).toBe(0);
    }
  });
});
