/**
 * Issue 8 ("zero divergence"): an author that shortens its own expiry must not split replicas. A
 * replica that fired the first deadline before hearing of the shorter one ends with the same floor,
 * heads and picture as one that never fired it: the floor depends on the versions held, not on when
 * purge ran (docs/architecture.md, "Expiry").
 */
import { describe, expect, it } from 'vitest';
import { dump } from '../support/merge-sim';
import { exchange, node, type TestNode } from '../support/sim-node';

const X = 'x';
const T0 = 1_700_000_000_000;

function setup(second: number): { n0: TestNode; n2: TestNode } {
  const n0 = node('n0', T0);
  const n2 = node('n2', T0);
  const first = [n0.write(X, 'position', { lat: 1, lon: 1 }), n0.write(X, 'expiry', { at: T0 + 2_000 })];
  n2.receive(...first);
  // n0 changes its own expiry before either deadline; n2 does not hear of it yet.
  n0.wall = T0 + 100;
  n0.write(X, 'expiry', { at: second });
  return { n0, n2 };
}

describe('an author changing its own expiry', () => {
  it('shortened: a replica that fired the first deadline before hearing of the second converges', () => {
    const { n0, n2 } = setup(T0 + 1_000);
    // A write made after the shorter deadline and before the longer one: it revives x.
    n0.wall = T0 + 1_500;
    n2.wall = T0 + 1_500;
    n2.receive(n0.write(X, 'speed', { kts: 4 }));
    n0.store.purgeExpired(T0 + 1_000);
    // n2 fires the first expiry at its deadline, before the second reaches it.
    n2.store.purgeExpired(T0 + 2_000);
    n0.store.purgeExpired(T0 + 2_000);
    exchange(n0, n2);
    for (const n of [n0, n2]) n.store.purgeExpired(T0 + 2_500);
    expect(n2.store.state(X as never)?.floor).toBe(T0 + 1_000);
    expect(dump(n2.store, true)).toBe(dump(n0.store, true));
    for (const n of [n0, n2]) expect(n.store.view(X as never, T0 + 3_000)?.components).toEqual({ speed: { kts: 4 } });
  });

  it('lengthened: a replica that fired the first deadline holds no floor until the second fires', () => {
    const { n0, n2 } = setup(T0 + 5_000);
    n2.store.purgeExpired(T0 + 2_000);
    n0.store.purgeExpired(T0 + 2_000);
    exchange(n0, n2);
    expect(n2.store.state(X as never)?.floor).toBeUndefined();
    expect(dump(n2.store, true)).toBe(dump(n0.store, true));
    for (const n of [n0, n2])
      expect(n.store.view(X as never, T0 + 3_000)?.components.position).toEqual({ lat: 1, lon: 1 });
    for (const n of [n0, n2]) n.store.purgeExpired(T0 + 5_000);
    expect(dump(n2.store, true)).toBe(dump(n0.store, true));
    expect(n2.store.view(X as never, T0 + 6_000)).toBeUndefined();
  });

  it('an expiry written after the first deadline leaves the first fired on every replica', () => {
    const n0 = node('n0', T0);
    const n2 = node('n2', T0);
    n2.receive(n0.write(X, 'position', { lat: 1, lon: 1 }), n0.write(X, 'expiry', { at: T0 + 1_000 }));
    n0.store.purgeExpired(T0 + 1_000);
    n2.store.purgeExpired(T0 + 1_000);
    n0.wall = T0 + 1_500;
    n0.write(X, 'expiry', { at: T0 + 9_000 });
    exchange(n0, n2);
    for (const n of [n0, n2]) expect(n.store.state(X as never)?.floor).toBe(T0 + 1_000);
    expect(dump(n2.store, true)).toBe(dump(n0.store, true));
  });
});
