import { Decoder } from '../bytes/decoder';
import { Encoder } from '../bytes/encoder';
import { bytesFailure } from '../bytes/errors';
import { putVarUint, varintSize } from '../bytes/varint';
import type { Version } from '../merge/version';
import { isLeafForm, type LeafForm } from './leaf-form';
import { HASH_BYTES, isValidCount, pathBytes, type MerklePath } from './merkle';

/** Bytes of an Ed25519 signature. */
export const SIGNATURE_LENGTH = 64;

/**
 * How a version proves it is part of a batch its author signed (docs/security.md, "One signature
 * per batch"): the batch's signature and leaf count, the version's leaf index, and either
 *
 * - `path`: the sibling hashes from its leaf to the root (merkle.ts pathOf), self-contained: what
 *   a node's own writes carry once signed, what a version carries once verified, what storage keeps;
 *   the hashes are the batch tree's own arrays, shared by the versions of the batch (merkle.ts MerklePath);
 * - `frame`: the multiproof of the `versions` frame it came in, shared by every version of that
 *   batch in the frame; only between the decoder and the verifier, which checks the frame's group
 *   at once and hands on versions with their own path.
 *
 * The author is the version's (ts.node): a batch holds one author's versions. `form` is how the
 * batch's leaves were made from its versions (leaf-form.ts), signed with the root.
 */
export type BatchProof = LeafProof | FrameProof;

export interface LeafProof {
  readonly kind: 'path';
  readonly form: LeafForm;
  readonly sig: Uint8Array;
  readonly count: number;
  readonly index: number;
  readonly path: MerklePath;
}

export interface FrameProof {
  readonly kind: 'frame';
  readonly form: LeafForm;
  readonly sig: Uint8Array;
  readonly count: number;
  readonly index: number;
  readonly group: ProofGroup;
}

/**
 * One batch's part of a frame: the leaf indices present (ascending), the multiproof for them, and
 * the frame's versions at those indices (filled by the decoder), so the group is checked whole
 * even when only some of its versions are passed on (a rate limit may drop the rest).
 */
export interface ProofGroup {
  readonly indices: readonly number[];
  readonly proof: readonly Uint8Array[];
  readonly members: readonly Version[];
}

/**
 * A version's signature as storage keeps it: a per-version signature (64 bytes, written before
 * batch signing) as is, or a LeafProof as `u8 leaf form, varint count, varint index, 64-byte
 * signature, path` (never 64 bytes long: at least 67). The first byte was a constant 1 before the
 * binary leaf form: those proofs are form 1 (text leaves), so databases written then load as is.
 */
export function encodeStoredProof(p: LeafProof): Uint8Array {
  const w = new Encoder(8 + SIGNATURE_LENGTH + p.path.length * HASH_BYTES, bytesFailure);
  w.writeU8(p.form);
  w.writeVarUint(p.count);
  w.writeVarUint(p.index);
  w.writeBytes(p.sig);
  for (const h of p.path) w.writeBytes(h);
  return w.finish();
}

/** The length of encodeStoredProof(p), so a caller can write many proofs into one buffer (writeStoredProof). */
export function storedProofLength(p: LeafProof): number {
  for (const n of [p.count, p.index]) {
    if (!Number.isSafeInteger(n) || n < 0) throw bytesFailure(`cannot encode ${n} as a varint`);
  }
  return 1 + varintSize(p.count) + varintSize(p.index) + p.sig.length + p.path.length * HASH_BYTES;
}

/**
 * Writes encodeStoredProof(p)'s bytes at `out[at]` (room for storedProofLength(p) bytes); returns
 * the position after them. Storage writes a commit's proofs straight into its segment this way,
 * without a byte string per version.
 */
export function writeStoredProof(p: LeafProof, out: Uint8Array, at: number): number {
  out[at++] = p.form;
  at = putVarUint(out, at, p.count);
  at = putVarUint(out, at, p.index);
  out.set(p.sig, at);
  at += p.sig.length;
  for (const h of p.path) {
    out.set(h, at);
    at += h.length;
  }
  return at;
}

/** The LeafProof stored by encodeStoredProof; throws on bytes it did not write. */
export function decodeStoredProof(bytes: Uint8Array): LeafProof {
  const r = new Decoder(bytes, bytesFailure);
  const form = r.readU8();
  if (!isLeafForm(form)) throw new Error('unknown stored proof format');
  const count = r.readVarUint();
  const index = r.readVarUint();
  if (!isValidCount(count) || index >= count) throw new Error('stored proof: leaf index out of range');
  const sig = r.readBytes(SIGNATURE_LENGTH).slice();
  const path: Uint8Array[] = [];
  for (let n = pathBytes(count, index); n > 0; n -= HASH_BYTES) path.push(r.readBytes(HASH_BYTES).slice());
  if (r.left !== 0) throw new Error('stored proof: trailing bytes');
  return { kind: 'path', form, sig, count, index, path };
}

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
