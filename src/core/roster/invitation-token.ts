import { fromBase64url, toBase64url } from '../bytes/base64url';
import { isNodeId, type NodeId } from '../ids';
import { isLatticeName } from '../lattice-name';
import type { RosterOpId } from './roster-op';

/**
 * An invitation token: what a new device carries from the inviting member (as a link, QR code or
 * text) to join a closed lattice. It names the lattice and the inviter, expires, and is made
 * unguessable by 16 random bytes; single use is enforced by the inviter's ledger
 * (invitation-ledger.ts), which alone can redeem it.
 *
 * Bytes: version 1 · expiry (uint32, seconds since the epoch) · nonce (16) · lattice length (1) ·
 * lattice (ASCII) · inviter id (ASCII, the rest); as base64url text, ~100 characters. Version 2
 * (when the inviter names its founding) has the anchor's length (1) and the anchor (ASCII) after
 * the lattice, ~150 characters.
 */
export interface InvitationToken {
  readonly lattice: string;
  readonly inviter: NodeId;
  /** Milliseconds since the epoch, a whole second. */
  readonly expiresAt: number;
  /** 16 random bytes, base64url: names the invitation in the ledger. */
  readonly nonce: string;
  /**
   * The founding the inviter trusts (its anchor, roster-anchor.ts): the joiner anchors on exactly
   * this one. Without it (a version-1 token) the joiner takes the first founding that admits the
   * inviter, which may be one the inviter wrote alone before it joined and gave up.
   */
  readonly anchor?: RosterOpId;
}

export const TOKEN_VERSION = 1;
/** A token naming the inviter's founding. */
export const TOKEN_VERSION_ANCHORED = 2;
/** Longest token text accepted anywhere (a link's, a handshake proof's): tokens are ~100 characters. */
export const MAX_TOKEN_CHARS = 200;
const TOKEN_TEXT = /^[A-Za-z0-9_-]+$/;

/** Text that may be a token (base64url, 1..MAX_TOKEN_CHARS): checked before anything decodes it. */
export function isTokenText(text: unknown): text is string {
  return typeof text === 'string' && text.length <= MAX_TOKEN_CHARS && TOKEN_TEXT.test(text);
}
export const NONCE_BYTES = 16;
const HEADER = 1 + 4 + NONCE_BYTES + 1;

export function encodeToken(token: InvitationToken): string {
  const lattice = ascii(token.lattice);
  const inviter = ascii(token.inviter);
  const anchor = token.anchor === undefined ? undefined : ascii(token.anchor);
  if (anchor !== undefined && (anchor.length === 0 || anchor.length > 255))
    throw new Error('an anchor is 1..255 characters');
  const nonce = fromBase64url(token.nonce);
  if (nonce?.length !== NONCE_BYTES) throw new Error('an invitation nonce is 16 bytes');
  const anchorBytes = anchor === undefined ? 0 : 1 + anchor.length;
  const bytes = new Uint8Array(HEADER + lattice.length + anchorBytes + inviter.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = anchor === undefined ? TOKEN_VERSION : TOKEN_VERSION_ANCHORED;
  view.setUint32(1, Math.floor(token.expiresAt / 1000));
  bytes.set(nonce, 5);
  bytes[HEADER - 1] = lattice.length;
  bytes.set(lattice, HEADER);
  let at = HEADER + lattice.length;
  if (anchor !== undefined) {
    bytes[at] = anchor.length;
    bytes.set(anchor, at + 1);
    at += 1 + anchor.length;
  }
  bytes.set(inviter, at);
  return toBase64url(bytes);
}

/** The token, or undefined for text that is not one (damaged, truncated, another version). */
export function decodeToken(text: string): InvitationToken | undefined {
  if (!isTokenText(text)) return undefined;
  const bytes = fromBase64url(text);
  if (bytes === undefined || bytes.length <= HEADER) return undefined;
  if (bytes[0] !== TOKEN_VERSION && bytes[0] !== TOKEN_VERSION_ANCHORED) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latticeLength = bytes[HEADER - 1]!;
  let at = HEADER + latticeLength;
  if (bytes.length <= at) return undefined;
  const lattice = String.fromCharCode(...bytes.subarray(HEADER, at));
  let anchor: string | undefined;
  if (bytes[0] === TOKEN_VERSION_ANCHORED) {
    const anchorLength = bytes[at]!;
    if (anchorLength === 0 || bytes.length <= at + 1 + anchorLength) return undefined;
    anchor = String.fromCharCode(...bytes.subarray(at + 1, at + 1 + anchorLength));
    at += 1 + anchorLength;
  }
  const inviter = String.fromCharCode(...bytes.subarray(at));
  if (!isLatticeName(lattice) || !isNodeId(inviter)) return undefined;
  if (anchor !== undefined && !isFoundingId(anchor)) return undefined;
  return {
    lattice,
    inviter,
    expiresAt: view.getUint32(1) * 1000,
    nonce: toBase64url(bytes.subarray(5, 5 + NONCE_BYTES)),
    ...(anchor === undefined ? {} : { anchor }),
  };
}

/** The link a new device opens: the app at `base` with `?lattice=NAME&invite=TOKEN`. */
export function invitationUrl(base: string, token: InvitationToken): string {
  const url = new URL(base);
  url.search = '';
  url.searchParams.set('lattice', token.lattice);
  url.searchParams.set('invite', encodeToken(token));
  return url.href;
}

/** A pasted link or bare token text: the token, or undefined. */
export function parseInvitation(text: string): InvitationToken | undefined {
  const trimmed = text.trim();
  if (!trimmed.includes('?')) return decodeToken(trimmed);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  const token = decodeToken(url.searchParams.get('invite') ?? '');
  // A link whose lattice disagrees with its token was edited: refuse rather than guess.
  return token !== undefined && token.lattice === url.searchParams.get('lattice') ? token : undefined;
}

/** A roster op id as a founding is named: `<node id>:<sequence>`. */
function isFoundingId(text: string): boolean {
  const colon = text.lastIndexOf(':');
  return colon > 0 && isNodeId(text.slice(0, colon)) && /^[1-9][0-9]{0,15}$/.test(text.slice(colon + 1));
}

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) throw new Error('invitation fields are ASCII');
    out[i] = c;
  }
  return out;
}
