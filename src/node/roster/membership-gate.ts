import type { NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import { canonicalOp, compareOps, opId, type RosterOp } from '../../core/roster/roster-op';
import { isRosterEntity, opOfVersion } from '../../core/roster/roster-entity';
import type { RosterState } from './roster-state';

/** Why a verified version was refused for who wrote it (counted in securityStats().rejected). */
export const MEMBERSHIP_REASONS = [
  /** A closed lattice: the author was never admitted here (it may be later: asked for again). */
  'not-a-member',
  /** Written by a removed member after its removal (its earlier writes are kept). */
  'removed-member',
  /** A `found` op other than the founding this device trusts, in a closed lattice. */
  'rival-founding',
  /** On a roster entity, but not the roster op its id names, by its signed author. */
  'roster-mismatch',
  /** This node holds no founded roster yet (a joiner): asked for again once it does. */
  'roster-pending',
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
 * (docs/security.md, "The roster in the store"). Roster ops are checked first, in op order, each
 * against the roster with the batch's earlier accepted ops in it, so an `add` and the new member's
 * writes may arrive in one batch. Rules:
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
  const ops: { op: RosterOp; version: Version }[] = [];
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
  ops.sort((a, b) => compareOps(a.op, b.op));
  let now = state;
  for (const { op, version } of ops) {
    const reason = opRefusal(op, version, now, isSibling, self);
    if (reason === undefined) {
      now = now.with(op, version.ts);
      accepted.push(version);
    } else refuse(version, reason, reason === 'not-a-member');
  }
  const siblings = new Set<NodeId>();
  for (const v of others) {
    const author = v.ts.node;
    if (author === self || now.open || now.view.members.has(author)) accepted.push(v);
    else if (now.view.removed.has(author)) {
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

function opRefusal(
  op: RosterOp,
  version: Version,
  state: RosterState,
  isSibling: (node: NodeId) => boolean,
  self: NodeId,
): MembershipReason | undefined {
  const held = state.roster.get(opId(op));
  // A second, different op under one id (its author equivocating): the roster keeps one by its
  // own rule and the store another, so a replica rebuilt from the store would disagree. Refused;
  // the first stays.
  if (held !== undefined) return canonicalOp(held) === canonicalOp(op) ? undefined : 'roster-mismatch';
  if (op.author === self) return undefined;
  // A removed member's roster ops written after its removal are refused like its other writes
  // (by the same clock rule, so every node holding the removal refuses the same ones): with an
  // earlier Lamport clock they would otherwise apply as if it were still a member.
  if (state.writtenAfterRemoval(op.author, version.ts)) return 'removed-member';
  if (op.body.type === 'found') {
    if (state.anchor === undefined || opId(op) === state.anchor) return undefined;
    return state.open ? undefined : 'rival-founding';
  }
  if (!state.founded) return undefined;
  // Open or closed, only a member's roster op can change the roster; anyone else's is refused
  // rather than held as inert data (each held op costs every later view).
  return state.known(op.author) || isSibling(op.author) ? undefined : 'not-a-member';
}
