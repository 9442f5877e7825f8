import type { NodeId } from '../core/ids';
import { signedText } from '../core/signing/signed-text';

/**
 * Proof of key possession at the signaling server. On connect the server sends a fresh nonce
 * (`challenge`); the socket's first `announce` carries the node's public key and its signature over
 * `proofMessage(lattice, node id, nonce)`. The server checks that the id is the key's hash and the
 * signature is good before it files the socket under that id, so nobody can claim (or evict) an id
 * whose key they do not hold, and a proof cannot be replayed on another socket.
 */
export const SIGNAL_PROOF_DOMAIN = 'lattice-mesh signal v1';
/** A challenge nonce: 16-64 base64url characters (the server sends 24, i.e. 18 random bytes). */
export const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** Base64url of a raw 32-byte Ed25519 public key and of a 64-byte signature (no padding). */
export const PUBLIC_KEY_B64 = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
export const SIGNATURE_B64 = /^[A-Za-z0-9_-]{85}[AQgw]$/;

export interface ServerChallenge {
  readonly type: 'challenge';
  readonly nonce: string;
}

/** What an announce to the server carries to prove its `from`. */
export interface SignalProof {
  /** The raw Ed25519 public key, base64url. */
  readonly key: string;
  /** The signature over proofMessage, base64url. */
  readonly sig: string;
}

/**
 * The signed bytes: the domain, then the fields, one per line (core/signing/signed-text.ts, the
 * encoding every proof of the protocol shares; the link handshake's is core/signing/link-proof.ts).
 */
export function proofMessage(lattice: string, nodeId: NodeId, nonce: string): Uint8Array {
  return signedText(SIGNAL_PROOF_DOMAIN, [lattice, nodeId, nonce]);
}

/** A server challenge, or undefined for anything else (then it is a signal, parsed by parseSignal). */
export function parseChallenge(text: string): ServerChallenge | undefined {
  if (text.length > 200) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, nonce } = value as Record<string, unknown>;
  if (type !== 'challenge' || typeof nonce !== 'string' || !NONCE.test(nonce)) return undefined;
  return { type, nonce };
}

export function isSignalProof(x: unknown): x is SignalProof {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const { key, sig } = x as Record<string, unknown>;
  return typeof key === 'string' && PUBLIC_KEY_B64.test(key) && typeof sig === 'string' && SIGNATURE_B64.test(sig);
}
