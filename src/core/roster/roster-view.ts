import { compareTs, type Timestamp } from '../clock/timestamp';
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
  /** Stamped before every admission of its author that took effect: written under another founding, or before it was a member. */
  | 'before-admission'
  /** Numbered past MAX_ROSTER_OPS_PER_AUTHOR (held from before the limit, or not refused at ingest). */
  | 'op-limit';

/**
 * An `add` its author signed under an op id that now holds another op (a twin: same id, another
 * value), with the stamp of its earliest version (docs/security.md, "An admission signed over").
 */
export interface TwinAdmission {
  readonly id: RosterOpId;
  readonly op: RosterOp;
  readonly ts: Timestamp;
}

export interface RosterView {
  /** Undefined until a founding op is held. */
  readonly founder: NodeId | undefined;
  readonly open: boolean;
  readonly members: ReadonlySet<NodeId>;
  /** Nodes removed and not admitted again, with the member who removed them. */
  readonly removed: ReadonlyMap<NodeId, NodeId>;
  /** Ops held but without effect, and why (shown to operators, counted by the security stats). */
  readonly rejected: ReadonlyMap<RosterOpId, RosterRejection>;
  /** The twin `add`s (`twins`) that took effect, as admissions of their members (RosterState.windows). */
  readonly twinAdmissions?: readonly TwinAdmission[];
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
 *   that X wrote (a re-add of itself, concurrent or not), and afterwards X's ops are rejected, but
 * - two members removing each other both end removed: a remove of its remover by a node that remover
 *   removed still counts (only while the remover is a member: it never re-admits its author).
 *   Whichever of the two sorts first, the other counts too, so a backdated remove of one's remover
 *   can take the remover along but cannot undo one's own removal. It counts once per removal it
 *   answers: after the remover is admitted again, the removed node's next remove of it does not;
 *   and the pair counts once whichever sorts first (a backdated remove of the remover, ordered
 *   before its own removal, is answered by it as well).
 * - with `stampOf` (the HLC stamp of the version carrying each op: RosterState), an op counts only
 *   if stamped after an admission of its author that took effect before it in op order (undone
 *   since or not: a concurrent remove may undo the admission it wrote under): a member writes after it
 *   learnt of its admission (its clock has seen that stamp), so an op stamped before was written
 *   before it was a member here, e.g. under a founding its device gave up to join this lattice by
 *   invitation, whose clocks may sort its ops after its admission here (docs/security.md, "Ops
 *   written under a founding given up"). Rejected as `before-admission`.
 * - `twins`: an `add` signed under an id that holds another op now (its author equivocating) is one
 *   admission of its member under that id too, taken in op order at its own clock and stamp if it
 *   would have taken effect as the op under the id (but for the sequence it shares with that op): a
 *   twin does not undo an admission; a `remove` naming the id as observed does (docs/security.md,
 *   "An admission signed over").
 * A function of the set (and the stamps) alone: every replica holding the same ops sees the same roster.
 */
export function rosterView(
  roster: Roster,
  stampOf?: (id: RosterOpId) => Timestamp | undefined,
  twins: readonly TwinAdmission[] = [],
): RosterView {
  const held: { readonly op: RosterOp; readonly twin?: TwinAdmission }[] = [...roster.values()].map((op) => ({ op }));
  for (const t of twins) if (t.op.body.type === 'add') held.push({ op: t.op, twin: t });
  const ops = held.sort((a, b) => compareOps(a.op, b.op) || (a.twin === undefined ? -1 : b.twin === undefined ? 1 : 0));
  const admissions = new Map<NodeId, Map<RosterOpId, NodeId>>();
  // The stamp of every admission of each node that took effect, undone later or not (writtenAsMember).
  const everAdmitted = new Map<NodeId, (Timestamp | undefined)[]>();
  // Per removed node, the remove of it that took effect last; and per node, the remove of it its
  // counter-remove answered (removesItsRemover).
  const lastRemoval = new Map<NodeId, RosterOpId>();
  const answered = new Map<NodeId, RosterOpId>();
  const removed = new Map<NodeId, NodeId>();
  const rejected = new Map<RosterOpId, RosterRejection>();
  const lastSeq = new Map<NodeId, number>();
  const twinAdmissions: TwinAdmission[] = [];
  let founder: NodeId | undefined;
  let open = false;
  const isMember = (id: NodeId): boolean => (admissions.get(id)?.size ?? 0) > 0;
  const admit = (member: NodeId, id: RosterOpId, by: NodeId, stamp: Timestamp | undefined): void => {
    let own = admissions.get(member);
    if (own === undefined) admissions.set(member, (own = new Map()));
    own.set(id, by);
    const ever = everAdmitted.get(member);
    if (ever === undefined) everAdmitted.set(member, [stamp]);
    else ever.push(stamp);
    removed.delete(member);
  };

  for (const { op, twin } of ops) {
    const id = opId(op);
    if (twin !== undefined) {
      // Judged as the op under its id would be, at its own stamp; it shares its sequence number
      // with that op, so only an earlier one of its author's taken before it refuses it.
      if (op.seq >= (lastSeq.get(op.author) ?? 0) && rejection(op, twin.ts, true) === undefined) {
        admit((op.body as { member: NodeId }).member, id, op.author, twin.ts);
        twinAdmissions.push(twin);
      }
      continue;
    }
    const reason = rejection(op);
    if (reason !== undefined) {
      rejected.set(id, reason);
      continue;
    }
    lastSeq.set(op.author, op.seq);
    const body = op.body;
    switch (body.type) {
      case 'found':
        founder = op.author;
        open = body.open;
        admit(op.author, id, op.author, stampOf?.(id));
        break;
      case 'add':
        admit(body.member, id, op.author, stampOf?.(id));
        break;
      case 'remove': {
        // A counter-remove (its author stands removed) answers the removal of its author.
        const counter = !isMember(op.author);
        if (counter) answered.set(op.author, lastRemoval.get(op.author)!);
        const own = admissions.get(body.member)!;
        for (const [admission, by] of own) {
          if (body.observed.includes(admission) || by === body.member) own.delete(admission);
        }
        if (own.size === 0) {
          removed.set(body.member, op.author);
          lastRemoval.set(body.member, id);
          // And the removal it makes is answered already, by the remove of its author it answers:
          // the pair counts once whichever of the two sorts first, so a backdated remove of the
          // remover does not leave its author a second counter-remove once the remover is
          // re-admitted (test/unit/attack/counter-removal-repeat.test.ts).
          if (counter) answered.set(body.member, id);
        }
        break;
      }
      default: {
        const never: never = body;
        throw new Error(`unknown roster op ${JSON.stringify(never)}`);
      }
    }
  }

  function rejection(
    op: RosterOp,
    at: Timestamp | undefined = stampOf?.(opId(op)),
    twin = false,
  ): RosterRejection | undefined {
    // An author's ops apply in its own order: a sequence number that goes back (a later op with an
    // earlier clock, or a replay) is refused.
    if (op.seq > MAX_ROSTER_OPS_PER_AUTHOR) return 'op-limit';
    if (!twin && op.seq <= (lastSeq.get(op.author) ?? 0)) return 'bad-sequence';
    if (op.body.type === 'found') return founder === undefined ? undefined : 'second-founding';
    if (founder === undefined) return 'not-founded';
    // Two members removing each other both count (as concurrent removals do in DCGKA): the author's
    // removal by the very node it removes does not void its remove. Either of the two may be the
    // backdated one, and nothing in the ops tells which, so neither wins: both end removed
    // (docs/security.md, "Removals of each other"). Once per removal: a later remove of the
    // remover, re-admitted since, is the removed node's write and is rejected.
    if (!isMember(op.author)) return removesItsRemover(op) ? undefined : 'author-not-member';
    if (!writtenAsMember(op, at)) return 'before-admission';
    if (op.body.type === 'add' && isMember(op.body.member) && op.body.member === op.author) return 'already-member';
    if (op.body.type === 'remove' && !isMember(op.body.member)) return 'not-a-member';
    return undefined;
  }

  /**
   * Whether `op` is stamped after an admission of its author that took effect, even one undone
   * since (true without stamps): a remove concurrent with a re-invite may undo the admission the
   * author wrote under, and leave only the re-invite, stamped later (docs/security.md).
   */
  function writtenAsMember(op: RosterOp, at: Timestamp | undefined): boolean {
    if (at === undefined) return true;
    for (const admitted of everAdmitted.get(op.author) ?? []) {
      if (admitted === undefined || compareTs(admitted, at) < 0) return true;
    }
    return false;
  }

  /**
   * A remove of the member whose remove of its author took effect last, while it is a member, and
   * the first that answers that removal: once the remover is admitted again, a second remove of it
   * by its author does not count (it removed its remover again after each re-admission, and each
   * time moved its own cut-off later: docs/security.md, "Removals of each other").
   */
  function removesItsRemover(op: RosterOp): boolean {
    if (op.body.type !== 'remove' || removed.get(op.author) !== op.body.member || !isMember(op.body.member))
      return false;
    return answered.get(op.author) !== lastRemoval.get(op.author);
  }

  const members = new Set([...admissions].filter(([, own]) => own.size > 0).map(([id]) => id));
  return { founder, open, members, removed, rejected, twinAdmissions };
}
