/**
 * Who is charged for an expiry kept only for the floor it carries (core/store/evidence.ts,
 * chargedFor; docs/security.md, "Twins and evidence"): the author of the version that covers it,
 * the one weighed last before it, as a function of what the register keeps. Here p1's expiry
 * carrying F is covered by m's rest marker (charged to m); m's next expiry implies m's first, which
 * goes, and covers p1's (still m); q's expiry names m's and inherits its rest marker without F, and
 * implies it (now q: the cover left what the register keeps); p1's next expiry carries F on and
 * implies them all (nothing kept, nothing charged). Each set of versions gives the same charges in
 * every order of delivery.
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { EXPIRY } from '../../../../src/core/store/expiry-floor';
import { permutations } from '../support/sim-node';

const X = 'x' as EntityId;
const T0 = 1_700_000_000_000;
const F = T0 + 1_000;
const FAR = T0 + 100_000_000;
const ts = (ms: number, node: string): Timestamp => ({ ms: T0 + ms, c: 0, node: node as NodeId });
const expiry = (value: { at: number; floor?: number }, t: Timestamp, seen: Timestamp[] = []): Version => ({
  entity: X,
  kind: EXPIRY,
  value,
  ts: t,
  seen,
});

const honest = expiry({ at: T0 + 3_000, floor: F }, ts(2_000, 'p1'));
const cover = expiry({ at: FAR }, ts(2_100, 'm'), [ts(2_000, 'm')]);
const cover2 = expiry({ at: FAR + 1 }, ts(2_200, 'm'), [ts(2_100, 'm')]);
const inherited = expiry({ at: FAR + 2 }, ts(2_300, 'q'), [ts(2_200, 'm'), ts(2_100, 'q')]);
const next = expiry({ at: T0 + 9_000, floor: F }, ts(2_400, 'p1'), [ts(2_300, 'q'), ts(2_200, 'm'), ts(2_100, 'p1')]);

/** The evidence of x with whom each item is charged, and what the ledger counts. */
function charges(s: EntityStore): { evidence: string[]; held: number; authors: number } {
  const evidence = (s.state(X)?.meta().evidence ?? []).map(
    (e) => `${e.version.ts.node}@${e.version.ts.ms - T0} by ${e.by}`,
  );
  const { held, authors } = s.evidenceStats();
  return { evidence: evidence.sort(), held, authors };
}

describe('an expiry kept for its floor is charged to the author of the version covering it', () => {
  for (const [name, set, expected] of [
    ['a member’s rest marker covers p1’s expiry', [honest, cover], ['p1@2000 by m']],
    ['the member’s next expiry implies its first and covers p1’s', [honest, cover, cover2], ['p1@2000 by m']],
    ['q inherits the member’s marker and implies its expiry', [honest, cover, cover2, inherited], ['p1@2000 by q']],
    ['p1’s next expiry carries the floor on: nothing kept', [honest, cover, cover2, inherited, next], []],
  ] as const) {
    it(`${name}: ${expected.join(', ') || 'none'}, in every order`, () => {
      for (const order of permutations([...set])) {
        const s = new EntityStore();
        for (const v of order) s.apply(structuredClone(v));
        const where = order.map((v) => `${v.ts.node}@${v.ts.ms - T0}`).join(' ');
        expect(charges(s), where).toEqual({
          evidence: [...expected],
          held: expected.length,
          authors: expected.length,
        });
        // F holds whatever is kept.
        expect(s.state(X)?.carried, where).toBe(F);
      }
    });
  }
});

describe('the entity’s bound cuts the cover of an item it keeps', () => {
  // p1's expiry carries the largest floor, so the bound never cuts it (withinEntityBound); m's
  // expiry covers it (its rest marker) and is kept too, for that marker, which q's head names m's
  // write without. At a bound of 1, m's is cut: nothing kept covers p1's any more, so it is a head
  // again (EntityState.remergeCut), as where m's came last and was refused at the bound. Before, it
  // stayed in the evidence (charged to q) in the orders that cut m's and was a head in the one that
  // refused m's: the stores served the same versions and kept different heads for good
  // (test/unit/attack/h31-entity-cut-splits.test.ts).
  const covering = expiry({ at: FAR }, ts(2_100, 'm'), [ts(2_000, 'm')]);
  const head = expiry({ at: FAR + 1 }, ts(2_300, 'q'), [ts(2_100, 'm')]);
  const heads = (s: EntityStore): string[] =>
    s
      .heads(X, EXPIRY)
      .map((h) => `${h.ts.node}@${h.ts.ms - T0}`)
      .sort();

  it('unbounded, p1’s is charged to m and m’s to q; at a bound of 1, p1’s is a head and nothing is kept, in every order', () => {
    for (const order of permutations([honest, covering, head])) {
      const where = order.map((v) => `${v.ts.node}@${v.ts.ms - T0}`).join(' ');
      const open = new EntityStore();
      for (const v of order) open.apply(structuredClone(v));
      expect(charges(open).evidence, where).toEqual(['m@2100 by q', 'p1@2000 by m']);
      const bounded = new EntityStore({ evidence: { perEntity: 1 } });
      for (const v of order) bounded.apply(structuredClone(v));
      // m's delivered last would be kept past the bound: refused (asked for again later). Delivered
      // before, m's is cut when both are in (p1's never: the largest floor). Either way p1's is a head.
      expect(charges(bounded), where).toEqual({ evidence: [], held: 0, authors: 0 });
      expect(heads(bounded), where).toEqual(['p1@2000', 'q@2300']);
      expect(bounded.size, where).toBe(2);
      // A snapshot restored at that bound leaves the same.
      const restored = EntityStore.restore(open.snapshot(), { evidence: { perEntity: 1 } });
      expect(charges(restored), where).toEqual({ evidence: [], held: 0, authors: 0 });
      expect(heads(restored), where).toEqual(['p1@2000', 'q@2300']);
      expect(restored.size, where).toBe(2);
    }
  });
});
