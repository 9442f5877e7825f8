/**
 * A twin `add` (docs/security.md, "An admission signed over") is an op of its author at its own
 * clock: whether it takes effect reads its author's status where it sorts. The gate's index left it
 * out of its author's ops (RosterState.index `lastOp`), so an extra admission of that author in a
 * batch, which keeps it a member past a later remove and so lets the twin admit its member, was
 * judged to change nothing a later check reads (membership-gate.ts `extraAdmissionUnread`) and did
 * not join the batch's state: an op of the twin's member later in the batch was refused as
 * `not-a-member` in the batch, and taken one by one (batch must equal one by one, docs/security.md,
 * "The roster in the store").
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { gateVersions } from '../../../../src/node/roster/membership-gate';
import { RosterState } from '../../../../src/node/roster/roster-state';
import { gateEach, rosterOpVersion as v } from './roster-harness';

const [A, B, M, W, W1, Z] = ['aa', 'bb', 'mm', 'ww', 'w1', 'zz'] as NodeId[];

describe('an extra admission of a twin add’s author, in a batch with an op of the twin’s member', () => {
  it('joins the batch’s state: the batch takes what one by one takes', () => {
    const setup = [
      v(A!, 1, 1, 1, { type: 'found', open: false }),
      v(A!, 2, 2, 100, { type: 'add', member: M! }),
      v(A!, 3, 3, 110, { type: 'add', member: B! }),
      // m's op m:1 is an add of w1 (lamport 5, its latest version); its twin, an add of w, sorts
      // after a's remove of m (lamport 20 > 10), where m stands removed until a admits it again (30).
      v(M!, 1, 5, 300, { type: 'add', member: W1! }),
      v(M!, 1, 20, 200, { type: 'add', member: W! }),
      v(A!, 4, 10, 400, { type: 'remove', member: M!, observed: [`${A}:2`] }),
      v(A!, 5, 30, 500, { type: 'add', member: M! }),
    ];
    const base = gateEach(RosterState.empty(`${A}:1`), setup);
    expect(base.reasons).toEqual([]);
    expect(base.state.view.members.has(W!)).toBe(false);
    // b admits m at 7, which a's remove did not observe: m stays a member at 20, the twin admits w,
    // and w's op counts.
    const batch = [v(B!, 1, 7, 600, { type: 'add', member: M! }), v(W!, 1, 25, 700, { type: 'add', member: Z! })];
    const each = gateEach(base.state, batch);
    expect(each.reasons).toEqual([]);
    expect([...each.state.view.members].sort()).toEqual([A, B, M, W, W1, Z].sort());
    const once = gateVersions(batch, base.state, () => false, 'me' as NodeId);
    expect(once.rejected.map((r) => r.reason)).toEqual([]);
    expect([...once.state.view.members].sort()).toEqual([...each.state.view.members].sort());
  });
});
