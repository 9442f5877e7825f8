/**
 * A removed member's roster op signed again after its removal, with the same content (a re-signed
 * op, not a twin): refused as `removed-member` like its twins and other late writes
 * (membership-gate.ts opRefusal). Taken, it became the register's head (the later version) and
 * moved the op's stamp; the stamp of a `remove` is the removed node's cut-off, so a removed member
 * could move another removed member's cut-off past its later writes and get them in.
 */
import { describe, expect, it } from 'vitest';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { ROSTER_OP_KIND, rosterEntityId, valueOfOp } from '../../../../src/core/roster/roster-entity';
import type { RosterBody, RosterOp } from '../../../../src/core/roster/roster-op';
import { gateVersions } from '../../../../src/node/roster/membership-gate';
import { RosterState } from '../../../../src/node/roster/roster-state';

const [A, X, Y] = ['aa', 'xx', 'yy'] as NodeId[] as [NodeId, NodeId, NodeId];
const self = 'me' as NodeId;
const none = (): boolean => false;

function rosterVersion(author: NodeId, seq: number, lamport: number, ms: number, body: RosterBody): Version {
  const op: RosterOp = { author, seq, lamport, verified: true, body };
  return {
    entity: rosterEntityId(op) as EntityId,
    kind: ROSTER_OP_KIND,
    value: valueOfOp(op),
    ts: { ms, c: 0, node: author },
    seen: [],
  };
}

describe('a removed member re-signs one of its roster ops after its removal', () => {
  it('is refused, and the cut-off of the member it removed stays', () => {
    const held = [
      rosterVersion(A, 1, 1, 1, { type: 'found', open: false }),
      rosterVersion(A, 2, 2, 2, { type: 'add', member: X }),
      rosterVersion(A, 3, 3, 3, { type: 'add', member: Y }),
      // x removes y at ms 10; then the founder removes x at ms 20.
      rosterVersion(X, 1, 4, 10, { type: 'remove', member: Y, observed: [`${A}:3`] }),
      rosterVersion(A, 4, 5, 20, { type: 'remove', member: X, observed: [`${A}:2`] }),
    ];
    let state = RosterState.empty(`${A}:1`);
    for (const v of held) {
      const r = gateVersions([v], state, none, self);
      expect(r.rejected).toEqual([]);
      state = r.state;
    }
    expect([...state.view.removed.keys()].sort()).toEqual([X, Y]);
    const yLate: Version = {
      entity: 'track' as EntityId,
      kind: 'position' as Version['kind'],
      value: { lat: 1, lon: 2 },
      ts: { ms: 25, c: 0, node: Y },
      seen: [],
    };
    // x signs its remove of y again at ms 30 (same content), with y's write of ms 25. (y's cut-off is
    // x's own, ms 20, not ms 10: a removed remover's removes cut off no earlier than its own removal,
    // RosterState.removedAt.)
    const resigned = rosterVersion(X, 1, 4, 30, { type: 'remove', member: Y, observed: [`${A}:3`] });
    const out = gateVersions([resigned, yLate], state, none, self);
    expect(out.rejected.map((r) => [r.version.ts.ms, r.reason])).toEqual([
      [30, 'removed-member'],
      [25, 'removed-member'],
    ]);
    expect(out.state.removedAt(Y)).toEqual({ ms: 20, c: 0, node: A });
  });
});

describe('a member re-signs its removal of a remover, in one batch with an op of the node that remover removed', () => {
  it('checks the op against the cut-off, which the re-sign does not move, as one by one does', () => {
    const H = 'hh' as NodeId;
    const held = [
      rosterVersion(A, 1, 1, 1, { type: 'found', open: false }),
      rosterVersion(A, 2, 2, 2, { type: 'add', member: X }),
      rosterVersion(A, 3, 3, 3, { type: 'add', member: H }),
      rosterVersion(X, 1, 4, 10, { type: 'remove', member: H, observed: [`${A}:3`] }),
      rosterVersion(A, 4, 5, 20, { type: 'remove', member: X, observed: [`${A}:2`] }),
    ];
    let state = RosterState.empty(`${A}:1`);
    for (const v of held) state = gateVersions([v], state, none, self).state;
    expect(state.removedAt(H)).toEqual({ ms: 20, c: 0, node: A });
    // The founder signs its remove of x again at ms 40: the remove counts at its first version's
    // stamp (docs/security.md, "An op signed again"), so x's cut-off, and so h's, stay at ms 20; h's
    // roster op of ms 30 (ordered after the remove, so checked after it in the batch) is past it.
    const batch = [
      rosterVersion(A, 4, 5, 40, { type: 'remove', member: X, observed: [`${A}:2`] }),
      rosterVersion(H, 1, 6, 30, { type: 'add', member: 'zz' as NodeId }),
    ];
    let each = state;
    const refusedEach: string[] = [];
    for (const v of batch) {
      const r = gateVersions([v], each, none, self);
      refusedEach.push(...r.rejected.map((x) => x.reason));
      each = r.state;
    }
    const once = gateVersions(batch, state, none, self);
    expect(refusedEach).toEqual(['removed-member']);
    expect(once.rejected.map((r) => r.reason)).toEqual(refusedEach);
    expect(once.state.removedAt(H)).toEqual({ ms: 20, c: 0, node: A });
    expect(each.removedAt(H)).toEqual({ ms: 20, c: 0, node: A });
  });
});
