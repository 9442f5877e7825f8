import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';

const E = 'trk-7' as EntityId;
const v = (kind: string, value: Version['value'], ms: number, node = 'a'): Version => ({
  entity: E,
  kind: kind as ComponentKind,
  value,
  ts: { ms, c: 0, node: node as NodeId },
  seen: [],
});

describe('expiry purge', () => {
  it('drops the expiry and what was written up to it, and keeps later writes to a reused id', () => {
    const store = new EntityStore();
    store.apply(v('position', { lat: 1, lon: 1 }, 100));
    store.apply(v('expiry', { at: 1_000 }, 100));
    // The id is reused after expiry by another sensor whose write arrives before the purge tick.
    store.apply(v('threat', { level: 'HIGH' }, 1_500, 'b'));
    expect(store.view(E, 1_200)).toBeUndefined();
    const purged = store.purgeExpired(1_200);
    expect(purged.map((p) => p.kind).sort()).toEqual(['expiry', 'position']);
    expect(store.view(E, 1_200)?.components).toEqual({ threat: { level: 'HIGH' } });
    expect(store.size).toBe(1);
  });

  it('removes the entity entirely, leaving no tombstone, when nothing is newer than the expiry', () => {
    const store = new EntityStore();
    store.apply(v('position', { lat: 1, lon: 1 }, 100));
    store.apply(v('position', { lat: 2, lon: 1 }, 150, 'b'));
    store.apply(v('expiry', { at: 1_000 }, 100));
    expect(store.purgeExpired(999)).toEqual([]);
    expect(store.purgeExpired(1_000).length).toBe(3);
    expect(store.entityCount).toBe(0);
    expect(store.size).toBe(0);
  });
});
