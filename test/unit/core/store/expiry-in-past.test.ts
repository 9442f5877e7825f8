/**
 * Issue 8 ("zero divergence"): an expiry whose deadline is at or before its own write's time (a
 * deadline in the past, which only a buggy or hostile member writes: the local door refuses it) is
 * refused by the store on every node, as a function of the version alone (docs/architecture.md,
 * "Expiry"). Taken, it left replicas with different floors: one that had fired an earlier expiry
 * kept that floor when the past deadline below it superseded it, one that had not yet fired took
 * the past deadline as its floor, and the versions written between the two stayed shown on one only.
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { expiryRefusal } from '../../../../src/core/store/expiry-floor';
import { dump } from '../support/merge-sim';
import { node } from '../support/sim-node';

const X = 'x' as EntityId;
const T0 = 1_700_000_000_000;

/**
 * n0 writes x's position, an expiry at T0+1000 (e1) and, before it, a position at T0+900. m, a
 * member after e1's deadline, writes over e1 an expiry at T0+800: before its own time.
 */
function history(): { base: Version[]; past: Version } {
  const n0 = node('n0', T0);
  const base = [n0.write(X, 'position', { lat: 1, lon: 1 }), n0.write(X, 'expiry', { at: T0 + 1_000 })];
  n0.wall = T0 + 900;
  base.push(n0.write(X, 'position', { lat: 2, lon: 2 }));
  const m = node('m', T0);
  m.receive(...base);
  m.wall = T0 + 1_500;
  const ts: Timestamp = { ms: T0 + 1_500, c: 0, node: 'm' as NodeId };
  const past: Version = {
    entity: X,
    kind: 'expiry' as never,
    value: { at: T0 + 800 },
    ts,
    seen: m.store.contextFor(X, 'expiry' as never, 'm' as NodeId),
  };
  return { base, past };
}

describe('an expiry whose deadline is not after its own write', () => {
  it('is refused by every replica, whatever the order and the purges, so all end with one floor', () => {
    const { base, past } = history();
    expect(past.seen.length).toBeGreaterThan(0); // it saw e1: it would supersede it
    // a: fires e1 (floor T0+1000) before the past expiry arrives.
    const a = node('a', T0);
    a.receive(...base);
    a.store.purgeExpired(T0 + 1_000);
    a.wall = T0 + 1_600;
    a.receive(past);
    // b: takes everything before any purge.
    const b = node('b', T0 + 1_600);
    b.receive(...base, past);
    // c: the past expiry first, then the rest.
    const c = node('c', T0 + 1_600);
    c.receive(past, ...base);
    for (const n of [a, b, c]) n.store.purgeExpired(T0 + 2_000);
    expect(dump(b.store, true)).toBe(dump(a.store, true));
    expect(dump(c.store, true)).toBe(dump(a.store, true));
    for (const n of [a, b, c]) {
      expect(n.store.state(X)?.floor).toBe(T0 + 1_000);
      expect(n.store.view(X, T0 + 2_000)).toBeUndefined();
      expect(n.store.heads(X, 'expiry' as never).map((h) => h.ts)).toEqual([base[1]!.ts]);
    }
    // Refused for what it is: a restart from what the store keeps holds none of it either.
    const restored = EntityStore.restore(a.store.snapshot());
    restored.apply(past);
    expect(dump(restored, true)).toBe(dump(a.store, true));
  });

  it('the rule reads the version alone: deadline at or before the write refused, after it taken', () => {
    const { past } = history();
    expect(expiryRefusal(past)).toMatch(/not after/);
    const at = (ms: number): Version => ({ ...past, value: { at: ms } });
    expect(expiryRefusal(at(past.ts.ms))).toBeDefined();
    expect(expiryRefusal(at(past.ts.ms + 1))).toBeUndefined();
    expect(expiryRefusal({ ...past, kind: 'position' as never, value: { lat: 0, lon: 0 } })).toBeUndefined();
    expect(new EntityStore().apply(past).kind).toBe('obsolete');
    expect(new EntityStore().apply(at(past.ts.ms + 1)).kind).toBe('applied');
  });

  it('a carried floor at or after the write, or past the deadline, is refused the same way; one before it is taken', () => {
    const { past } = history();
    const ms = past.ts.ms;
    const carrying = (floor: unknown): Version => ({ ...past, value: { at: ms + 100, floor } as never });
    for (const floor of [ms, ms + 1, ms + 200, -1, Number.NaN, 'x']) {
      expect(expiryRefusal(carrying(floor)), String(floor)).toMatch(/expiry.floor/);
      expect(new EntityStore().apply(carrying(floor)).kind).toBe('obsolete');
    }
    for (const floor of [undefined, 0, ms - 1]) expect(expiryRefusal(carrying(floor)), String(floor)).toBeUndefined();
    // No value at all: refused, and no floor read from it.
    expect(new EntityStore().apply({ ...past, value: null }).kind).toBe('obsolete');
    // Taken, it raises the floor on delivery: a position written at the floor goes, one after it stays.
    const s = new EntityStore();
    const pos = (t: number): Version => ({
      ...past,
      kind: 'position' as never,
      value: { lat: 0, lon: 0 },
      ts: { ...past.ts, ms: t },
    });
    s.apply(pos(ms - 10));
    expect(s.apply(carrying(ms - 10)).kind).toBe('applied');
    expect(s.state(X)?.floor).toBe(ms - 10);
    expect(s.heads(X, 'position' as never)).toEqual([]);
    expect(s.apply(pos(ms - 10)).kind).toBe('obsolete');
    expect(s.apply(pos(ms - 9)).kind).toBe('applied');
  });
});
