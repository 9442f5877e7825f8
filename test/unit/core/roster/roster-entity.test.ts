import { describe, expect, it } from 'vitest';
import { validateComponent } from '../../../../src/core/entity/validate-component';
import type { NodeId } from '../../../../src/core/ids';
import { addOp, EMPTY_ROSTER } from '../../../../src/core/roster/roster';
import { anchoredView, pickAnchor } from '../../../../src/core/roster/roster-anchor';
import { rosterEntityId, validateRosterOpValue, valueOfOp } from '../../../../src/core/roster/roster-entity';
import type { RosterOp } from '../../../../src/core/roster/roster-op';

const A = 'a'.repeat(32) as NodeId;
const B = 'b'.repeat(32) as NodeId;
const S = '0'.repeat(32) as NodeId;

const op = (author: NodeId, seq: number, lamport: number, body: RosterOp['body']): RosterOp => ({
  author,
  seq,
  lamport,
  verified: true,
  body,
});

describe('rosterOp values', () => {
  it('round-trips every op type through the value and the component validator', () => {
    const ops = [
      op(A, 1, 1, { type: 'found', open: true }),
      op(A, 2, 2, { type: 'add', member: B, invitation: 'AAAAAAAAAAAAAAAAAAAAAA' }),
      op(A, 3, 3, { type: 'add', member: B }),
      op(A, 4, 4, { type: 'remove', member: B, observed: [`${A}:2`] }),
    ];
    for (const o of ops) expect(validateComponent('rosterOp', valueOfOp(o))).toEqual(valueOfOp(o));
    expect(rosterEntityId(ops[1]!)).toBe(`roster:${A}:2`);
  });

  it('refuses malformed values at the boundary, naming the field', () => {
    const bad: unknown[] = [
      { author: A, seq: 1, lamport: 1, type: 'found' },
      { author: A, seq: 0, lamport: 1, type: 'found', open: false },
      { author: A, seq: 1, lamport: 1.5, type: 'found', open: false },
      { author: 'x y', seq: 1, lamport: 1, type: 'found', open: false },
      { author: A, seq: 1, lamport: 1, type: 'promote', member: B },
      { author: A, seq: 1, lamport: 1, type: 'add', member: B, extra: 1 },
      { author: A, seq: 1, lamport: 1, type: 'remove', member: B, observed: ['nope'] },
      { author: A, seq: 1, lamport: 1, type: 'remove', member: B, observed: Array(65).fill(`${A}:1`) },
    ];
    for (const v of bad) expect(() => validateRosterOpValue(v)).toThrow(/rosterOp/);
  });
});

describe('anchored view', () => {
  it('counts only the anchor founding: a stranger’s earlier-sorting founding has no effect', () => {
    let roster = addOp(EMPTY_ROSTER, op(A, 1, 1, { type: 'found', open: false }));
    roster = addOp(roster, op(S, 1, 1, { type: 'found', open: true }));
    const view = anchoredView(roster, `${A}:1`);
    expect(view.founder).toBe(A);
    expect(view.open).toBe(false);
    expect(view.rejected.get(`${S}:1`)).toBe('second-founding');
    expect(anchoredView(roster, undefined).founder).toBeUndefined();
  });

  it('a joiner picks the founding whose roster admits its inviter', () => {
    let roster = addOp(EMPTY_ROSTER, op(S, 1, 1, { type: 'found', open: false }));
    roster = addOp(roster, op(A, 1, 2, { type: 'found', open: false }));
    roster = addOp(roster, op(A, 2, 3, { type: 'add', member: B }));
    expect(pickAnchor(roster, B)).toBe(`${A}:1`);
    expect(pickAnchor(roster, 'c'.repeat(32) as NodeId)).toBeUndefined();
  });

  it('without a named founding, a joiner takes none while several admit its inviter', () => {
    // A member's own founding at a clock before its admission, with an add of the inviter in it
    // (test/unit/attack/v1-token-rival-founding.test.ts): nothing tells it from the lattice's.
    let roster = addOp(EMPTY_ROSTER, op(A, 1, 2, { type: 'found', open: false }));
    roster = addOp(roster, op(A, 2, 3, { type: 'add', member: B }));
    roster = addOp(roster, op(B, 1, 1, { type: 'found', open: true }));
    roster = addOp(roster, op(B, 2, 1, { type: 'add', member: A }));
    expect(pickAnchor(roster, A)).toBeUndefined();
    expect(pickAnchor(roster, A, `${A}:1`)).toBe(`${A}:1`);
  });
});
