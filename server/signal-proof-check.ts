import { createHash, createPublicKey, verify } from 'node:crypto';
import type { AnnounceSignal } from '../src/ports/signaling';
import { proofMessage } from '../src/ports/signal-proof';

export type ProofVerdict = 'ok' | 'no-proof' | 'id-mismatch' | 'bad-signature';

/**
 * Checks an announce's proof against the nonce this server sent the socket: the node id must be
 * the first 16 bytes of SHA-256 of the public key (as src/adapters/identity derives it), and the
 * signature must be the key's over proofMessage(lattice, id, nonce).
 */
export function checkAnnounceProof(signal: AnnounceSignal, nonce: string): ProofVerdict {
  const proof = signal.data.proof;
  if (proof === undefined) return 'no-proof';
  const key = Buffer.from(proof.key, 'base64url');
  if (createHash('sha256').update(key).digest().subarray(0, 16).toString('hex') !== signal.from) return 'id-mismatch';
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: proof.key }, format: 'jwk' });
    const good = verify(
      null,
      proofMessage(signal.lattice, signal.from, nonce),
      publicKey,
      Buffer.from(proof.sig, 'base64url'),
    );
    return good ? 'ok' : 'bad-signature';
  } catch {
    // A 32-byte string that is not a point on the curve.
    return 'bad-signature';
  }
}
