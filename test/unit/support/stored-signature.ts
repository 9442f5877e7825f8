/**
 * What storage keeps of one version's signature as a whole byte string, and what such bytes stand
 * for: the tests' reference for src/adapters/idb, which writes proofs straight into a record
 * (encode.ts), whole (leaf-proof.ts encodeStoredProof) or shared with the previous put's.
 */
import type { Version } from '../../../src/core/merge/version';
import {
  decodeStoredProof,
  encodeStoredProof,
  SIGNATURE_LENGTH,
  type LeafProof,
} from '../../../src/core/signing/leaf-proof';

/**
 * What storage keeps of a version's signature (one byte string, see encodeStoredProof): its
 * LeafProof, its per-version signature, or nothing. A version still under a frame's multiproof
 * has not been verified and is never stored.
 */
export function storedSignature(v: Version): Uint8Array | undefined {
  const p = v.proof;
  if (p === undefined) return v.sig;
  if (p.kind !== 'path') throw new Error('a version under an unchecked frame proof cannot be stored');
  return encodeStoredProof(p);
}

/** The fields storedSignature's bytes stand for: a per-version signature is exactly 64 bytes. */
export function signatureFields(stored: Uint8Array): { readonly sig: Uint8Array } | { readonly proof: LeafProof } {
  return stored.length === SIGNATURE_LENGTH ? { sig: stored } : { proof: decodeStoredProof(stored) };
}
