import { Decoder } from '../bytes/decoder';
import { Encoder } from '../bytes/encoder';
import { bytesFailure } from '../bytes/errors';
import type { Version } from '../merge/version';
import { isLeafForm, type LeafForm } from './leaf-form';
import { putVarUint, varintSize } from '../bytes/varint';
import { isValidCount, pathBytes, pathBytesInTree, writePathInTree } from './merkle';

/** Bytes of an Ed25519 signature. */
export const SIGNATURE_LENGTH = 64;

/**
 * How a version proves it is part of a batch its author signed (docs/security.md, "One signature
 * per batch"): the batch's signature and leaf count, the version's leaf index, and either
 *
 * - `path`: the sibling hashes from its leaf to the root (merkle.ts pathOf), self-contained: what
 *   a node's own writes carry once signed, what a version carries once verified, what storage keeps;
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
  readonly path: Uint8Array;
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
  const w = new Encoder(8 + SIGNATURE_LENGTH + p.path.length, bytesFailure);
  w.writeU8(p.form);
  w.writeVarUint(p.count);
  w.writeVarUint(p.index);
  w.writeBytes(p.sig);
  w.writeBytes(p.path);
  return w.finish();
}

/**
 * The stored bytes (encodeStoredProof's) of the proofs made by leafProofWithStored, which storage
 * takes as they are: a received version is stored with the bytes made when it was verified, not
 * encoded again per version at each commit (docs/benchmarks.md, scenario 7).
 */
const storedForms = new WeakMap<LeafProof, Uint8Array>();

/**
 * A LeafProof made with its stored bytes at once: one buffer in encodeStoredProof's layout whose
 * tail is the proof's `path`, so storing the version takes that buffer as it is. Its path is
 * leaf `index`'s in the whole tree `levels` (buildTree's), written straight into the buffer.
 */
export function leafProofInTree(
  form: LeafForm,
  sig: Uint8Array,
  count: number,
  index: number,
  levels: readonly (readonly Uint8Array[])[],
): LeafProof {
  const proof = withStored(form, sig, count, index, pathBytesInTree(levels, index));
  writePathInTree(levels, index, proof.path);
  return proof;
}

/** leafProofInTree for a path already at hand (a subset's, walked from a multiproof): copied once, into the stored bytes. */
export function leafProofWithPath(
  form: LeafForm,
  sig: Uint8Array,
  count: number,
  index: number,
  path: Uint8Array,
): LeafProof {
  const proof = withStored(form, sig, count, index, path.length);
  proof.path.set(path);
  return proof;
}

function withStored(form: LeafForm, sig: Uint8Array, count: number, index: number, pathLength: number): LeafProof {
  const head = 1 + varintSize(count) + varintSize(index) + SIGNATURE_LENGTH;
  const bytes = new Uint8Array(head + pathLength);
  bytes[0] = form;
  let at = putVarUint(bytes, 1, count);
  at = putVarUint(bytes, at, index);
  bytes.set(sig, at);
  const proof: LeafProof = { kind: 'path', form, sig, count, index, path: bytes.subarray(head) };
  storedForms.set(proof, bytes);
  return proof;
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
  const path = r.readBytes(pathBytes(count, index)).slice();
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
  return storedForms.get(p) ?? encodeStoredProof(p);
}

/** The fields storedSignature's bytes stand for: a per-version signature is exactly 64 bytes. */
export function signatureFields(stored: Uint8Array): { readonly sig: Uint8Array } | { readonly proof: LeafProof } {
  return stored.length === SIGNATURE_LENGTH ? { sig: stored } : { proof: decodeStoredProof(stored) };
}
