/**
 * An admission signed again (review, session 17; attack17). An `add`'s stamp bounds which of its
 * member's ops count (`before-admission`, roster-view.ts): an op stamped before it was written before
 * its author was a member. The admitting member signs its `add` again, later (same op, later
 * version): the store keeps the later version as the register's head (same author: it dominates).
 * That moved the admission's stamp, and the member's ops stamped in between lost their effect on
 * every replica (test/unit/attack/resigned-admission-voids-history.test.ts).
 *
 * The rule (docs/security.md, "An op signed again"): an op counts at the stamp of the earliest
 * version of it its register was delivered, which the register keeps as evidence (evidence.ts,
 * keepsFirstOfValue) and serves, so every replica holding the same versions sees the same stamp. A
 * later version of the op held changes nothing; the gate judges a batch's later ops as one by one.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { gateVersions } from '../../../../src/node/roster/membership-gate';
import { RosterState } from '../../../../src/node/roster/roster-state';
import { gateEach, rosterOpVersion as v } from './roster-harness';

const [A, X, M, Z] = ['aa', 'xx', 'mm', 'zz'] as NodeId[] as [NodeId, NodeId, NodeId, NodeId];

function scene(): RosterState {
  const setup = gateEach(RosterState.empty(`${A}:1`), [
    v(A, 1, 1, 1, { type: 'found', open: false }),
    v(A, 2, 2, 100, { type: 'add', member: X }),
    v(A, 3, 3, 110, { type: 'add', member: M }),
    // x, a member since 100, removes m at 200.
    v(X, 1, 4, 200, { type: 'remove', member: M, observed: [`${A}:3`] }),
  ]);
  expect(setup.reasons).toEqual([]);
  expect([...setup.state.view.removed]).toEqual([[M, X]]);
  return setup.state;
}

describe('an admission signed again', () => {
  it('leaves the admission at its first stamp, in a batch as one by one', () => {
    const state = scene();
    // a signs its add of x again at 300 (x's remove of m, at 200, still counts); m writes at 250,
    // after its removal.
    const batch = [v(A, 2, 2, 300, { type: 'add', member: X }), v(M, 1, 5, 250, { type: 'add', member: Z })];
    const once = gateVersions(batch, state, () => false, 'me' as NodeId);
    const each = gateEach(state, batch);
    expect(each.reasons).toEqual(['removed-member']);
    expect(once.rejected.map((r) => r.reason)).toEqual(each.reasons);
    expect(once.accepted).toEqual(each.accepted);
    for (const s of [once.state, each.state]) {
      expect(s.stampOf(`${A}:2`)).toEqual({ ms: 100, c: 0, node: A });
      expect(s.view.rejected.has(`${X}:1`)).toBe(false);
      expect([...s.view.members].sort()).toEqual([A, X].sort());
    }
  });

  it('an earlier version of the admission, delivered after the later one, gives it its stamp back', () => {
    const state = scene();
    // A replica that got a's add of x signed again at 300 first, and then the first version (100).
    const resigned = gateEach(RosterState.empty(`${A}:1`), [
      v(A, 1, 1, 1, { type: 'found', open: false }),
      v(A, 2, 2, 300, { type: 'add', member: X }),
      v(A, 3, 3, 110, { type: 'add', member: M }),
      v(X, 1, 4, 200, { type: 'remove', member: M, observed: [`${A}:3`] }),
    ]);
    expect(resigned.state.view.rejected.get(`${X}:1`)).toBe('before-admission');
    const after = gateEach(resigned.state, [v(A, 2, 2, 100, { type: 'add', member: X })]);
    expect(after.reasons).toEqual([]);
    expect(after.state.stampOf(`${A}:2`)).toEqual(state.stampOf(`${A}:2`));
    expect([...after.state.view.members].sort()).toEqual([...state.view.members].sort());
    expect(after.state.view.rejected.has(`${X}:1`)).toBe(false);
  });

  it('a founding signed again keeps its stamp for the batch’s later checks too', () => {
    const [F, N, P] = ['ff', 'nn', 'pp'] as NodeId[] as [NodeId, NodeId, NodeId];
    const setup = gateEach(RosterState.empty(`${F}:1`), [
      v(F, 1, 1, 1, { type: 'found', open: false }),
      v(F, 2, 2, 10, { type: 'add', member: N }),
      // f removes n at 20.
      v(F, 3, 3, 15, { type: 'add', member: P }),
      v(F, 4, 4, 20, { type: 'remove', member: N, observed: [`${F}:2`] }),
    ]);
    expect(setup.reasons).toEqual([]);
    // f signs its founding again at 50: its remove of n (20) still counts, so n's write at 40 is a
    // removed member's; the batch must judge it so, as one by one does.
    const batch = [
      v(F, 1, 1, 50, { type: 'found', open: false }),
      v(N, 1, 6, 40, { type: 'add', member: 'qq' as NodeId }),
    ];
    const once = gateVersions(batch, setup.state, () => false, 'me' as NodeId);
    const each = gateEach(setup.state, batch);
    expect(each.reasons).toEqual(['removed-member']);
    expect(once.rejected.map((r) => r.reason)).toEqual(each.reasons);
    expect(once.accepted).toEqual(each.accepted);
    expect([...once.state.view.members].sort()).toEqual([...each.state.view.members].sort());
  });
});
