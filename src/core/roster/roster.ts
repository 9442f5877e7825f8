import { canonicalOp, opId, type RosterOp, type RosterOpId } from './roster-op';

/**
 * A roster replica: the set of verified roster ops it has seen, by id. Replicas merge by union,
 * so merging is commutative, associative and idempotent whatever order ops arrive in; who is a
 * member is a function of the set (rosterView), the same on every replica holding the same ops.
 */
export type Roster = ReadonlyMap<RosterOpId, RosterOp>;

export const EMPTY_ROSTER: Roster = new Map();

/** The roster with the op added; an unverified op is not kept (it has no author to speak of). */
export function addOp(roster: Roster, op: RosterOp): Roster {
  return merge(roster, new Map([[opId(op), op]]));
}

/**
 * Union of two replicas. Two different ops under one id (an author equivocating, or a bug) are
 * resolved by keeping the one whose canonical text sorts first, so the choice is the same on
 * every replica and the merge laws still hold; a signed equivocation is evidence against its
 * author, for the signed-write layer to count and penalise.
 */
export function merge(a: Roster, b: Roster): Roster {
  const out = new Map<RosterOpId, RosterOp>();
  for (const side of [a, b]) {
    for (const [id, op] of side) {
      if (!op.verified) continue;
      const held = out.get(id);
      if (held === undefined || canonicalOp(op) < canonicalOp(held)) out.set(id, op);
    }
  }
  return out;
}

/** Equal replicas hold the same ops (by canonical text). */
export function sameRoster(a: Roster, b: Roster): boolean {
  if (a.size !== b.size) return false;
  for (const [id, op] of a) {
    const other = b.get(id);
    if (other === undefined || canonicalOp(other) !== canonicalOp(op)) return false;
  }
  return true;
}
