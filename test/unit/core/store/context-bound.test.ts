/** Issue 8: `seen` contexts are bounded by the entity's floor and latest tombstone (context-bound.ts). */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';

const X = 'x' as EntityId;
const ts = (ms: number, node: string): Timestamp => ({ ms, c: 0, node: node as NodeId });
const v = (kind: string, value: unknown, at: Timestamp, seen: Timestamp[] = []): Version => ({
  entity: X,
  kind: kind as ComponentKind,
  value: value as never,
  ts: at,
  seen,
});
const SELF = 'me' as NodeId;

/** 50 authors write one component in turn, each having seen the one before. */
function crowded(store: EntityStore, kind: string, from: number, value: (i: number) => unknown): void {
  let seen: Timestamp[] = [];
  for (let i = 0; i < 50; i++) {
    const at = ts(from + i, `w${i}`);
    store.apply(v(kind, value(i), at, seen));
    seen = store.contextFor(X, kind as ComponentKind, at.node);
  }
}

describe('contexts of local writes', () => {
  it('name every other author of the component while nothing is gone for good', () => {
    const store = new EntityStore();
    crowded(store, 'speed', 1_000, (i) => ({ kts: i }));
    expect(store.contextFor(X, 'speed' as ComponentKind, SELF)).toHaveLength(50);
  });

  it('leave out the authors whose writes a tombstone removed, and keep those written after it', () => {
    const store = new EntityStore();
    crowded(store, 'speed', 1_000, (i) => ({ kts: i }));
    store.apply(v(DELETED, null, ts(2_000, 'd')));
    expect(store.contextFor(X, 'speed' as ComponentKind, SELF)).toEqual([]);
    store.apply(v('speed', { kts: 1 }, ts(3_000, 'late')));
    expect(store.contextFor(X, 'speed' as ComponentKind, SELF)).toEqual([ts(3_000, 'late')]);
    // A tombstone does not remove expiries: their context keeps its authors.
    crowded(store, 'expiry', 1_100, (i) => ({ at: 10_000 + i }));
    expect(store.contextFor(X, 'expiry' as ComponentKind, SELF)).toHaveLength(50);
  });

  it('leave out the authors whose writes an expiry floor removed', () => {
    const store = new EntityStore();
    crowded(store, 'speed', 1_000, (i) => ({ kts: i }));
    store.apply(v('expiry', { at: 1_500 }, ts(1_200, 'x1'), store.contextFor(X, 'expiry' as ComponentKind, SELF)));
    store.purgeExpired(1_600);
    expect(store.state(X)?.floor).toBe(1_500);
    expect(store.contextFor(X, 'speed' as ComponentKind, SELF)).toEqual([]);
  });
});
