import { toBase64url } from '../bytes/base64url';
import type { Timestamp } from '../clock/timestamp';
import type { NodeId } from '../ids';
import { NONCE_BYTES, type InvitationToken } from './invitation-token';
import type { RosterOpId } from './roster-op';

/** How long an invitation is good for unless the inviter says otherwise. */
export const DEFAULT_INVITATION_TTL_MS = 24 * 60 * 60 * 1000;
/** Outstanding invitations one member may hold; issuing more is refused (each is a way in). */
export const MAX_OPEN_INVITATIONS = 32;

interface Issued {
  readonly token: InvitationToken;
  /** The node that redeemed it, once used. */
  readonly usedBy?: NodeId;
  /**
   * The owner's clock (HLC, its last stamp issued or merged) when it issued the token: a removed
   * node is admitted again only with a token issued at or after its removal. Undefined in entries
   * kept before it was recorded: such a token admits no removed node.
   */
  readonly issuedAt?: Timestamp;
}

/**
 * The inviting member's record of the invitations it issued. Pure: the clock and the random
 * bytes are passed in, and each call returns a new ledger. A token is good once, before it
 * expires, at the member that issued it, and only while that member is still a member.
 */
export interface InvitationLedger {
  readonly owner: NodeId;
  readonly lattice: string;
  readonly issued: ReadonlyMap<string, Issued>;
}

export type IssueResult =
  | { readonly ok: true; readonly ledger: InvitationLedger; readonly token: InvitationToken }
  | { readonly ok: false; readonly reason: 'too-many-open' | 'not-a-member' };

export type RedeemRefusal =
  | 'malformed'
  | 'wrong-lattice'
  | 'wrong-inviter'
  | 'unknown'
  | 'expired'
  | 'used'
  | 'inviter-removed'
  | 'names-no-founding'
  | 'issued-before-removal';

export type RedeemResult =
  | { readonly ok: true; readonly ledger: InvitationLedger; readonly token: InvitationToken }
  | { readonly ok: false; readonly reason: RedeemRefusal; readonly message: string };

export function emptyLedger(owner: NodeId, lattice: string): InvitationLedger {
  return { owner, lattice, issued: new Map() };
}

export interface IssueInput {
  readonly now: number;
  readonly randomBytes: (n: number) => Uint8Array;
  /** Whether the owner is a member now (from the roster): only members invite. */
  readonly ownerIsMember: boolean;
  readonly ttlMs?: number;
  /** The owner's anchor (the founding it trusts), named in the token for the joiner to anchor on. */
  readonly anchor?: RosterOpId;
  /** The owner's clock now (its HLC's last stamp): kept as the entry's `issuedAt`. */
  readonly stamp?: Timestamp;
}

export function issueInvitation(ledger: InvitationLedger, input: IssueInput): IssueResult {
  if (!input.ownerIsMember) return { ok: false, reason: 'not-a-member' };
  const live = prune(ledger, input.now);
  if (live.size >= MAX_OPEN_INVITATIONS) return { ok: false, reason: 'too-many-open' };
  const nonceBytes = input.randomBytes(NONCE_BYTES);
  if (nonceBytes.length !== NONCE_BYTES) throw new Error(`randomBytes gave ${nonceBytes.length} bytes`);
  const token: InvitationToken = {
    lattice: ledger.lattice,
    inviter: ledger.owner,
    // Whole seconds, as the token encodes it: what the joiner sees is what the ledger checks.
    expiresAt: Math.floor((input.now + (input.ttlMs ?? DEFAULT_INVITATION_TTL_MS)) / 1000) * 1000,
    nonce: toBase64url(nonceBytes),
    ...(input.anchor === undefined ? {} : { anchor: input.anchor }),
  };
  const issued = new Map(live);
  issued.set(token.nonce, input.stamp === undefined ? { token } : { token, issuedAt: input.stamp });
  return { ok: true, ledger: { ...ledger, issued }, token };
}

export interface RedeemInput {
  readonly now: number;
  /** The node joining with the token. */
  readonly redeemer: NodeId;
  /** Whether the owner is still a member (a removed member's invitations die with it). */
  readonly ownerIsMember: boolean;
  /**
   * Whether the owner holds a founding other than its anchor whose roster admits it: a token that
   * names no founding (version 1) is then refused, the joiner could not tell which one is the
   * lattice's (roster-anchor.ts pickAnchor). Asked only for such a token.
   */
  readonly ambiguousFounding?: () => boolean;
  /**
   * The redeemer stands removed, with this cut-off (RosterState.removedAt): only a token issued at
   * or after it (its entry's `issuedAt`) admits it again, so a removed device cannot come back with
   * an unused token it saw before its removal (docs/security.md, "Admission").
   */
  readonly removedAt?: Timestamp;
}

/** Checks a presented token (decoded, or undefined if it could not be) and marks it used. */
export function redeemInvitation(
  ledger: InvitationLedger,
  token: InvitationToken | undefined,
  input: RedeemInput,
): RedeemResult {
  if (token === undefined) return refuse('malformed', 'the invitation is damaged or not an invitation');
  if (token.lattice !== ledger.lattice) {
    return refuse('wrong-lattice', `the invitation is for lattice ${token.lattice}, not ${ledger.lattice}`);
  }
  if (token.inviter !== ledger.owner) {
    return refuse('wrong-inviter', `the invitation was issued by ${token.inviter}; only that member can admit with it`);
  }
  // Expiry first, from the token itself: an expired token is refused as such even once the
  // ledger has forgotten it.
  if (input.now >= token.expiresAt) {
    const minutes = Math.max(1, Math.round((input.now - token.expiresAt) / 60_000));
    return refuse('expired', `the invitation expired ${minutes} min ago; ask a member for a new one`);
  }
  const entry = ledger.issued.get(token.nonce);
  if (entry === undefined || entry.token.expiresAt !== token.expiresAt) {
    return refuse('unknown', 'this member never issued the invitation (or has forgotten it after it expired)');
  }
  if (entry.usedBy !== undefined) {
    return refuse('used', `the invitation was already used (by ${entry.usedBy}); ask for a new one`);
  }
  const removedAt = input.removedAt;
  if (removedAt !== undefined && (entry.issuedAt === undefined || !reached(entry.issuedAt, removedAt))) {
    return refuse(
      'issued-before-removal',
      `the invitation was issued before ${input.redeemer} was removed; a member must issue a new one to admit it again`,
    );
  }
  if (!input.ownerIsMember) {
    return refuse('inviter-removed', 'the member who issued the invitation has been removed from the lattice');
  }
  if (token.anchor === undefined && input.ambiguousFounding?.() === true) {
    return refuse(
      'names-no-founding',
      'the invitation is from an older version and names no founding, and this lattice holds another founding ' +
        'that admits its inviter: the new device could not tell which one is the lattice’s; ask for a new invitation',
    );
  }
  const issued = new Map(ledger.issued);
  issued.set(token.nonce, { ...entry, usedBy: input.redeemer });
  return { ok: true, ledger: { ...ledger, issued }, token: entry.token };
}

/** The ledger with a redeemed invitation unused again (its admission failed after the redeem). */
export function releaseInvitation(ledger: InvitationLedger, token: InvitationToken): InvitationLedger {
  const entry = ledger.issued.get(token.nonce);
  if (entry?.usedBy === undefined) return ledger;
  const issued = new Map(ledger.issued);
  issued.set(
    token.nonce,
    entry.issuedAt === undefined ? { token: entry.token } : { token: entry.token, issuedAt: entry.issuedAt },
  );
  return { ...ledger, issued };
}

/** Unused invitations that have not expired (used ones are kept until they expire, to refuse a reuse clearly). */
export function openInvitations(ledger: InvitationLedger, now: number): InvitationToken[] {
  return [...ledger.issued.values()]
    .filter((e) => e.usedBy === undefined && now < e.token.expiresAt)
    .map((e) => e.token);
}

/** The entries still worth keeping: not yet expired. */
function prune(ledger: InvitationLedger, now: number): Map<string, Issued> {
  return new Map([...ledger.issued].filter(([, e]) => now < e.token.expiresAt));
}

/**
 * Whether a clock that stood at `clock` (its last stamp issued or merged) had reached `stamp`: the
 * node ids are left out, since a clock that merged a stamp stands at its time and counter under its
 * own id (Hlc.last).
 */
function reached(clock: Timestamp, stamp: Timestamp): boolean {
  return clock.ms > stamp.ms || (clock.ms === stamp.ms && clock.c >= stamp.c);
}

function refuse(reason: RedeemRefusal, message: string): RedeemResult {
  return { ok: false, reason, message };
}
