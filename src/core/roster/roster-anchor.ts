import type { NodeId } from '../ids';
import type { Roster } from './roster';
import { compareOps, opId, type RosterOp, type RosterOpId } from './roster-op';
import { rosterView, type RosterView } from './roster-view';

/**
 * The founding a device trusts: its anchor. `found` ops are ordered like any op (Lamport, then
 * author), so a stranger could write one that sorts first and take the lattice over if every
 * founding counted. A node therefore counts only its anchor: the founding it made itself, or the
 * one its device already trusts (shared by the profile's tabs), or, for a device joining with an
 * invitation, the first founding whose roster admits the inviter (pickAnchor). Every other `found`
 * op is without effect (rejected as `second-founding`).
 *
 * Undefined anchor: nothing is founded yet (a joiner waiting for its inviter's roster).
 */
export function anchoredView(roster: Roster, anchor: RosterOpId | undefined): RosterView {
  const kept = new Map<RosterOpId, RosterOp>();
  const rivals: RosterOpId[] = [];
  for (const [id, op] of roster) {
    if (op.body.type === 'found' && id !== anchor) rivals.push(id);
    else kept.set(id, op);
  }
  const view = rosterView(kept);
  if (rivals.length === 0) return view;
  const rejected = new Map(view.rejected);
  for (const id of rivals) rejected.set(id, 'second-founding');
  return { ...view, rejected };
}

/**
 * For a joiner: the founding its invitation names (`named`, the inviter's own anchor) once it is
 * held and its roster admits `inviter`; without one (an older invitation), the first founding (in
 * op order) whose roster admits `inviter`, if any is held. A member that founded alone before it
 * joined keeps serving the founding it gave up, which admits it too: only the named one is sure.
 */
export function pickAnchor(roster: Roster, inviter: NodeId, named?: RosterOpId): RosterOpId | undefined {
  if (named !== undefined) {
    return roster.get(named)?.body.type === 'found' && anchoredView(roster, named).members.has(inviter)
      ? named
      : undefined;
  }
  const foundings = [...roster.values()].filter((op) => op.body.type === 'found').sort(compareOps);
  for (const op of foundings) {
    const id = opId(op);
    if (anchoredView(roster, id).members.has(inviter)) return id;
  }
  return undefined;
}

/** The author of an op id (`<node id>:<seq>`). */
export function authorOfOpId(id: RosterOpId): NodeId {
  return id.slice(0, id.lastIndexOf(':')) as NodeId;
}
