import type { NodeId } from '../core/ids';

/** One member as members() reports it. */
export interface MemberView {
  readonly id: NodeId;
  /** Short, human-checkable (src/core/roster/fingerprint.ts). */
  readonly fingerprint: string;
  readonly founder: boolean;
  /** This node. */
  readonly self: boolean;
}

export interface RemovedView {
  readonly id: NodeId;
  readonly fingerprint: string;
  /** The member who removed it. */
  readonly by: NodeId;
}

/** A roster op held without effect, and why (roster-view.ts and membership-gate.ts reasons). */
export interface RejectedOpView {
  readonly op: string;
  readonly reason: string;
}

/** A peer the admission policy refused, and why (latest refusal per peer). */
export interface RefusedPeerView {
  readonly id: NodeId;
  readonly fingerprint: string;
  readonly reason: string;
  readonly at: number;
}

/** Why this device's inviter refused it at the handshake (a used or expired invitation, …). */
export interface JoinRefusalView {
  /** The inviting member. */
  readonly by: NodeId;
  /** The inviter's reason, as it said it (`invitation refused: the invitation was already used …`). */
  readonly reason: string;
  /** Epoch ms. */
  readonly at: number;
}

/**
 * This node stands removed from the lattice (members().selfRemoved): its roster's view says so,
 * from a remove op of `by` that it merged. Its local writes are refused from then on
 * (docs/security.md, "A removed device"), its reads go on.
 */
export interface SelfRemovalView {
  /** The member who removed it. */
  readonly by: NodeId;
  readonly byFingerprint: string;
  /** Epoch ms: the removal's cut-off (the stamp of the remove op, RosterState.removedAt). */
  readonly at: number;
}

/** `window.lattice.members()`: the roster as plain data (docs/security.md, "The roster in the store"). */
export interface MembersView {
  readonly lattice: string;
  readonly self: NodeId;
  /** Undefined while this node holds no founded roster (a joiner waiting for its inviter's). */
  readonly founder: NodeId | undefined;
  readonly open: boolean;
  readonly members: readonly MemberView[];
  readonly removed: readonly RemovedView[];
  readonly rejected: readonly RejectedOpView[];
  readonly refused: readonly RefusedPeerView[];
  /** While this node joins (`founder` undefined): its inviter's latest refusal, if it refused us. */
  readonly joinRefused?: JoinRefusalView;
  /** Present while this node itself stands removed: by whom and when (its writes are refused). */
  readonly selfRemoved?: SelfRemovalView;
}

/** What invite() gives: the token, and the link to open on the new device. */
export interface InvitationView {
  readonly token: string;
  readonly url: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/**
 * The roster's calls, declared once: the worker serves them (WorkerApi), `window.lattice` forwards
 * them with the page's origin filled in (LatticeApi.invite takes no argument).
 */
export interface RosterCalls {
  /** A one-time invitation from this member; `base` is the app's address the link points at. */
  invite(base: string): Promise<InvitationView>;
  members(): Promise<MembersView>;
  /** Writes a remove op; refuses non-members and the founder removing itself. */
  removeMember(nodeId: string): Promise<void>;
}
