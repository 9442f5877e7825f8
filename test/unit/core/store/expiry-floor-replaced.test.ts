/**
 * Issue 8 ("zero divergence"): a floor whose marker was already replaced by an expiry written after
 * its deadline must still be taken away when an expiry written before that deadline, which
 * superseded the marker, arrives later. Two replicas that receive the same versions in different
 * orders end identical (docs/architecture.md, "Expiry"). So must a floor whose marker was replaced
 * by an expiry written after the deadline that carries no floor (a build before floors were carried,
 * or a hostile member): a replica that purged only after it came never fired the marker. Unless the
 * expiry written after the deadline carries the floor its writer fired (as the write door now writes
 * it): then the floor stays everywhere, whatever arrives before or after.
 */
import { describe, expect, it } from 'vitest';
import { permutations } from '../support/sim-node';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { dump } from '../support/merge-sim';
import { node } from '../support/sim-node';

const X = 'x';
const T0 = 1_700_000_000_000;

/**
 * n0 writes x with an expiry at T0+1000 (e1). n1, before that deadline, lengthens it to T0+5000
 * (e1', which saw e1). n0, after the first deadline and without hearing of e1', sets a new expiry
 * at T0+9000 (e2, which saw e1 only). `concurrent`: e1' did not see e1 (then e1 fires everywhere).
 * e2 carries the floor T0+1000 (n0's door purged at its stamp); `carried` false: as a build before
 * floors were carried wrote it, without.
 */
function versions(concurrent: boolean, carried = false): { base: Version[]; e1b: Version; e2: Version } {
  const n0 = node('n0', T0);
  const n1 = node('n1', T0);
  const base = [n0.write(X, 'position', { lat: 1, lon: 1 }), n0.write(X, 'expiry', { at: T0 + 1_000 })];
  if (!concurrent) n1.receive(...base);
  n1.wall = T0 + 100;
  const e1b = n1.write(X, 'expiry', { at: T0 + 5_000 });
  n0.wall = T0 + 1_500;
  const written = n0.write(X, 'expiry', { at: T0 + 9_000 });
  expect(written.value).toEqual({ at: T0 + 9_000, floor: T0 + 1_000 });
  const e2 = carried ? written : { ...written, value: { at: T0 + 9_000 } };
  return { base, e1b, e2 };
}

describe('an expiry floor whose marker was replaced after its deadline', () => {
  for (const concurrent of [false, true]) {
    it(`loses the floor when ${concurrent ? 'the marker was replaced by an expiry written after the deadline that carries no floor' : 'an expiry written before the deadline, superseding the marker, arrives last'}`, () => {
      const { base, e1b, e2 } = versions(concurrent);
      // a: fires e1 at its deadline, then takes e2 (which drops the marker), then e1'.
      const a = node('a', T0);
      a.receive(...base);
      a.store.purgeExpired(T0 + 1_000);
      a.wall = T0 + 1_600;
      a.receive(e2, e1b);
      // b: takes e1' before the first deadline, then e2.
      const b = node('b', T0);
      b.receive(...base, e1b);
      b.store.purgeExpired(T0 + 1_000);
      b.wall = T0 + 1_600;
      b.receive(e2);
      // c: purges only once e2 has come: e1 is no head then, so it never fires there. Where it fired,
      // the floor goes once no head has its deadline (e2 carries none), or c would differ for good
      // from a and b (test/unit/attack/hostile-floor-splits.test.ts).
      const c = node('c', T0);
      c.wall = T0 + 1_600;
      c.receive(...base, e2, e1b);
      for (const n of [a, b, c]) n.store.purgeExpired(T0 + 2_000);
      expect(c.store.state(X as never)?.floor).toBeUndefined();
      // What a lifted floor had dropped comes back from a peer that still holds it (anti-entropy).
      for (const [x, y] of [
        [a, c],
        [b, c],
        [a, b],
      ] as const) {
        x.receive(...y.store.retained());
        y.receive(...x.store.retained());
      }
      expect(dump(a.store, true)).toBe(dump(b.store, true));
      expect(dump(c.store, true)).toBe(dump(b.store, true));
      expect(a.store.state(X as never)?.floor).toBeUndefined();
      for (const n of [a, b, c])
        expect(n.store.view(X as never, T0 + 2_000)?.components.position).toEqual({ lat: 1, lon: 1 });
      const restored = EntityStore.restore(a.store.snapshot());
      expect(dump(restored, true)).toBe(dump(a.store, true));
      // The next deadline fires alike everywhere.
      for (const n of [a, b, c]) n.store.purgeExpired(T0 + 5_000);
      expect(dump(a.store, true)).toBe(dump(b.store, true));
      expect(dump(c.store, true)).toBe(dump(b.store, true));
    });
  }

  it('keeps the floor the replacing expiry carried, in every order and wherever the purge ran', () => {
    const { base, e1b, e2 } = versions(false, true);
    const all = [...base, e1b, e2];
    const states = new Set<string>();
    for (const order of permutations(all)) {
      for (let k = 0; k <= order.length; k++) {
        const r = node('r', T0);
        r.receive(...order.slice(0, k));
        r.store.purgeExpired(T0 + 1_000);
        r.wall = T0 + 1_600;
        r.receive(...order.slice(k));
        r.store.purgeExpired(T0 + 2_000);
        expect(r.store.state(X as never)?.floor).toBe(T0 + 1_000);
        expect(r.store.view(X as never, T0 + 2_000)?.components.position).toBeUndefined();
        states.add(dump(r.store, true));
      }
    }
    expect(states.size).toBe(1);
  });

  it('a restart between the replacing expiry and the earlier change keeps what fired', () => {
    const { base, e1b, e2 } = versions(false);
    const a = node('a', T0);
    a.receive(...base);
    a.store.purgeExpired(T0 + 1_000);
    a.wall = T0 + 1_600;
    a.receive(e2);
    const restored = EntityStore.restore(a.store.snapshot());
    restored.apply(e1b);
    const b = node('b', T0);
    b.receive(...base, e1b, e2);
    expect(restored.state(X as never)?.floor).toBeUndefined();
    restored.purgeExpired(T0 + 2_000);
    b.store.purgeExpired(T0 + 2_000);
    for (const v of b.store.retained()) restored.apply(v);
    expect(dump(restored, true)).toBe(dump(b.store, true));
  });
});
