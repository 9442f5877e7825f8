/**
 * An admission signed over (issue 12): a member writes another op under the id of its `add` of a node
 * (a twin: same id, another value, at the same stamp or a later one). The store keeps one op per id
 * (opOfHeads), so the twin took the `add` out of the roster: the admitted node stood not admitted,
 * and its roster ops stopped counting, though nobody removed it.
 *
 * The rule (docs/security.md, "An admission signed over"): an `add` delivered under an id that took
 * effect counts as an admission from its earliest version on, whatever other op the id holds later
 * (rosterView `twins`, read from the first versions the register keeps); a `remove` naming the id as
 * observed is what ends it. Batch and one by one agree, in every order.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { gateVersions } from '../../../../src/node/roster/membership-gate';
import { RosterState } from '../../../../src/node/roster/roster-state';
import { gateEach, rosterOpVersion as v } from './roster-harness';

const [A, B, H, Y, Z] = ['aa', 'bb', 'hh', 'yy', 'zz'] as NodeId[] as [NodeId, NodeId, NodeId, NodeId, NodeId];

const setup = [
  v(A, 1, 1, 1, { type: 'found', open: false }),
  v(A, 2, 2, 100, { type: 'add', member: H }),
  // h, a member since 100, admits z at 200.
  v(H, 1, 3, 200, { type: 'add', member: Z }),
];

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

function members(s: RosterState): NodeId[] {
  return [...s.view.members].sort();
}

/** Every interleaving of `xs` (in every order) into `base` (kept in its order). */
function interleavings<T>(base: readonly T[], xs: readonly T[]): T[][] {
  let out: T[][] = [[...base]];
  for (const x of xs)
    out = out.flatMap((o) => o.map((_, i) => [...o.slice(0, i), x, ...o.slice(i)]).concat([[...o, x]]));
  return out;
}

/**
 * `extra` delivered at every point of the set-up (each member's ops after its admission, as a
 * node that refuses a stranger's op asks for it again later), one by one and as one batch: the
 * same members, and h's add of z counts or not alike.
 */
function everyOrder(extra: readonly Version[]): NodeId[] {
  const [found, ...rest] = setup;
  let want: NodeId[] | undefined;
  for (const xs of permutations(extra)) {
    for (const order of interleavings(rest, xs)) {
      const all = [found!, ...order];
      const each = gateEach(RosterState.empty(`${A}:1`), all);
      const once = gateVersions(all, RosterState.empty(`${A}:1`), () => false, 'me' as NodeId);
      // A member's op delivered before its admission is refused one by one (asked for again later).
      if (each.reasons.length > 0) continue;
      expect(once.rejected).toEqual([]);
      want ??= members(each.state);
      expect(members(each.state)).toEqual(want);
      expect(members(once.state)).toEqual(want);
      expect(once.state.view.rejected.has(`${H}:1`)).toBe(each.state.view.rejected.has(`${H}:1`));
    }
  }
  return want!;
}

describe('an admission signed over by a twin', () => {
  it('a later twin under the add’s id leaves h admitted and its ops counting', () => {
    const twin = v(A, 2, 2, 300, { type: 'add', member: Y });
    const s = gateEach(RosterState.empty(`${A}:1`), [...setup, twin]).state;
    expect(s.roster.get(`${A}:2`)?.body).toEqual({ type: 'add', member: Y });
    expect(members(s)).toEqual([A, H, Y, Z].sort());
    expect(s.view.rejected.has(`${H}:1`)).toBe(false);
  });

  it('a twin at the same stamp (the content the store keeps there) leaves h admitted', () => {
    // An add of b under the id, at the add's own stamp: its content sorts first (compareOpContent).
    const twin = v(A, 2, 2, 100, { type: 'add', member: B });
    const s = gateEach(RosterState.empty(`${A}:1`), [...setup, twin]).state;
    expect(s.roster.get(`${A}:2`)?.body).toEqual({ type: 'add', member: B });
    expect(members(s)).toEqual([A, B, H, Z].sort());
    expect(s.view.rejected.has(`${H}:1`)).toBe(false);
    expect(everyOrder([twin])).toEqual([A, B, H, Z].sort());
  });

  it('a remove under the id, stamped later, leaves h admitted', () => {
    const twin = v(A, 2, 5, 300, { type: 'remove', member: Z, observed: [`${H}:1`] });
    // The remove counts (a's op under the id now), and h stays.
    expect(everyOrder([twin])).toEqual([A, H].sort());
  });

  it('converges in every order, one by one and in a batch', () => {
    const twin = v(A, 2, 2, 300, { type: 'add', member: Y });
    expect(everyOrder([twin])).toEqual([A, H, Y, Z].sort());
  });

  it('a remove by a member naming the id ends it, in every order', () => {
    const twin = v(A, 2, 2, 300, { type: 'add', member: Y });
    const remove = v(A, 3, 4, 400, { type: 'remove', member: H, observed: [`${A}:2`] });
    // z stays: h admitted it while a member.
    expect(everyOrder([twin, remove])).toEqual([A, Y, Z].sort());
  });

  it('a twin add by a member that was not one yet takes no effect', () => {
    // h signs two ops under its id 1: the add of z at 200, and at 50 (before its own admission) an
    // add of y: only the first counts.
    const early = v(H, 1, 3, 50, { type: 'add', member: Y });
    expect(everyOrder([early])).toEqual([A, H, Z].sort());
  });
});
