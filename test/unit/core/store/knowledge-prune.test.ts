/**
 * What a register learned is pruned at the entity's expiry floor and latest tombstone
 * (docs/architecture.md, "Bounds"): after a delete or an expiry, the knowledge names only the
 * authors who wrote since, whatever the order things arrive in.
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';

const E = 'trk-9' as EntityId;
const ts = (ms: number, node: string): Timestamp => ({ ms, c: 0, node: node as NodeId });
const v = (kind: string, value: Version['value'], t: Timestamp, seen: Timestamp[] = []): Version => ({
  entity: E,
  kind: kind as ComponentKind,
  value,
  ts: t,
  seen,
});

/** 30 authors write the position, each having seen the one before. */
function crowd(): Version[] {
  const out: Version[] = [];
  for (let i = 0; i < 30; i++) {
    const seen = i === 0 ? [] : [out[i - 1]!.ts];
    out.push(v('position', { lat: i, lon: 1 }, ts(100 + i, `n${i}`), seen));
  }
  return out;
}

const authors = (store: EntityStore, kind: string): string[] => {
  const k = store.state(E)?.knowledgeOf(kind as ComponentKind);
  return k === undefined ? [] : [...new Set([...k.own, ...k.seen].map((t) => t.node))].sort();
};

describe('knowledge pruned at the floor and the tombstone', () => {
  it('forgets every author written before the expiry once it is purged; a later writer is all it knows', () => {
    const store = new EntityStore();
    for (const x of crowd()) store.apply(x);
    store.apply(v('expiry', { at: 1_000 }, ts(200, 'n0')));
    expect(authors(store, 'position')).toHaveLength(30);
    store.purgeExpired(1_000);
    expect(store.state(E)?.knowledgeOf('position' as ComponentKind)).toBeUndefined();
    store.apply(v('position', { lat: 5, lon: 5 }, ts(1_500, 'z')));
    expect(authors(store, 'position')).toEqual(['z']);
    // The old writes, delivered again by a peer that had not purged, are refused and teach nothing.
    for (const x of crowd()) expect(store.apply(x).kind).toBe('obsolete');
    expect(authors(store, 'position')).toEqual(['z']);
    expect(store.contextFor(E, 'position' as ComponentKind, 'me' as NodeId)).toEqual([ts(1_500, 'z')]);
  });

  it('forgets what a tombstone removes, not the expiry, and learns the same in either order', () => {
    const tomb = v(DELETED, null, ts(300, 'd'), [ts(129, 'n29')]);
    const expiry = v('expiry', { at: 5_000 }, ts(150, 'n3'));
    const late = v('position', { lat: 9, lon: 9 }, ts(400, 'w'), [ts(129, 'n29'), ts(300, 'd')]);
    const first = new EntityStore();
    for (const x of [...crowd(), expiry, tomb, late]) first.apply(x);
    const second = new EntityStore();
    for (const x of [late, tomb, expiry, ...crowd().reverse()]) second.apply(x);
    for (const store of [first, second]) {
      expect(authors(store, 'position')).toEqual(['w']);
      expect(authors(store, 'expiry')).toEqual(['n3']);
    }
    const meta = (store: EntityStore) => {
      const m = store.state(E)!.meta();
      return { ...m, knowledge: [...m.knowledge].sort((a, b) => (a.kind < b.kind ? -1 : 1)) };
    };
    expect(meta(first)).toEqual(meta(second));
  });

  it('keeps the pruned knowledge across a snapshot and restore', () => {
    const store = new EntityStore();
    for (const x of crowd()) store.apply(x);
    store.apply(v('expiry', { at: 1_000 }, ts(200, 'n0')));
    // A snapshot taken before the purge, restored with the floor a later one kept.
    const snap = store.snapshot();
    store.purgeExpired(1_000);
    const restored = EntityStore.restore({
      versions: snap.versions,
      entities: store.snapshot().entities.map((m) => ({ ...m, knowledge: snap.entities[0]!.knowledge })),
    });
    expect(restored.state(E)?.knowledgeOf('position' as ComponentKind)).toBeUndefined();
    expect(restored.state(E)!.meta()).toEqual(store.state(E)!.meta());
  });
});
