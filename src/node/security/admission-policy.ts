import type { NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import type { RedeemResult } from '../../core/roster/invitation-ledger';
import { decodeToken, type InvitationToken } from '../../core/roster/invitation-token';
import type { RosterView } from '../../core/roster/roster-view';
import type { Admission, AdmissionVerdict } from '../mesh/mesh-types';

export interface AdmissionDeps {
  readonly lattice: string;
  readonly self: NodeId;
  /** The member whose invitation this node joins with, if it is joining. */
  readonly inviter: NodeId | undefined;
  /** The roster now (the anchored view); `founder` undefined while this node holds no founded roster. */
  view(): RosterView;
  /** The signed roster ops that establish `peer`'s removal (RosterService.removalProof), for its refusal to carry. */
  removal?(peer: NodeId): readonly Version[];
  /** A tab of this browser profile (one device): admitted without an invitation. */
  isSibling(peer: NodeId): boolean | Promise<boolean>;
  /** Checks a token against this node's ledger and marks it used; persists the ledger on success. */
  redeem(token: InvitationToken | undefined, peer: NodeId): Promise<RedeemResult>;
  /** Undoes a redeem whose `add` could not be written: the invitation may be used again. */
  release(token: InvitationToken): Promise<void>;
  /** Writes the `add` op admitting `peer` (with the invitation's nonce). */
  add(peer: NodeId, invitation?: string): Promise<void>;
  /** Told of every refusal (the peers panel lists refused peers and why). */
  refused?(peer: NodeId, reason: string): void;
}

/**
 * The admission decision (docs/security.md, "Admission"), as the handshake's hook (Admission,
 * MeshNodeOptions.admit: called after the peer's key proof and before anti-entropy, with the token
 * the joining peer presented, if any); it answers with a promise:
 * - no founded roster here yet (a joiner waiting for its inviter's roster): admitted, there is
 *   nothing to protect yet and the roster must come from somewhere;
 * - an open lattice: anyone;
 * - a member: admitted; a removed member: refused, naming who removed it, with the signed roster
 *   ops that establish the removal (`removal`: it may have been offline when it was removed, and
 *   learns it from them, docs/security.md "A removed device"), unless it presents an invitation
 *   this node issued since the removal (redeemed as below: admitted again);
 * - a sibling tab: its `add` is written, admitted;
 * - an invitation this node issued, good and unused: the ledger marks it used, the `add` (with
 *   the invitation's nonce) is written, admitted; any other invitation: refused with the ledger's
 *   message (expired, used, wrong inviter, …);
 * - anyone else: refused as not a member.
 * The promise never rejects: an error on the way refuses, with the error as the reason.
 */
export function admissionPolicy(deps: AdmissionDeps): Admission {
  return (peer, invitation) =>
    decide(deps, peer, invitation).then(
      (verdict) => {
        if (!verdict.ok) deps.refused?.(peer, verdict.reason);
        return verdict;
      },
      (error: unknown): AdmissionVerdict => {
        const reason = `admission failed: ${error instanceof Error ? error.message : String(error)}`;
        deps.refused?.(peer, reason);
        return { ok: false, reason };
      },
    );
}

async function decide(deps: AdmissionDeps, peer: NodeId, invitation: string | undefined): Promise<AdmissionVerdict> {
  const view = deps.view();
  if (view.founder === undefined) {
    // Joining: the roster must come from the inviter (or a tab of this device that has it). Any
    // other peer could show us a founding of its own making, and we would anchor on it.
    if (peer === deps.inviter || (await deps.isSibling(peer))) return { ok: true };
    return { ok: false, reason: `this node is still joining lattice ${deps.lattice}: it syncs with its inviter first` };
  }
  if (view.open || view.members.has(peer)) return { ok: true };
  const remover = view.removed.get(peer);
  if (remover !== undefined) {
    // Admitted again only with an invitation this node issued since the removal (the ledger's
    // `issued-before-removal`: docs/security.md, "Admission"); never as a sibling tab.
    const again = invitation === undefined ? undefined : await redeemAndAdd(deps, peer, invitation);
    if (again?.ok === true) return again;
    const why = again === undefined || again.ok ? '' : `; ${again.reason}`;
    const reason = `${peer} was removed from lattice ${deps.lattice} by ${remover}${why}`;
    const removal = deps.removal?.(peer) ?? [];
    return removal.length === 0 ? { ok: false, reason } : { ok: false, reason, removal };
  }
  if (await deps.isSibling(peer)) {
    // Only a member's `add` takes effect; a tab that is not one still syncs with its own device.
    if (view.members.has(deps.self)) await deps.add(peer);
    return { ok: true };
  }
  if (invitation === undefined) {
    return {
      ok: false,
      reason: `${peer} is not a member of lattice ${deps.lattice}; it needs an invitation from a member`,
    };
  }
  return redeemAndAdd(deps, peer, invitation);
}

/** An invitation this node issued, good and unused: marked used, the `add` written with its nonce. */
async function redeemAndAdd(deps: AdmissionDeps, peer: NodeId, invitation: string): Promise<AdmissionVerdict> {
  const token = decodeToken(invitation);
  const redeemed = await deps.redeem(token, peer);
  if (!redeemed.ok) return { ok: false, reason: `invitation refused: ${redeemed.message}` };
  try {
    await deps.add(peer, redeemed.token.nonce);
  } catch (error) {
    // Not admitted after all: the invitation is good again (it was marked used first, so that two
    // links presenting it at once cannot both redeem it).
    await deps.release(redeemed.token);
    throw error;
  }
  return { ok: true };
}
