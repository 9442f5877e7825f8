/**
 * Issue 8's field repro, deterministic and at the core: an expired track must not come back when a
 * peer that had not purged (or anti-entropy) delivers its older versions again, and a write made
 * after the expiry revives it on every node.
 */
import { describe, expect, it } from 'vitest';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { dump } from '../support/merge-sim';
import { node, permutations, type TestNode } from '../support/sim-node';

const X = 'x';
const T0 = 1_700_000_000_000;

/** Full anti-entropy in both directions: each side sends everything it holds. */
function exchange(a: TestNode, b: TestNode): void {
  const fromA = [...a.store.versions()];
  const fromB = [...b.store.versions()];
  b.receive(...fromA);
  a.receive(...fromB);
}

/** A restart from what storage kept: the store comes back from its snapshot. */
function restart(n: TestNode): void {
  const restored = EntityStore.restore(structuredClone(n.store.snapshot()));
  Object.assign(n, { store: restored });
}

function setup(): { a: TestNode; b: TestNode; old: Version[] } {
  const a = node('A', T0);
  const b = node('B', T0 + 3);
  const old = [
    a.write(X, 'speed', { kts: 10 }),
    a.write(X, 'position', { lat: 1, lon: 1 }),
    a.write(X, 'speed', { kts: 11 }), // overwritten several times before the expiry
    a.write(X, 'speed', { kts: 12 }),
  ];
  b.receive(...old);
  return { a, b, old };
}

describe('an expired track stays gone', () => {
  it('A expires x while B is partitioned; after heal and anti-entropy x is gone on both', () => {
    const { a, b, old } = setup();
    // B partitions. A writes the expiry, 2 s ahead.
    a.wall = b.wall = T0 + 100;
    a.write(X, 'expiry', { at: T0 + 2_100 });
    // 3.5 s later A has purged: x is gone on A.
    a.wall = b.wall = T0 + 3_600;
    a.store.purgeExpired(a.wall);
    expect(a.store.view(X as never, a.wall)).toBeUndefined();
    expect(b.store.view(X as never, b.wall)?.components.speed).toEqual({ kts: 12 });
    // B heals and sends its older versions; anti-entropy re-delivers them, in every order.
    for (const order of permutations(old)) a.receive(...order);
    exchange(a, b);
    b.store.purgeExpired(b.wall);
    exchange(a, b);
    for (const n of [a, b]) {
      expect(n.store.view(X as never, n.wall)).toBeUndefined();
      expect(n.store.list(n.wall)).toEqual([]);
    }
    // 5 s later it is still gone, after more rounds.
    a.wall = b.wall = T0 + 8_600;
    for (const n of [a, b]) n.store.purgeExpired(n.wall);
    exchange(a, b);
    for (const n of [a, b]) expect(n.store.view(X as never, n.wall)).toBeUndefined();
    expect(dump(a.store)).toBe(dump(b.store));
  });

  it('a write B made during the partition before the expiry dies with it; one made after revives x on both', () => {
    const { a, b } = setup();
    a.wall = b.wall = T0 + 100;
    a.write(X, 'expiry', { at: T0 + 2_100 });
    b.wall = T0 + 1_000;
    const before = b.write(X, 'speed', { kts: 50 }); // B does not know of the expiry
    a.wall = b.wall = T0 + 3_600;
    a.store.purgeExpired(a.wall);
    b.wall = T0 + 4_000;
    const after = b.write(X, 'position', { lat: 5, lon: 5 }); // written after the expiry: revives
    exchange(a, b);
    for (const n of [a, b]) n.store.purgeExpired(n.wall);
    exchange(a, b);
    for (const n of [a, b]) {
      expect(n.store.view(X as never, n.wall)?.components).toEqual({ position: { lat: 5, lon: 5 } });
      expect(n.store.heads(X as never, 'speed' as never)).toEqual([]);
    }
    expect(dump(a.store)).toBe(dump(b.store));
    expect(a.store.apply(before).kind).toBe('obsolete');
    expect(a.store.apply(after).kind).toBe('duplicate');
  });

  it('a write made after the expiry by A itself revives x on both, with only what was written after it', () => {
    const { a, b, old } = setup();
    a.wall = b.wall = T0 + 100;
    a.write(X, 'expiry', { at: T0 + 2_100 });
    a.wall = b.wall = T0 + 3_600;
    a.store.purgeExpired(a.wall);
    a.wall = T0 + 4_000;
    a.write(X, 'threat', { level: 'HIGH' });
    exchange(a, b);
    a.receive(...old);
    for (const n of [a, b]) n.store.purgeExpired(n.wall);
    exchange(a, b);
    for (const n of [a, b]) {
      expect(n.store.view(X as never, T0 + 5_000)?.components).toEqual({ threat: { level: 'HIGH' } });
    }
    expect(dump(a.store)).toBe(dump(b.store));
  });

  it('crashes and restarts between the expiry and the purge, and after it, change nothing', () => {
    const { a, b, old } = setup();
    a.wall = b.wall = T0 + 100;
    a.write(X, 'expiry', { at: T0 + 2_100 });
    restart(a); // crash before the purge
    a.wall = b.wall = T0 + 3_600;
    a.store.purgeExpired(a.wall);
    restart(a); // crash after the purge: the floor survives in the snapshot
    expect(a.store.state(X as never)?.floor).toBe(T0 + 2_100);
    a.receive(...old);
    expect(a.store.view(X as never, a.wall)).toBeUndefined();
    exchange(a, b);
    restart(b); // B crashes with the marker but before its purge
    b.store.purgeExpired(b.wall);
    exchange(a, b);
    for (const n of [a, b]) expect(n.store.view(X as never, n.wall)).toBeUndefined();
    expect(dump(a.store)).toBe(dump(b.store));
  });
});

describe('visible(id, now) says whether view(id, now) is a view, without building it', () => {
  it('agrees with view through writes, an expiry passing, a write after it, a delete', () => {
    const { a } = setup();
    const agree = (): void => {
      for (const id of [X, 'nobody'])
        expect(a.store.visible(id as never, a.wall)).toBe(a.store.view(id as never, a.wall) !== undefined);
    };
    agree();
    a.wall = T0 + 100;
    a.write(X, 'expiry', { at: T0 + 2_100 });
    agree();
    a.wall = T0 + 2_100;
    agree();
    a.wall = T0 + 2_200;
    expect(a.store.visible(X as never, a.wall)).toBe(false);
    agree();
    a.write(X, 'speed', { kts: 20 });
    expect(a.store.visible(X as never, a.wall)).toBe(true);
    agree();
    a.delete(X);
    expect(a.store.visible(X as never, a.wall)).toBe(false);
    agree();
  });
});
