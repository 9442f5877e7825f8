import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';

const E = 'trk-7' as EntityId;
const v = (kind: string, value: Version['value'], ms: number, node = 'a'): Version => ({
  entity: E,
  kind: kind as ComponentKind,
  value,
  ts: { ms, c: 0, node: node as NodeId },
  seen: [],
});

describe('expiry purge', () => {
  it('drops what was written up to the expiry, keeps the expiry as the floor and later writes to a reused id', () => {
    const store = new EntityStore();
    store.apply(v('position', { lat: 1, lon: 1 }, 100));
    store.apply(v('expiry', { at: 1_000 }, 100));
    // The id is reused after expiry by another sensor whose write arrives before the purge tick.
    store.apply(v('threat', { level: 'HIGH' }, 1_500, 'b'));
    // Past the expiry only what was written after it shows, whether or not purge has run yet.
    expect(store.view(E, 1_200)?.components).toEqual({ threat: { level: 'HIGH' } });
    expect(store.view(E, 999)?.components).toEqual({
      position: { lat: 1, lon: 1 },
      expiry: { at: 1_000 },
      threat: { level: 'HIGH' },
    });
    const purged = store.purgeExpired(1_200);
    expect(purged.map((p) => p.kind)).toEqual(['position']);
    expect(store.view(E, 1_200)?.components).toEqual({ threat: { level: 'HIGH' } });
    expect(store.size).toBe(2);
  });

  it('leaves only the expiry, as the floor, when nothing is newer than it, and refuses older versions later', () => {
    const store = new EntityStore();
    const old = v('position', { lat: 1, lon: 1 }, 100);
    store.apply(old);
    store.apply(v('position', { lat: 2, lon: 1 }, 150, 'b'));
    const expiry = v('expiry', { at: 1_000 }, 100);
    store.apply(expiry);
    expect(store.purgeExpired(999)).toEqual([]);
    expect(store.purgeExpired(1_000).length).toBe(2);
    expect([...store.versions()]).toEqual([expiry]);
    expect(store.entityCount).toBe(1);
    expect(store.size).toBe(1);
    // A peer that had not purged (or anti-entropy) delivers the old versions again: refused.
    expect(store.apply(old).kind).toBe('obsolete');
    expect(store.apply(expiry).kind).toBe('duplicate');
    expect(store.apply(v('position', { lat: 3, lon: 3 }, 1_000, 'c')).kind).toBe('obsolete');
    expect(store.view(E, 5_000)).toBeUndefined();
    // A write made after the expiry revives the entity, with only what was written after it.
    expect(store.apply(v('speed', { kts: 4 }, 1_001, 'c')).kind).toBe('applied');
    expect(store.view(E, 5_000)?.components).toEqual({ speed: { kts: 4 } });
  });
});
