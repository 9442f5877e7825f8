/**
 * The twin-admission rule (docs/security.md, "An admission signed over") reads twin `add`s back
 * from their canonical text (roster-state.ts addOfText). An invitation may hold any string
 * (roster-entity.ts validates only its length), so one holding '|' must not drop the admission.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { RosterState } from '../../../../src/node/roster/roster-state';
import { gateEach, rosterOpVersion as v } from './roster-harness';

const [A, H, Y, Z] = ['aa', 'hh', 'yy', 'zz'] as NodeId[] as [NodeId, NodeId, NodeId, NodeId];

describe('a twin add whose invitation holds a "|"', () => {
  it('still admits its member when signed over, and the member’s ops keep counting', () => {
    const s = gateEach(RosterState.empty(`${A}:1`), [
      v(A, 1, 1, 1, { type: 'found', open: false }),
      v(A, 2, 2, 100, { type: 'add', member: H, invitation: 'inv|x' }),
      v(H, 1, 3, 200, { type: 'add', member: Z }),
      // a signs over its add of h: a later op under a:2, which the store keeps.
      v(A, 2, 2, 300, { type: 'add', member: Y }),
    ]).state;
    expect(s.roster.get(`${A}:2`)?.body).toEqual({ type: 'add', member: Y });
    expect([...s.view.members].sort()).toEqual([A, H, Y, Z].sort());
    expect(s.view.rejected.has(`${H}:1`)).toBe(false);
  });
});
