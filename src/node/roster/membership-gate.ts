import { compareTs, type Timestamp } from '../../core/clock/timestamp';
import type { NodeId } from '../../core/ids';
import { hasHonestContext } from '../../core/merge/knowledge';
import type { Version } from '../../core/merge/version';
import {
  canonicalOp,
  compareOps,
  MAX_ROSTER_OPS_PER_AUTHOR,
  opId,
  type RosterOp,
  type RosterOpId,
} from '../../core/roster/roster-op';
import { isRosterEntity, opOfVersion } from '../../core/roster/roster-entity';
import { compareOpContent, pushTo, type RosterState, type StampedOp } from './roster-state';

/** Why a verified version was refused for who wrote it (counted in securityStats().rejected). */
export const MEMBERSHIP_REASONS = [
  /** A closed lattice: the author was never admitted here (it may be later: asked for again). */
  'not-a-member',
  /** Written by a removed member after its removal (its earlier writes are kept). */
  'removed-member',
  /** A `found` op other than the founding this device trusts, by a stranger, in a closed lattice. */
  'rival-founding',
  /** On a roster entity, but not a well-formed roster op its id names, by its signed author. */
  'roster-mismatch',
  /** This node holds no founded roster yet (a joiner): asked for again once it does. */
  'roster-pending',
  /** A roster op numbered past MAX_ROSTER_OPS_PER_AUTHOR (roster-op.ts): its author wrote too many. */
  'roster-op-limit',
] as const;
export type MembershipReason = (typeof MEMBERSHIP_REASONS)[number];

export interface MembershipRefusal {
  readonly version: Version;
  readonly reason: MembershipReason;
  /**
   * May pass soon (an admission or the roster on its way, a sibling not yet read): asked for again
   * at the next round. Otherwise (a removed member's late write, a rival founding, a mismatch) it is
   * not asked for again for a long while.
   */
  readonly soon: boolean;
}

export interface GateOutcome {
  readonly accepted: Version[];
  readonly rejected: MembershipRefusal[];
  /** Sibling tabs (same device) met whose admission is not written yet. */
  readonly siblings: NodeId[];
}

/**
 * The roster's check on versions that verified (signature, author), before they are merged
 * (docs/security.md, "The roster in the store"). Roster ops are checked first, in op order (of
 * each id's version the store prefers; an id's versions latest first), each against the roster
 * with the batch's earlier accepted ops in it, so an `add` and the new member's writes may arrive
 * in one batch. Rules:
 * - a roster entity holds exactly the op its id names, by the version's signed author;
 * - `found`: only the anchor counts; in a closed lattice any other is refused (a stranger's
 *   founding would sort first and take the lattice), in an open one it is kept as inert data;
 *   an unanchored joiner takes every founding (it anchors on the one admitting its inviter);
 * - other roster ops, in a closed lattice: by an author ever admitted or a sibling tab (the roster
 *   view then decides their effect); else refused, to ask again later;
 * - every other version: ours, a sibling's (one device), a member's, or anyone's in an open
 *   lattice; a removed member's only if stamped before its removal; nothing before a founding.
 */
export function gateVersions(
  versions: readonly Version[],
  state: RosterState,
  isSibling: (node: NodeId) => boolean,
  self: NodeId,
): GateOutcome & { readonly state: RosterState } {
  const accepted: Version[] = [];
  const rejected: MembershipRefusal[] = [];
  const ops: Entry[] = [];
  const others: Version[] = [];
  const refuse = (version: Version, reason: MembershipReason, soon: boolean): void => {
    rejected.push({ version, reason, soon });
  };
  for (const v of versions) {
    if (!isRosterEntity(v.entity)) {
      others.push(v);
      continue;
    }
    const parsed = opOfVersion(v, true);
    if ('problem' in parsed) refuse(v, 'roster-mismatch', false);
    else ops.push({ op: parsed.op, version: v });
  }
  // The versions of one op id, in the order the store prefers them: a roster register has one
  // author, whose later write supersedes its earlier ones (dominates, version.ts), one timestamp
  // keeps one content (compareContent, version-content.ts), and a version with a malformed context
  // is not merged at all (hasHonestContext). Ids are checked in op order of the version the store
  // prefers, each id's versions latest first, as if delivered so one by one: the first taken is
  // what the store keeps (unless it keeps the op held), and the others, superseded on arrival,
  // change nothing. So a batch of twins of one op costs one state and one view, not one per twin
  // (test/unit/attack/roster-batch-twin-flip-cpu.test.ts).
  const groups = new Map<RosterOpId, Entry[]>();
  for (const e of ops) pushTo(groups, opId(e.op), e);
  const order = [...groups.values()];
  for (const group of order) if (group.length > 1) group.sort(preferred);
  // A group is taken at the earlier of its preferred version's op and any `add` among its versions:
  // that add is an admission from its earliest version on whatever the id holds (RosterState twins;
  // docs/security.md, "An admission signed over"), so the admitted node's ops that sort after it
  // are checked with it admitted, as one by one.
  const at = new Map<Entry[], RosterOp>();
  for (const group of order) {
    let first = group[0]!.op;
    for (const e of group) {
      if (e.op.body.type === 'add' && hasHonestContext(e.version) && compareOps(e.op, first) < 0) first = e.op;
    }
    at.set(group, first);
  }
  order.sort((a, b) => compareOps(at.get(a)!, at.get(b)!));
  // The batch's ops are checked against one state; accepted ops wait in `pending` and join it only
  // when one may change what a later check reads (changesChecks), so a batch costs one roster copy
  // and one view, not one per op (test/unit/attack/roster-op-batch-cpu.test.ts,
  // roster-batch-named-authors-cpu.test.ts).
  const batchAuthors = new Map<NodeId, RosterOp[]>();
  const batchRemoves = new Map<NodeId, RosterOp[]>();
  for (const { op } of ops) {
    pushTo(batchAuthors, op.author, op);
    if (op.body.type === 'remove') pushTo(batchRemoves, op.body.member, op);
  }
  const batch: BatchNames = { authors: batchAuthors, removesOf: batchRemoves, renumbers: new Map() };
  let now = state;
  // The op each touched register will stand for once merged, as the store will hold it (below).
  const pending = new Map<RosterOpId, StampedOp>();
  for (const group of order) {
    // An `add` under the id, not its head, delivered or moved earlier: the state takes it once the
    // id's versions are all in (one view per id, not per twin: roster-batch-twin-flip-cpu.test.ts).
    let twinMoved = false;
    for (const { op, version } of group) {
      const reason = opRefusal(op, version, now, pending, isSibling, self);
      if (reason !== undefined) {
        refuse(version, reason, reason === 'not-a-member');
        continue;
      }
      accepted.push(version);
      if (!hasHonestContext(version)) continue;
      // The state follows what the store will hold (RosterService follows the register's heads,
      // opOfHeads): the version taken here becomes the op under its id if the store keeps it over
      // the head held (stamped later, or at the head's stamp with the content the store keeps
      // there). Keeping the held op for the batch's later checks let a twin's effect (a removal)
      // miss them, while one by one it counted (test/unit/attack/roster-batch-twin-stale.test.ts);
      // dropping a twin at the held stamp that the store keeps did the same
      // (roster-batch-same-stamp-twin.test.ts). The op counts at the stamp of its earliest version
      // the register was delivered, which it keeps (docs/security.md, "An op signed again"): a
      // later version of the op held changes nothing a check reads, an earlier one moves its stamp.
      const id = opId(op);
      const held = pending.get(id);
      const before = held?.op ?? now.roster.get(id);
      const heldHead = held !== undefined ? (held.head ?? held.ts) : now.headStampOf(id);
      const heldFirsts = held?.firsts ?? now.firstsOf(id);
      let head = before;
      let headTs = heldHead;
      const later = heldHead === undefined ? 1 : compareTs(version.ts, heldHead);
      if (later > 0 || (later === 0 && before !== undefined && compareOpContent(before, op) > 0)) {
        head = op;
        headTs = version.ts;
      }
      const text = canonicalOp(op);
      const known = heldFirsts.get(text);
      const firsts =
        known === undefined || compareTs(version.ts, known) < 0
          ? new Map(heldFirsts).set(text, version.ts)
          : heldFirsts;
      if (head === undefined || headTs === undefined) continue;
      const ts = firsts.get(canonicalOp(head))!;
      const stamp = held?.ts ?? now.stampOf(id);
      const sameOp = before !== undefined && canonicalOp(before) === canonicalOp(head);
      if (sameOp && stamp !== undefined && compareTs(ts, stamp) === 0) {
        // Only the head's stamp or another op's earliest version moved: nothing a check reads, but
        // for another `add` under the id, an admission from its earliest version on (RosterState
        // twins; docs/security.md, "An admission signed over").
        if (firsts !== heldFirsts || compareTs(headTs, heldHead!) !== 0)
          pending.set(id, { op: head, ts, head: headTs, firsts });
        if (firsts !== heldFirsts && op.body.type === 'add' && text !== canonicalOp(head)) twinMoved = true;
        continue;
      }
      pending.set(id, { op: head, ts, head: headTs, firsts });
      if (replaceChangesChecks(head, ts, before, now, batch)) {
        now = now.withHeads([...pending.values()]);
        pending.clear();
      }
    }
    if (twinMoved && pending.size > 0) {
      now = now.withHeads([...pending.values()]);
      pending.clear();
    }
  }
  if (pending.size > 0) now = now.withHeads([...pending.values()]);
  const siblings = new Set<NodeId>();
  for (const v of others) {
    const author = v.ts.node;
    if (author === self || now.open) accepted.push(v);
    else if (now.view.members.has(author)) {
      // Admitted again after a removal: what it wrote while removed stays refused (docs/security.md,
      // "A removed device invited again").
      if (now.writtenAfterRemoval(author, v.ts)) refuse(v, 'removed-member', false);
      else accepted.push(v);
    } else if (now.view.removed.has(author)) {
      // Removal holds for a sibling tab too: its device removed it on purpose.
      if (now.writtenAfterRemoval(author, v.ts)) refuse(v, 'removed-member', false);
      else accepted.push(v);
    } else if (isSibling(author)) {
      accepted.push(v);
      if (now.founded && now.view.members.has(self)) siblings.add(author);
    } else if (!now.founded) refuse(v, 'roster-pending', true);
    else refuse(v, 'not-a-member', true);
  }
  return { accepted, rejected, siblings: [...siblings], state: now };
}

interface Entry {
  readonly op: RosterOp;
  readonly version: Version;
}

/**
 * The store's preference among versions of one roster register: honest contexts first (a malformed
 * one is not merged), then the latest stamp, then at one stamp the content the store keeps.
 */
function preferred(a: Entry, b: Entry): number {
  const honest = Number(hasHonestContext(b.version)) - Number(hasHonestContext(a.version));
  if (honest !== 0) return honest;
  const later = compareTs(b.version.ts, a.version.ts);
  return later !== 0 ? later : compareOpContent(a.op, b.op);
}

/**
 * The batch's roster ops by author, and its removes by the node they name (whether or not they are
 * taken), each in op order.
 */
interface BatchNames {
  readonly authors: ReadonlyMap<NodeId, readonly RosterOp[]>;
  readonly removesOf: ReadonlyMap<NodeId, readonly RosterOp[]>;
  /** renumbersLater's answers. */
  readonly renumbers: Map<RosterOp, { readonly state: RosterState; readonly value: boolean }>;
}

/**
 * Whether putting `op` under its id (new, or in place of `before`, the op held or pending there) may
 * change what a later check of the batch reads. Same content (an earlier version of the op held:
 * docs/security.md, "An op signed again"): only its stamp moves, and a stamp is read as a removal's cut-off, by the checks of the removed node's ops (and of the
 * ops of nodes it removed, whose cut-offs it bounds), and as an admission's stamp, by the view's
 * judgement of the admitted node's ops (`before-admission`). Different
 * content in place of an op that takes effect here (a twin): its effect goes, which may change
 * anything. Otherwise: changesChecks.
 */
function replaceChangesChecks(
  op: RosterOp,
  ts: Timestamp,
  before: RosterOp | undefined,
  state: RosterState,
  batch: BatchNames,
): boolean {
  if (before !== undefined && canonicalOp(before) === canonicalOp(op)) {
    // The removed node's cut-off bounds its own removes' cut-offs (RosterState.removedAt): so the
    // checks of the ops of a node it removed read it too. An admission's stamp bounds which of its
    // member's ops count (`before-admission`, roster-view.ts): an earlier version of an `add` or
    // `found` moves it, and with it those ops' effect (test/unit/node/roster/resigned-admission.test.ts).
    const m = op.body.type === 'found' ? op.author : op.body.member;
    return batch.authors.has(m) || state.index.authors.has(m);
  }
  const held = state.roster.get(opId(op));
  if (held !== undefined && canonicalOp(held) !== canonicalOp(op) && !state.view.rejected.has(opId(op))) return true;
  return changesChecks(op, ts, state, batch);
}

/**
 * Whether an accepted op, once in the roster, may change what the gate reads for a later op of the
 * batch: whether its author is known or removed (and when), the founding, the anchor. An op that
 * cannot waits to join the state with the batch's others. It cannot if it sorts before the anchor's
 * founding (nothing counts before it: rejected as `not-founded`). It can if it is the founding that
 * counts (or any, before a joiner is anchored); if it sorts before its author's last op that took
 * effect, or an `add` of its author's under an id holding another op (its sequence number may void
 * that op, and with it that op's effect on another node); if it
 * adds or removes a node that wrote ops (held or in the batch), that ops held name, or the joiner's
 * inviter (its status then changes the effect of other ops, or a check) - unless it adds a node whose
 * status no later check reads differently (extraAdmissionUnread). Otherwise its only effect is on the
 * status of a node that no op held or checked depends on.
 */
function changesChecks(op: RosterOp, ts: Timestamp, state: RosterState, batch: BatchNames): boolean {
  const body = op.body;
  if (body.type === 'found') return state.anchor === undefined || opId(op) === state.anchor;
  const founding = state.anchor === undefined ? undefined : state.roster.get(state.anchor);
  if (founding !== undefined && compareOps(op, founding) < 0) return false;
  const { authors, targets, lastEffective } = state.index;
  const last = lastEffective.get(op.author);
  if (last !== undefined && compareOps(op, last) < 0) return true;
  // Or before an `add` of its author's under an id that holds another op: its sequence number may
  // void that admission too (RosterState twins).
  for (const t of state.twins) if (t.op.author === op.author && compareOps(op, t.op) < 0) return true;
  const m = body.member;
  if (body.type === 'add' && state.anchor !== undefined && extraAdmissionUnread(op, ts, m, state, batch)) return false;
  return authors.has(m) || targets.has(m) || batch.authors.has(m) || m === state.inviter;
}

/**
 * Whether `op`, an `add` of `m` sorting after the founding and after its author's last op that takes
 * effect, changes no status a later check of the batch reads. Such an add is one more admission of
 * m from its place in op order on. If m is a member from an admission sorting before it and no remove
 * of m (held or in the batch, taken or not) sorts between the two, m is a member already where it
 * sorts, so the add can change m's status only from a remove of m sorting after it on (the admission
 * survives one that did not observe it). None: m's status changes nowhere (4 members' 1,000 adds of
 * the founder each, roster-batch-named-authors-cpu.test.ts). Some: m's status from the first such
 * remove on, and each such remove's effect (taken or `not-a-member`), may change; that is read only
 * - by the checks of m's own ops in the batch (its status, its cut-off);
 * - through m's ops held sorting after that remove (their effect then depends on it);
 * - through the remove's author's later ops numbered no higher (a remove taking effect or not moves
 *   the sequence number they are judged against: `bad-sequence`).
 * (A joiner's inviter's status counts only until it is anchored, and this runs only once it is.)
 * Without any of these, a remove of m in the batch no longer costs a view per add of m (one remove
 * of the founder did: 4,000 views, 6 s).
 */
function extraAdmissionUnread(op: RosterOp, ts: Timestamp, m: NodeId, state: RosterState, batch: BatchNames): boolean {
  if (!state.view.members.has(m)) return false;
  const { firstAdmission, removesOf, lastOp } = state.index;
  const first = firstAdmission.get(m);
  if (first === undefined || compareOps(first, op) >= 0) return false;
  // Stamped before m's first admission, it may let m's ops stamped in between count (an op counts
  // only if written after an admission of its author: roster-view.ts `before-admission`).
  const firstAt = state.stampOf(opId(first));
  if ((state.index.authors.has(m) || batch.authors.has(m)) && (firstAt === undefined || compareTs(ts, firstAt) < 0))
    return false;
  let earliest: RosterOp | undefined;
  const later: RosterOp[] = [];
  for (const list of [removesOf.get(m), batch.removesOf.get(m)]) {
    for (const r of list ?? []) {
      if (compareOps(r, op) < 0) {
        if (compareOps(r, first) > 0) return false;
        continue;
      }
      later.push(r);
      if (earliest === undefined || compareOps(r, earliest) < 0) earliest = r;
    }
  }
  if (earliest === undefined) return true;
  if (batch.authors.has(m)) return false;
  const own = lastOp.get(m);
  if (own !== undefined && compareOps(own, earliest) > 0) return false;
  return later.every((r) => !renumbersLater(r, state, batch));
}

/**
 * Whether an op by `r`'s author, held or in the batch, sorts after `r` with a sequence number no
 * higher. Kept per remove and state: a batch asks it for each add of the member the remove names.
 */
function renumbersLater(r: RosterOp, state: RosterState, batch: BatchNames): boolean {
  const known = batch.renumbers.get(r);
  if (known !== undefined && known.state === state) return known.value;
  const value = renumbers(r, state.index.byAuthor.get(r.author)) || renumbers(r, batch.authors.get(r.author));
  batch.renumbers.set(r, { state, value });
  return value;
}

/** Whether any of `ops` (by `r`'s author) sorts after `r` with a sequence number no higher. */
function renumbers(r: RosterOp, ops: readonly RosterOp[] | undefined): boolean {
  return ops?.some((o) => o.seq <= r.seq && compareOps(o, r) > 0) ?? false;
}

function opRefusal(
  op: RosterOp,
  version: Version,
  state: RosterState,
  pending: ReadonlyMap<RosterOpId, StampedOp>,
  isSibling: (node: NodeId) => boolean,
  self: NodeId,
): MembershipReason | undefined {
  // Past the per-author bound: refused by every node alike (it is a function of the op alone).
  if (op.seq > MAX_ROSTER_OPS_PER_AUTHOR) return 'roster-op-limit';
  if (op.author === self) return undefined;
  // A removed member's roster ops written after its removal are refused like its other writes
  // (by the same clock rule, so every node holding the removal refuses the same ones): with an
  // earlier Lamport clock they would otherwise apply as if it were still a member. Also an op it
  // held already, signed again: the later version would become the register's head and move the
  // op's stamp, and a remove's stamp is its member's cut-off
  // (test/unit/node/roster/removed-resign.test.ts).
  if (state.writtenAfterRemoval(op.author, version.ts) && !removesItsRemover(op, version, state, pending))
    return 'removed-member';
  const held = pending.get(opId(op))?.op ?? state.roster.get(opId(op));
  if (held !== undefined && canonicalOp(held) === canonicalOp(op)) return undefined;
  // A second, different op under a held id (its author equivocating: a twin) is checked like a new
  // op and, if taken, merged by the store like any version; the roster follows the register's heads
  // (RosterService, opOfHeads), so every replica holding the same versions sees the same op.
  if (op.body.type === 'found') {
    if (state.anchor === undefined || opId(op) === state.anchor) return undefined;
    // Without effect here (the view counts the anchor only), but a member's own earlier founding
    // (it founded alone, then joined by invitation) is kept as inert data like an open lattice's:
    // refused, it was fetched again every round and its link never read synced.
    return state.open || state.known(op.author) || isSibling(op.author) ? undefined : 'rival-founding';
  }
  if (!state.founded) return undefined;
  // Open or closed, only a member's roster op can change the roster; anyone else's is refused
  // rather than held as inert data (each held op costs every later view).
  return state.known(op.author) || isSibling(op.author) ? undefined : 'not-a-member';
}

/**
 * Whether `op` is a new remove of its author's remover that counts once held (roster-view.ts: two
 * members removing each other both end removed) and is not past its author's cut-off then: the
 * remover, removed by it, stands removed, and the author's cut-off is never before the remover's
 * (RosterState.removedAt), so it covers the op. Judged with the op in the roster, as the withdrawal
 * judges what is held (RosterService.applyCutoffs): against the roster without it, a node that
 * merged the backdated remove of the remover first refused the remover's own removal of its author,
 * which a node that merged them the other way round kept (replicas split for good,
 * test/unit/attack/removed-counter-removal.test.ts). Only a new op id: a re-signed or twin op under
 * a held id would move the stamp, and so the author's cut-off, past its later writes. Only the first
 * that answers a removal: the view rejects the next, once the remover is admitted again (it removed
 * it again after each re-admission, its cut-off rising each time), and so does this, by the view.
 */
function removesItsRemover(
  op: RosterOp,
  version: Version,
  state: RosterState,
  pending: ReadonlyMap<RosterOpId, StampedOp>,
): boolean {
  const body = op.body;
  if (body.type !== 'remove' || state.view.removed.get(op.author) !== body.member) return false;
  const id = opId(op);
  if (pending.has(id) || state.has(id)) return false;
  const tried = state.withHeads([...pending.values(), { op, ts: version.ts }]);
  return !tried.view.rejected.has(id) && !tried.writtenAfterRemoval(op.author, version.ts);
}
