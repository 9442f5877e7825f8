import { fromBase64url, toBase64url } from '../bytes/base64url';
import { isNodeId, type NodeId } from '../ids';
import { isLatticeName } from '../lattice-name';

/**
 * An invitation token: what a new device carries from the inviting member (as a link, QR code or
 * text) to join a closed lattice. It names the lattice and the inviter, expires, and is made
 * unguessable by 16 random bytes; single use is enforced by the inviter's ledger
 * (invitation-ledger.ts), which alone can redeem it.
 *
 * Bytes: version 1 · expiry (uint32, seconds since the epoch) · nonce (16) · lattice length (1) ·
 * lattice (ASCII) · inviter id (ASCII, the rest); as base64url text, ~100 characters.
 */
export interface InvitationToken {
  readonly lattice: string;
  readonly inviter: NodeId;
  /** Milliseconds since the epoch, a whole second. */
  readonly expiresAt: number;
  /** 16 random bytes, base64url: names the invitation in the ledger. */
  readonly nonce: string;
}

export const TOKEN_VERSION = 1;
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
  const nonce = fromBase64url(token.nonce);
  if (nonce?.length !== NONCE_BYTES) throw new Error('an invitation nonce is 16 bytes');
  const bytes = new Uint8Array(HEADER + lattice.length + inviter.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = TOKEN_VERSION;
  view.setUint32(1, Math.floor(token.expiresAt / 1000));
  bytes.set(nonce, 5);
  bytes[HEADER - 1] = lattice.length;
  bytes.set(lattice, HEADER);
  bytes.set(inviter, HEADER + lattice.length);
  return toBase64url(bytes);
}

/** The token, or undefined for text that is not one (damaged, truncated, another version). */
export function decodeToken(text: string): InvitationToken | undefined {
  if (!isTokenText(text)) return undefined;
  const bytes = fromBase64url(text);
  if (bytes === undefined || bytes.length <= HEADER || bytes[0] !== TOKEN_VERSION) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latticeLength = bytes[HEADER - 1]!;
  if (bytes.length <= HEADER + latticeLength) return undefined;
  const lattice = String.fromCharCode(...bytes.subarray(HEADER, HEADER + latticeLength));
  const inviter = String.fromCharCode(...bytes.subarray(HEADER + latticeLength));
  if (!isLatticeName(lattice) || !isNodeId(inviter)) return undefined;
  return {
    lattice,
    inviter,
    expiresAt: view.getUint32(1) * 1000,
    nonce: toBase64url(bytes.subarray(5, 5 + NONCE_BYTES)),
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

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) throw new Error('invitation fields are ASCII');
    out[i] = c;
  }
  return out;
}
