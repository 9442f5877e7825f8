/**
 * Issue 8, "zero divergence", for an expiry superseded by a write made after its deadline
 * (docs/architecture.md, "Expiry"): its successor carries the floor its writer held once purged at
 * the write's own stamp, and every replica that receives the successor takes that floor. Replicas
 * delivered the same versions are then identical right after a purge at the same moment, in every
 * delivery order and wherever earlier purges ran; before, the expiry fired only where a purge ran
 * while it was still a head, and the others showed what it covered until the successor's deadline.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import type { EntityStore } from '../../../../src/core/store/entity-store';
import { dump } from '../support/merge-sim';
import { node } from '../support/sim-node';

const X = 'x' as EntityId;
const T0 = 1_700_000_000_000;
const D = T0 + 1_000;
const DS = T0 + 9_000;
/** The purge every compared replica runs last: after every write, before the successor's deadline. */
const LAST = D + 700;

/**
 * n0 writes x's position (p) and an expiry at D (e); after D, n1, which received both, writes a
 * position (q); then `by` writes an expiry at DS that saw e (s): through the write door, which
 * purges at its stamp, so s carries the floor D.
 */
function history(by: 'n0' | 'n1'): Version[] {
  const n0 = node('n0', T0);
  const p = n0.write(X, 'position', { lat: 1, lon: 1 });
  n0.wall = T0 + 10;
  const e = n0.write(X, 'expiry', { at: D });
  const n1 = node('n1', D + 200).receive(p, e);
  const q = n1.write(X, 'position', { lat: 2, lon: 2 });
  const writer = by === 'n0' ? n0 : n1;
  writer.wall = D + 500;
  const s = writer.write(X, 'expiry', { at: DS });
  return [p, e, q, s];
}

/** Heads, floor and what each register learned. */
const state = (store: EntityStore): string => dump(store, true);

/**
 * A replica delivered `order`, with a purge after the deliveries `purges` names (each at its time,
 * in order), then one at LAST.
 */
function replica(order: readonly Version[], purges: readonly (number | undefined)[]): EntityStore {
  const r = node('r', T0);
  let now = T0;
  order.forEach((v, i) => {
    r.wall = Math.max(r.wall, v.ts.ms);
    r.receive(v);
    const t = purges[i];
    if (t === undefined) return;
    now = Math.max(now, t);
    r.store.purgeExpired(now);
  });
  r.store.purgeExpired(LAST);
  return r.store;
}

/** A subset of `all` in some order, with a purge time (or none) after each delivery. */
const delivery = (all: readonly Version[]) =>
  fc.subarray([...all.keys()], { minLength: 1 }).chain((keys) =>
    fc.tuple(
      fc.constant(keys),
      fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length }),
      fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length }),
      fc.array(fc.option(fc.integer({ min: T0, max: LAST }), { nil: undefined }), {
        minLength: keys.length,
        maxLength: keys.length,
      }),
      fc.array(fc.option(fc.integer({ min: T0, max: LAST }), { nil: undefined }), {
        minLength: keys.length,
        maxLength: keys.length,
      }),
    ),
  );

describe('an expiry superseded by a write made after its deadline', () => {
  for (const by of ['n0', 'n1'] as const) {
    it(`(by ${by === 'n0' ? 'its author' : 'another member'}): replicas delivered the same versions are identical after a purge`, () => {
      const all = history(by);
      fc.assert(
        fc.property(delivery(all), ([, a, b, pa, pb]) => {
          const ra = replica(
            a.map((k) => all[k]!),
            pa,
          );
          const rb = replica(
            b.map((k) => all[k]!),
            pb,
          );
          expect(state(ra)).toBe(state(rb));
          // Once s's own deadline has passed, still the same.
          ra.purgeExpired(DS);
          rb.purgeExpired(DS);
          expect(state(ra)).toBe(state(rb));
        }),
        { numRuns: 500 },
      );
    });

    it(`(by ${by === 'n0' ? 'its author' : 'another member'}): the expiry's floor holds on a replica that never fired it`, () => {
      const [p, e, q, s] = history(by) as [Version, Version, Version, Version];
      expect(s.value).toEqual({ at: DS, floor: D });
      // Received after D, s before e: e is never a head at a purge, yet s carries its floor.
      const late = replica([s, q, p, e], [LAST, undefined, undefined, undefined]);
      expect(late.state(X)?.floor).toBe(D);
      expect(late.view(X, LAST)?.components.position).toEqual(q.value);
      // As on a replica that fired e while it was a head.
      const fired = replica([p, e, q, s], [undefined, D, undefined, undefined]);
      expect(state(late)).toBe(state(fired));
    });
  }
});
