/**
 * Issue 8, what holds today for an expiry superseded by a write made after its deadline
 * (docs/architecture.md, "Expiry", known limit): it fires only where a purge ran while it was still
 * a head. Replicas that purge only after both arrived agree whatever the order, and every replica
 * agrees with the one that fired it once the successor's own deadline (always later) has passed.
 */
import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import type { EntityStore } from '../../../../src/core/store/entity-store';
import { dump } from '../support/merge-sim';
import { node, permutations } from '../support/sim-node';

const X = 'x' as EntityId;
const T0 = 1_700_000_000_000;
const D = T0 + 1_000;
const DS = T0 + 9_000;

/** n0 writes x and an expiry at D (e); after D, `by` writes an expiry at DS that saw e (s). */
function history(by: 'n0' | 'n1'): Version[] {
  const n0 = node('n0', T0);
  const p = n0.write(X, 'position', { lat: 1, lon: 1 });
  n0.wall = T0 + 10;
  const e = n0.write(X, 'expiry', { at: D });
  const writer = by === 'n0' ? n0 : node('n1', T0).receive(p, e);
  writer.wall = D + 500;
  const s = writer.write(X, 'expiry', { at: DS });
  return [p, e, s];
}

/** Heads, floor and what each register learned. */
const state = (store: EntityStore): string => dump(store, true);

describe('an expiry superseded by a write made after its deadline', () => {
  for (const by of ['n0', 'n1'] as const) {
    it(`(by ${by === 'n0' ? 'its author' : 'another member'}): equal on replicas that purged at the same moments`, () => {
      const [p, e, s] = history(by) as [Version, Version, Version];
      // Received after D in any order, purged after both: the expiry is not a head, it never fires.
      const late = permutations([p, e, s]).map((order) => node('c', D + 600).receive(...order));
      for (const r of late) r.store.purgeExpired(D + 700);
      for (const r of late) expect(state(r.store)).toBe(state(late[0]!.store));
      // One purge after D between any two arrivals, the last one before DS.
      const between: EntityStore[] = [];
      for (const order of permutations([p, e, s])) {
        for (let k = 1; k < order.length; k++) {
          const r = node('b', D + 600).receive(...order.slice(0, k));
          r.store.purgeExpired(D);
          r.receive(...order.slice(k));
          r.store.purgeExpired(D + 700);
          between.push(r.store);
        }
      }
      // Where e was a head at that purge, it fired (floor D, the position dropped); elsewhere not.
      const fired = between.filter((r) => r.state(X)?.floor === D);
      expect(fired.length).toBeGreaterThan(0);
      for (const r of fired) expect(r.view(X, D + 700)?.components.position).toBeUndefined();
      // Once s's own deadline has passed, every replica is the same.
      const all = [...late.map((r) => r.store), ...between];
      for (const r of all) r.purgeExpired(DS);
      for (const r of all) {
        expect(r.state(X)?.floor).toBe(DS);
        expect(state(r)).toBe(state(all[0]!));
      }
    });
  }
});
