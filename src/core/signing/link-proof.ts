import { toBase64url } from '../bytes/base64url';
import type { NodeId } from '../ids';
import { signedText } from './signed-text';

/**
 * Proof of key possession in the link handshake (sync protocol 4, docs/security.md). Each side's
 * hello carries a fresh random nonce; after both hellos each side (the prover) signs, with the key
 * its hello named, the other side's (the verifier's) nonce together with its own, both ids and the
 * lattice, and sends the signature in a `proof` message. The verifier checks it under the key the
 * prover's hello carried (which hashes to the prover's id), so the link is bound to an id only by
 * the holder of its key: a replayed hello cannot sign the fresh nonce, and a proof from another
 * link (other nonces, ids or lattice) does not verify here.
 *
 *   lattice-mesh link v1 \n <lattice> \n <challenge> \n <nonce> \n <prover id> \n <verifier id> \n <invitation>
 *
 * `challenge` is the verifier's nonce and `nonce` the prover's (base64url); `invitation` the token
 * the proof carries, or empty, so a token cannot be moved to another proof.
 */
export const LINK_PROOF_DOMAIN = 'lattice-mesh link v1';

export interface LinkProofFields {
  readonly lattice: string;
  /** The verifier's fresh nonce (from its hello): what makes the proof fresh. */
  readonly challenge: Uint8Array;
  /** The prover's own nonce (from its hello): binds the proof to this one exchange of hellos. */
  readonly nonce: Uint8Array;
  readonly prover: NodeId;
  readonly verifier: NodeId;
  readonly invitation?: string | undefined;
}

export function linkProofBytes(f: LinkProofFields): Uint8Array {
  return signedText(LINK_PROOF_DOMAIN, [
    f.lattice,
    toBase64url(f.challenge),
    toBase64url(f.nonce),
    f.prover,
    f.verifier,
    f.invitation ?? '',
  ]);
}
