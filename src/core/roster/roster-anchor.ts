import type { Timestamp } from '../clock/timestamp';
import type { NodeId } from '../ids';
import type { Roster } from './roster';
import { compareOps, opId, type RosterOp, type RosterOpId } from './roster-op';
import { rosterView, type RosterView, type TwinAdmission } from './roster-view';

/**
 * The founding a device trusts: its anchor. `found` ops are ordered like any op (Lamport, then
 * author), so a stranger could write one that sorts first and take the lattice over if every
 * founding counted. A node therefore counts only its anchor: the founding it made itself, or the
 * one its device already trusts (shared by the profile's tabs), or, for a device joining with an
 * invitation, the first founding whose roster admits the inviter (pickAnchor). Every other `found`
 * op is without effect (rejected as `second-founding`).
 *
 * Undefined anchor: nothing is founded yet (a joiner waiting for its inviter's roster). `stampOf`:
 * the ops' stamps, for the rule that an op counts only if written after its author's admission
 * (rosterView).
 */
export function anchoredView(
  roster: Roster,
  anchor: RosterOpId | undefined,
  stampOf?: (id: RosterOpId) => Timestamp | undefined,
  twins: readonly TwinAdmission[] = [],
): RosterView {
  const kept = new Map<RosterOpId, RosterOp>();
  const rivals: RosterOpId[] = [];
  for (const [id, op] of roster) {
    if (op.body.type === 'found' && id !== anchor) rivals.push(id);
    else kept.set(id, op);
  }
  const view = rosterView(kept, stampOf, twins);
  if (rivals.length === 0) return view;
  const rejected = new Map(view.rejected);
  for (const id of rivals) rejected.set(id, 'second-founding');
  return { ...view, rejected };
}

/**
 * For a joiner: the founding its invitation names (`named`, the inviter's own anchor) once it is
 * held and its roster admits `inviter`. Without one (a version-1 invitation), the founding whose
 * roster admits `inviter` if exactly one held does; none while several do. Any member can keep a
 * founding of its own as inert data (one it wrote alone before it joined and gave up, or one it
 * wrote later, at a clock before its admission, with an `add` of the inviter in it): taking the
 * first in op order let such a member be the joiner's founder, with its own open flag
 * (test/unit/attack/v1-token-rival-founding.test.ts). Nothing in a version-1 token tells the two
 * apart, so the joiner takes neither; the inviter refuses such a token at admission
 * (docs/security.md, "Invitations").
 */
export function pickAnchor(roster: Roster, inviter: NodeId, named?: RosterOpId): RosterOpId | undefined {
  if (named !== undefined) {
    return roster.get(named)?.body.type === 'found' && anchoredView(roster, named).members.has(inviter)
      ? named
      : undefined;
  }
  const admitting = foundingsAdmitting(roster, inviter);
  return admitting.length === 1 ? admitting[0] : undefined;
}

/** The foundings held whose roster admits `node`, in op order (one view each). */
export function foundingsAdmitting(roster: Roster, node: NodeId): RosterOpId[] {
  const foundings = [...roster.values()].filter((op) => op.body.type === 'found').sort(compareOps);
  return foundings.map(opId).filter((id) => anchoredView(roster, id).members.has(node));
}

/** The author of an op id (`<node id>:<seq>`). */
export function authorOfOpId(id: RosterOpId): NodeId {
  return id.slice(0, id.lastIndexOf(':')) as NodeId;
}
