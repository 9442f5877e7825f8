import { Decoder } from '../bytes/decoder';
import { sameBytes } from '../bytes/same-bytes';
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

/**
 * The LeafProof stored by encodeStoredProof; throws on bytes it did not write. `views`: its
 * signature and hashes are views of `bytes`, not copies (StoredProofReader).
 */
export function decodeStoredProof(bytes: Uint8Array, views = false): LeafProof {
  const r = new Decoder(bytes, bytesFailure);
  const form = r.readU8();
  if (!isLeafForm(form)) throw new Error('unknown stored proof format');
  const count = r.readVarUint();
  const index = r.readVarUint();
  if (!isValidCount(count) || index >= count) throw new Error('stored proof: leaf index out of range');
  const sig = own(r.readView(SIGNATURE_LENGTH), views);
  const path: Uint8Array[] = [];
  for (let n = pathBytes(count, index); n > 0; n -= HASH_BYTES) path.push(own(r.readView(HASH_BYTES), views));
  if (r.left !== 0) throw new Error('stored proof: trailing bytes');
  return { kind: 'path', form, sig, count, index, path };
}

/**
 * The first byte of a stored proof that leans on the one before it (`0x80 | form`; docs/security.md,
 * "Shared stored proofs"): within one storage record, a proof of the same batch as the previous
 * put's keeps only what differs from it. Leaves of one batch stored one after another share the
 * upper part of their paths (the siblings above where their paths to the root meet), and all of
 * the signature and count: a writeMany of 4,000 versions stored 12 hashes and the 64-byte
 * signature a version whole (~450 B, most of its record), where about two hashes a version differ
 * from the previous proof. Laid out as `u8 0x80|form, varint index, varint m`, then the path's
 * first `pathLength - m` hashes; the signature, the count and the path's last `m` hashes are the
 * previous proof's. Never 64 bytes long, so never read as a per-version signature. Storage only:
 * the proof read back is the one written, hash for hash (the wire never carries this form).
 */
export const SHARED_PROOF = 0x80;

/**
 * At most this many proofs in a row are stored shared (SHARED_RUN - 1 after a whole one): damaged
 * bytes take the proofs that lean on them with them (a load leaves those puts out, and peers bring
 * them back), so a whole proof every SHARED_RUN bounds what one damaged byte loses; it costs about
 * 7 B a version.
 */
export const SHARED_RUN = 64;

/**
 * How many hashes at the end of `p`'s path it can take from `prev` (the previous put's proof of
 * its record) when stored as a shared proof, or undefined when it cannot (another batch or form).
 */
export function sharedTail(p: LeafProof, prev: LeafProof | undefined): number | undefined {
  if (prev === undefined || prev.form !== p.form || prev.count !== p.count) return undefined;
  if (prev.sig !== p.sig && !sameBytes(prev.sig, p.sig)) return undefined;
  const a = p.path;
  const b = prev.path;
  let m = 0;
  while (m < a.length && m < b.length) {
    const x = a[a.length - 1 - m]!;
    const y = b[b.length - 1 - m]!;
    if (x !== y && !sameBytes(x, y)) break;
    m++;
  }
  return m;
}

/** The length of a shared proof of `p` taking `m` hashes from the previous one (writeSharedProof). */
export function sharedProofLength(p: LeafProof, m: number): number {
  if (!Number.isSafeInteger(p.index) || p.index < 0) throw bytesFailure(`cannot encode ${p.index} as a varint`);
  return 1 + varintSize(p.index) + varintSize(m) + (p.path.length - m) * HASH_BYTES;
}

/** Writes `p` as a shared proof taking `m` hashes from the previous one at `out[at]`; returns the position after it. */
export function writeSharedProof(p: LeafProof, m: number, out: Uint8Array, at: number): number {
  out[at++] = SHARED_PROOF | p.form;
  at = putVarUint(out, at, p.index);
  at = putVarUint(out, at, m);
  for (let i = 0; i < p.path.length - m; i++) {
    out.set(p.path[i]!, at);
    at += HASH_BYTES;
  }
  return at;
}

/**
 * Reads the stored signatures of one record's puts in order (a per-version signature is
 * exactly 64 bytes; else a whole proof, encodeStoredProof, or a shared one): every signed put, kept or not, so a shared proof finds the proof it leans on. A proof
 * read back shares its signature and the hashes it took with the previous one (the arrays a batch
 * signed here shares too: merkle.ts MerklePath). Bytes that do not decode throw; so does a shared
 * proof after them or after no proof of its batch (its record is damaged).
 */
export class StoredProofReader {
  private prev: LeafProof | undefined;

  /**
   * `views`: what it reads back are views of the stored bytes, not copies: only for a reader done
   * with them while it holds those bytes (compaction writes them again at once; a load keeps them,
   * and a view would pin the whole record's buffer). A copy is an ArrayBuffer of its own, one per
   * hash: a compaction after a writeMany of 4,000 versions made ~1.2 MB of them (docs/benchmarks.md, scenario 6).
   */
  constructor(private readonly views = false) {}

  read(stored: Uint8Array): { readonly sig: Uint8Array } | { readonly proof: LeafProof } {
    const prev = this.prev;
    // Cleared first: after bytes that do not decode, the next proof has nothing to lean on.
    this.prev = undefined;
    if (stored.length === SIGNATURE_LENGTH) return { sig: own(stored, this.views) };
    const proof =
      (stored[0]! & SHARED_PROOF) === 0 ? decodeStoredProof(stored, this.views) : shared(stored, prev, this.views);
    this.prev = proof;
    return { proof };
  }

  /** Forgets the previous proof (a put whose bytes were not read: the next cannot lean on it). */
  skip(): void {
    this.prev = undefined;
  }
}

/** Whether the stored signature of `length` bytes at `g[at]` is a shared proof, which leans on the one before it. */
export function leansOnPrevious(g: Uint8Array, at: number, length: number): boolean {
  return length > 0 && length !== SIGNATURE_LENGTH && (g[at]! & SHARED_PROOF) !== 0;
}

/** A stored signature that does not decode (a damaged record): its bytes, a view of the record's. */
export interface DamagedSignature {
  readonly damaged: Uint8Array;
}

/**
 * The stored signatures of one record's puts, walked in order with a StoredProofReader: `g` holds
 * them concatenated, `gl` each put's byte length (-1 for none; empty when no put has one). Each put
 * is passed once, in order, by next(): its signature is read when the caller wants it, and also
 * when the next put's proof leans on it (a load or a compaction that leaves a put out still needs
 * its proof for the next); otherwise it is skipped without decoding.
 */
export class StoredProofWalk {
  private readonly reader: StoredProofReader;
  private put = 0;
  private at = 0;

  constructor(
    private readonly g: Uint8Array,
    private readonly gl: Int32Array,
    /** Read back as views of `g`, not copies (StoredProofReader): compaction, which writes them again at once. */
    views = false,
  ) {
    this.reader = new StoredProofReader(views);
  }

  /**
   * The next put's signature if `wanted` (undefined when it has none, `damaged` when its bytes do
   * not decode); undefined when not wanted.
   */
  next(wanted: boolean): { readonly sig: Uint8Array } | { readonly proof: LeafProof } | DamagedSignature | undefined {
    const i = this.put++;
    const length = this.gl.length === 0 ? -1 : this.gl[i]!;
    if (length < 0) {
      this.reader.skip();
      return undefined;
    }
    const at = this.at;
    this.at += length;
    const needed = wanted || (i + 1 < this.gl.length && leansOnPrevious(this.g, this.at, this.gl[i + 1]!));
    if (!needed) {
      this.reader.skip();
      return undefined;
    }
    const bytes = this.g.subarray(at, at + length);
    try {
      const read = this.reader.read(bytes);
      return wanted ? read : undefined;
    } catch {
      // Not wanted: the next proof's read fails in turn, and counts as damaged if it is wanted.
      return wanted ? { damaged: bytes } : undefined;
    }
  }
}

/** `bytes` itself when `views`, else a copy of them. */
function own(bytes: Uint8Array, views: boolean): Uint8Array {
  return views ? bytes : bytes.slice();
}

/** A shared proof's LeafProof, leaning on `prev` (the previous put's). */
function shared(bytes: Uint8Array, prev: LeafProof | undefined, views: boolean): LeafProof {
  const r = new Decoder(bytes, bytesFailure);
  const form = r.readU8() & ~SHARED_PROOF;
  if (prev === undefined || form !== prev.form)
    throw new Error('stored proof: shared with no proof of its batch before it');
  const count = prev.count;
  const index = r.readVarUint();
  const m = r.readVarUint();
  if (index >= count) throw new Error('stored proof: leaf index out of range');
  const length = pathBytes(count, index) / HASH_BYTES;
  if (m > length || m > prev.path.length) throw new Error('stored proof: shares more hashes than it has');
  const path: Uint8Array[] = [];
  for (let i = m; i < length; i++) path.push(own(r.readView(HASH_BYTES), views));
  if (r.left !== 0) throw new Error('stored proof: trailing bytes');
  for (let i = prev.path.length - m; i < prev.path.length; i++) path.push(prev.path[i]!);
  return { kind: 'path', form: prev.form, sig: prev.sig, count, index, path };
}
