import { versionKey } from './frame-batch';
import { sameBytes } from '../bytes/same-bytes';
import type { Version } from '../merge/version';
import { SIGNATURE_LENGTH } from './leaf-proof';

/**
 * How many verified versions a node remembers (docs/security.md, "Signed versions"). A version
 * reaches a node once per link that relays it and again through anti-entropy; remembering the
 * recent ones makes every copy after the first cost a comparison instead of an Ed25519 check.
 * Each entry holds a 32-byte content digest and the signature (or batch root) that verified, so
 * the cache holds at most ~16,384 × (96 B + its key), whatever the versions' sizes.
 */
export const VERIFIED_VERSIONS_CAPACITY = 16_384;

/** What the cache knows of a version: verified as is, or its key verified with another content. */
export type Recall = 'verified' | 'conflict' | 'unknown';

interface Entry {
  /** The content digest (leaf-form.ts versionContentDigest), the same whatever form signed it. */
  readonly digest: Uint8Array;
  readonly sig: Uint8Array;
}

/**
 * The versions whose signatures this node has checked, keyed by version key (entity, kind,
 * timestamp with author), each with its content digest and the signature that verified. The
 * digest is SHA-256 over the version's canonical binary content (entity, kind, clock, context,
 * value: leaf-form.ts, versionContentDigest), computed the same way whichever form carried the
 * signature (a signature of its own over the signing text, a batch of text leaves, a batch of
 * binary leaves), so equal digests are equal contents. A copy is taken as verified only when
 * digest and signature are both the same: a fast, non-cryptographic content id
 * (sync/version-id.ts) would let a peer craft another value with the same id and ride on the
 * honest signature. Bounded in entries, least recently used forgotten first. Because the key maps
 * to the content that verified, the cache also catches an equivocation (one author, one key, two
 * signed contents) while the first content is remembered, in whichever forms the two were signed.
 */
export class VerifiedVersions {
  private readonly byKey = new Map<string, Entry>();

  constructor(readonly capacity = VERIFIED_VERSIONS_CAPACITY) {}

  get size(): number {
    return this.byKey.size;
  }

  /** `sig`: the signature the copy comes under (its own, or its batch's root); `digest`: its content digest (a hash output of its own: kept as is). */
  recall(v: Version, sig: Uint8Array | undefined, digest: Uint8Array): Recall {
    const key = versionKey(v);
    const entry = this.byKey.get(key);
    if (entry === undefined) return 'unknown';
    if (!sameBytes(entry.digest, digest)) return 'conflict';
    // Same content under another signature: not the one that verified, so it is checked again.
    if (sig === undefined || !sameBytes(entry.sig, sig)) return 'unknown';
    this.byKey.delete(key);
    this.byKey.set(key, entry);
    return 'verified';
  }

  /**
   * recall and remember in one lookup, for a version whose signature (or root) just verified:
   * 'conflict' if the key verified with another content (an equivocation, whatever the forms),
   * else it is remembered (the first content of a key is kept) and 'verified'.
   */
  admit(v: Version, sig: Uint8Array, digest: Uint8Array): 'verified' | 'conflict' {
    const key = versionKey(v);
    const entry = this.byKey.get(key);
    if (entry !== undefined) return sameBytes(entry.digest, digest) ? 'verified' : 'conflict';
    this.add(key, digest, sig);
    return 'verified';
  }

  /** Records a version whose signature verified (keeps the first content of a key); as for recall. */
  remember(v: Version, sig: Uint8Array | undefined, digest: Uint8Array): void {
    const key = versionKey(v);
    if (this.byKey.has(key) || sig === undefined) return;
    this.add(key, digest, sig);
  }

  private add(key: string, digest: Uint8Array, sig: Uint8Array): void {
    // A per-version signature (64 bytes) may be a view into a received frame: copied, so the frame
    // can go. A batch root (32 bytes, shared by the versions of a batch) and a digest are hash
    // outputs, arrays of their own, kept as they are. (Telling a view by its `buffer` cost more than
    // a copy: asking a small array for its buffer moves its bytes off the heap, per version.)
    this.byKey.set(key, { digest, sig: sig.length === SIGNATURE_LENGTH ? sig.slice() : sig });
    if (this.byKey.size > this.capacity) this.byKey.delete(this.byKey.keys().next().value!);
  }
}
