/**
 * Attack (issue 8, "zero divergence", hostile review 2026-12-07): a member makes a node keep a
 * carried floor (expiry-floor.ts, carriedFloor) that it no longer serves. Since 1c5d5ae a superseded
 * expiry whose floor no later version carries is kept as evidence (core/store/evidence.ts), so that
 * every replica that syncs learns the floor. But the floor is taken on delivery (EntityState.
 * raiseCarried) and never taken away, while the expiry that taught it can still leave what the node
 * serves, or never enter it:
 *
 * - the entity's bound (MAX_EVIDENCE_PER_ENTITY, withinEntityBound) cuts the oldest evidence first:
 *   64 later evidence items of the member's own push the honest expiry out, and its floor, still
 *   held, is served by nobody;
 * - a delivery refused at its author's evidence bound (LIMITED, "refused before anything is
 *   learned from it", docs/security.md "Twins and evidence") had raised the floor already.
 *
 * Either way a replica that never received that expiry shows, for as long as the member's own
 * deadline, what the others hide, after any amount of anti-entropy (what each serves: retained()).
 *
 * Fixed: the entity's bound never cuts the expiry carrying the largest floor (evidence.ts,
 * topCarrier), and an expiry that carries the floor further is never refused at the bounds
 * (EntityState.raisesCarried): one per entity past them, charged to its author.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { MAX_EVIDENCE_PER_AUTHOR, MAX_EVIDENCE_PER_ENTITY } from '../../../src/core/store/evidence';
import { dump } from '../core/support/merge-sim';
import { syncAll } from '../core/store/model/replica-sync';
import { permutations } from '../core/support/sim-node';
import { EXPIRY, F, FAR, POSITION, T0, ts, v } from './covered-expiry-fixtures';

const X = 'x' as EntityId;
const NOTE = 'zz_note' as ComponentKind;

/** An honest position of x written under F, which the floor F removes. */
const position = v(X, POSITION, { lat: 1, lon: 2 }, ts(T0 + 500, 'p3'));

describe('attack suite: a carried floor the node holds but no longer serves', () => {
  it('the entity bound cuts an honest superseded expiry kept for its floor: replicas differ after anti-entropy', () => {
    // p1's expiry carries the floor F its earlier one fired (an honest node's gate expiry).
    const honest = v(X, EXPIRY, { at: T0 + 3_000, floor: F }, ts(T0 + 2_000, 'p1'));
    // m's expiry, whose rest marker covers p1's without carrying its floor: p1's is kept as evidence.
    const successor = v(X, EXPIRY, { at: FAR }, ts(T0 + 2_100, 'm'), [ts(T0 + 2_000, 'm')]);
    // Then 65 notes of m's on x, each naming another (made-up) author: 64 kept as evidence, all later than p1's.
    const flood: Version[] = [];
    for (let i = 0; i <= MAX_EVIDENCE_PER_ENTITY; i++) {
      flood.push(v(X, NOTE, { text: `n${i}` }, ts(T0 + 5_000 + i, 'm'), [ts(T0 + 4_000, `q${i}`)]));
    }
    const groups = [[position], [honest], [successor], flood];
    for (const order of permutations([0, 1, 2, 3])) {
      const a = new EntityStore();
      const c = new EntityStore();
      for (const k of order) for (const x of groups[k]!) a.apply(x);
      // c never received p1's expiry (offline while it was live).
      for (const k of order) if (k !== 1) for (const x of groups[k]!) c.apply(x);
      syncAll([a, c]);
      expect(dump(a, true), `order ${order.join('')}`).toBe(dump(c, true));
      // p1's floor reached c: the position written under it is gone there too.
      expect(c.heads(X, POSITION), `order ${order.join('')}`).toEqual([]);
    }
  });

  it('an expiry refused at its author’s evidence bound has raised the floor already: replicas differ after anti-entropy', () => {
    const a = new EntityStore();
    const c = new EntityStore();
    // m fills its own allowance on other entities: a note naming q, superseded by m's next that does not.
    for (const s of [a, c]) {
      for (let i = 0; i < MAX_EVIDENCE_PER_AUTHOR; i++) {
        const e = `e${i}` as EntityId;
        s.apply(v(e, NOTE, { text: 'a' }, ts(T0, 'm'), [ts(T0 - 1, 'q')]));
        s.apply(v(e, NOTE, { text: 'b' }, ts(T0 + 1, 'm')));
      }
      expect(s.evidenceStats().held).toBe(MAX_EVIDENCE_PER_AUTHOR);
      s.apply(position);
      // m's expiry of x, deadline far ahead.
      s.apply(v(X, EXPIRY, { at: FAR }, ts(T0 + 2_100, 'm')));
    }
    // m's earlier expiry of x, carrying F: superseded by m's later one, which does not carry F, so
    // it is kept as evidence charged to m, which has no room (on main: refused, "before anything is
    // learned", after the node had taken F).
    a.apply(v(X, EXPIRY, { at: T0 + 3_000, floor: F }, ts(T0 + 2_000, 'm')));
    syncAll([a, c]);
    expect(dump(a, true)).toBe(dump(c, true));
    // F reached c: the position written under it is gone there too.
    expect(c.heads(X, POSITION)).toEqual([]);
  });
});
