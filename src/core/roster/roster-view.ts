import type { NodeId } from '../ids';
import type { Roster } from './roster';
import { compareOps, MAX_ROSTER_OPS_PER_AUTHOR, opId, type RosterOp, type RosterOpId } from './roster-op';

export type RosterRejection =
  | 'not-founded'
  | 'second-founding'
  | 'author-not-member'
  | 'already-member'
  | 'not-a-member'
  | 'bad-sequence'
  /** Numbered past MAX_ROSTER_OPS_PER_AUTHOR (held from before the limit, or not refused at ingest). */
  | 'op-limit'
  /** Written by a removed node past what its remover had seen of it (a bounded remove that counts). */
  | 'voided';

export interface RosterView {
  /** Undefined until a founding op is held. */
  readonly founder: NodeId | undefined;
  readonly open: boolean;
  readonly members: ReadonlySet<NodeId>;
  /** Nodes removed and not admitted again, with the member who removed them. */
  readonly removed: ReadonlyMap<NodeId, NodeId>;
  /** Ops held but without effect, and why (shown to operators, counted by the security stats). */
  readonly rejected: ReadonlyMap<RosterOpId, RosterRejection>;
  /**
   * For a node removed by a bounded remove that counted: the lowest `upTo` among those removes. Its
   * roster ops numbered past it are void, held or still to come (the ingest gate refuses them).
   */
  readonly voidPast: ReadonlyMap<NodeId, number>;
}

/**
 * Who is a member, from the ops held. Ops are applied in causal order (Lamport clock, ties by
 * author and sequence), each only if its author is a member at that point:
 * - the first `found` (in that order) founds the lattice: its author is the first member, and it
 *   fixes the open flag; any later `found` is rejected;
 * - membership is an observed-remove set of admissions: an `add` is one admission of its member,
 *   and a `remove` undoes the admissions it names as observed. So a concurrent `add` by another
 *   member survives a `remove` (a deliberate re-invite), but
 * - removal wins over the removed node itself: a `remove` of X also undoes every admission of X
 *   that X wrote (a re-add of itself, concurrent or not), and afterwards X's ops are rejected;
 * - a bounded remove of X (with `upTo`: the highest sequence number of X's ops its author held)
 *   that counts voids X's ops numbered past `upTo` (`voided`): what X wrote unseen by its remover,
 *   a counter-removal with a backdated clock included. It counts if it takes effect once the ops it
 *   voids are left out. Every bounded remove is tried against the same voided set, round after
 *   round, until the set stops growing (it only grows: a fixpoint, whatever the order tried). Two
 *   that void each other (each unseen by the other) both count and both take effect: removal wins
 *   over the removed node itself, both are removed, and another member may admit either again.
 *   A remove without `upTo` (written before the field) voids nothing, as before.
 * A function of the set alone: every replica holding the same ops sees the same roster.
 */
export function rosterView(roster: Roster): RosterView {
  const ops = [...roster.values()].sort(compareOps);
  const candidates = ops.filter((op) => op.body.type === 'remove' && op.body.upTo !== undefined);
  if (candidates.length === 0) return publicView(fold(ops, NONE, []), []);
  // The voided set grows to a fixpoint: each round, every bounded remove not yet counted is tried
  // against the same voided set (so the result does not depend on which is tried first).
  const voided = new Set<RosterOpId>();
  const counted: RosterOp[] = [];
  const countedIds = new Set<RosterOpId>();
  for (;;) {
    const fresh: RosterOp[] = [];
    let base: ReturnType<typeof fold> | undefined;
    for (const r of candidates) {
      const id = opId(r);
      if (countedIds.has(id)) continue;
      const voids = voidedBy(r, ops).filter((v) => !voided.has(v));
      if (voids.length === 0 && !voided.has(id)) {
        // Nothing (new) to void: it counts if it takes effect as things stand (then the gate refuses
        // its member's later ops past `upTo`, voidPast).
        if ((base ??= fold(ops, voided, [])).effective.has(id)) fresh.push(r);
        continue;
      }
      // It counts if it would take effect without the ops it voids (its member's, unseen by its author).
      const without = new Set([...voided, ...voids]);
      without.delete(id);
      if (fold(ops, without, []).effective.has(id)) fresh.push(r);
    }
    if (fresh.length === 0) break;
    for (const r of fresh) {
      counted.push(r);
      countedIds.add(opId(r));
      for (const v of voidedBy(r, ops)) voided.add(v);
    }
  }
  return publicView(fold(ops, voided, counted), counted);
}

function publicView(f: ReturnType<typeof fold>, counted: readonly RosterOp[]): RosterView {
  const voidPast = new Map<NodeId, number>();
  for (const r of counted) {
    if (r.body.type !== 'remove' || r.body.upTo === undefined) continue;
    const held = voidPast.get(r.body.member);
    if (held === undefined || r.body.upTo < held) voidPast.set(r.body.member, r.body.upTo);
  }
  return { founder: f.founder, open: f.open, members: f.members, removed: f.removed, rejected: f.rejected, voidPast };
}

const NONE: ReadonlySet<RosterOpId> = new Set();

/** The ids of the removed node's ops a bounded remove voids: numbered past its `upTo`. */
function voidedBy(r: RosterOp, ops: readonly RosterOp[]): RosterOpId[] {
  const body = r.body;
  if (body.type !== 'remove' || body.upTo === undefined) return [];
  const upTo = body.upTo;
  return ops.filter((op) => op.author === body.member && op.seq > upTo).map(opId);
}

/**
 * The causal fold (see rosterView): ops in `voided` are without effect (`voided`), and each op of
 * `forced` (bounded removes that counted) removes its member at the end whatever the fold made of it.
 */
function fold(
  ops: readonly RosterOp[],
  voided: ReadonlySet<RosterOpId>,
  forced: readonly RosterOp[],
): Omit<RosterView, 'voidPast'> & { readonly effective: ReadonlySet<RosterOpId> } {
  const admissions = new Map<NodeId, Map<RosterOpId, NodeId>>();
  const removed = new Map<NodeId, NodeId>();
  const rejected = new Map<RosterOpId, RosterRejection>();
  const effective = new Set<RosterOpId>();
  const lastSeq = new Map<NodeId, number>();
  let founder: NodeId | undefined;
  let open = false;
  const isMember = (id: NodeId): boolean => (admissions.get(id)?.size ?? 0) > 0;
  const admit = (member: NodeId, id: RosterOpId, by: NodeId): void => {
    let own = admissions.get(member);
    if (own === undefined) admissions.set(member, (own = new Map()));
    own.set(id, by);
    removed.delete(member);
  };
  const unadmit = (op: RosterOp, body: { readonly member: NodeId; readonly observed: readonly string[] }): void => {
    const own = admissions.get(body.member);
    if (own === undefined) return;
    for (const [admission, by] of own) {
      if (body.observed.includes(admission) || by === body.member) own.delete(admission);
    }
    if (own.size === 0) removed.set(body.member, op.author);
  };

  for (const op of ops) {
    const id = opId(op);
    const reason = voided.has(id) ? 'voided' : rejection(op);
    if (reason !== undefined) {
      rejected.set(id, reason);
      continue;
    }
    effective.add(id);
    lastSeq.set(op.author, op.seq);
    const body = op.body;
    switch (body.type) {
      case 'found':
        founder = op.author;
        open = body.open;
        admit(op.author, id, op.author);
        break;
      case 'add':
        admit(body.member, id, op.author);
        break;
      case 'remove':
        unadmit(op, body);
        break;
      default: {
        const never: never = body;
        throw new Error(`unknown roster op ${JSON.stringify(never)}`);
      }
    }
  }
  for (const r of forced) {
    if (r.body.type !== 'remove') continue;
    unadmit(r, r.body);
    // It took effect (its stamp is then the removal's cut-off, RosterState.removedAt).
    if (!isMember(r.body.member)) {
      rejected.delete(opId(r));
      effective.add(opId(r));
    }
  }

  function rejection(op: RosterOp): RosterRejection | undefined {
    // An author's ops apply in its own order: a sequence number that goes back (a later op with an
    // earlier clock, or a replay) is refused.
    if (op.seq > MAX_ROSTER_OPS_PER_AUTHOR) return 'op-limit';
    if (op.seq <= (lastSeq.get(op.author) ?? 0)) return 'bad-sequence';
    if (op.body.type === 'found') return founder === undefined ? undefined : 'second-founding';
    if (founder === undefined) return 'not-founded';
    if (!isMember(op.author)) return 'author-not-member';
    if (op.body.type === 'add' && isMember(op.body.member) && op.body.member === op.author) return 'already-member';
    if (op.body.type === 'remove' && !isMember(op.body.member)) return 'not-a-member';
    return undefined;
  }

  const members = new Set([...admissions].filter(([, own]) => own.size > 0).map(([id]) => id));
  return { founder, open, members, removed, rejected, effective };
}
