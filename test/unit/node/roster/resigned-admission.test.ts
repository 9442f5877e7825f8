/**
 * An admission signed again (review, session 17). An `add`'s stamp bounds which of its member's ops
 * count (`before-admission`, roster-view.ts): an op stamped before it was written before its author
 * was a member. The admitting member signs its `add` again, later (same op, later version): the
 * store keeps the later version (same author: it dominates), the admission's stamp moves, and the
 * member's ops stamped in between lose their effect. The gate judged the rest of a batch with the
 * stale stamp (a re-signed op, it assumed, moves only a removal's cut-off), so a batch and the same
 * versions one by one gave different answers.
 *
 * The rule (docs/security.md, "Enforcement"): the gate judges a batch's later ops with the moved
 * stamp, as one by one. The re-sign itself stays the admitting member's choice over its own
 * register, as a twin is (a twin `add` of another node voids all the member's ops at once);
 * refusing it at the gate is what replicas cannot agree on (the store keeps the later version of a
 * register, so a replica that got it first keeps it), and a twin in between made it pass anyway.
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
  it('the batch’s later ops are judged with the moved admission stamp, as one by one', () => {
    const state = scene();
    // a signs its add of x again at 300 (x's remove of m, at 200, no longer counts); m writes at 250.
    const batch = [v(A, 2, 2, 300, { type: 'add', member: X }), v(M, 1, 5, 250, { type: 'add', member: Z })];
    const once = gateVersions(batch, state, () => false, 'me' as NodeId);
    const each = gateEach(state, batch);
    expect(each.reasons).toEqual([]);
    expect(once.rejected).toEqual([]);
    expect(once.accepted).toEqual(each.accepted);
    for (const s of [once.state, each.state]) {
      expect(s.stampOf(`${A}:2`)).toEqual({ ms: 300, c: 0, node: A });
      expect(s.view.rejected.get(`${X}:1`)).toBe('before-admission');
      expect([...s.view.members].sort()).toEqual([A, X, M, Z].sort());
    }
  });

  it('a founding signed again moves its stamp for the batch’s later checks too', () => {
    const [F, N, P] = ['ff', 'nn', 'pp'] as NodeId[] as [NodeId, NodeId, NodeId];
    const setup = gateEach(RosterState.empty(`${F}:1`), [
      v(F, 1, 1, 1, { type: 'found', open: false }),
      v(F, 2, 2, 10, { type: 'add', member: N }),
      // f removes n at 20.
      v(F, 3, 3, 15, { type: 'add', member: P }),
      v(F, 4, 4, 20, { type: 'remove', member: N, observed: [`${F}:2`] }),
    ]);
    expect(setup.reasons).toEqual([]);
    // f signs its founding again at 50: its remove of n (20) no longer counts, so n's write at 40 is
    // a member's; the batch must judge it so, as one by one does.
    const batch = [
      v(F, 1, 1, 50, { type: 'found', open: false }),
      v(N, 1, 6, 40, { type: 'add', member: 'qq' as NodeId }),
    ];
    const once = gateVersions(batch, setup.state, () => false, 'me' as NodeId);
    const each = gateEach(setup.state, batch);
    expect(once.rejected.map((r) => r.reason)).toEqual(each.reasons);
    expect(once.accepted).toEqual(each.accepted);
    expect([...once.state.view.members].sort()).toEqual([...each.state.view.members].sort());
  });
});
