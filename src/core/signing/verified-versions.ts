import type { Version } from '../merge/version';

/**
 * How many verified versions a node remembers (docs/security.md, "Signed versions"). A version
 * reaches a node once per link that relays it and again through anti-entropy; remembering the
 * recent ones makes every copy after the first cost a comparison instead of an Ed25519 check.
 */
export const VERIFIED_VERSIONS_CAPACITY = 16_384;
/** Bytes of signed content and signatures the cache holds at most (least recently used go first). */
export const VERIFIED_VERSIONS_MAX_BYTES = 4 * 1024 * 1024;
/** A version whose content bytes are longer is verified every time rather than remembered. */
export const VERIFIED_VERSION_MAX_ENTRY_BYTES = 2048;

/** What the cache knows of a version: verified as is, or its key verified with another content. */
export type Recall = 'verified' | 'conflict' | 'unknown';

/**
 * What stands for a version's content in the cache: `signing-text`, the exact bytes a per-version
 * signature covers (versionSigningBytes); or `leaf-1` / `leaf-2`, the version's leaf hash in that
 * leaf form (leaf-form.ts: SHA-256, so equal hashes are equal contents), for versions under a batch.
 */
export type ContentForm = 'signing-text' | 'leaf-1' | 'leaf-2';

interface Entry {
  readonly form: ContentForm;
  readonly bytes: Uint8Array;
  readonly sig: Uint8Array;
}

/**
 * The versions whose signatures this node has checked, keyed by version key (entity, kind,
 * timestamp with author), each with its content (the signed bytes, or its leaf hash, ContentForm)
 * and the signature that verified. A copy is taken as verified only when both are byte for byte
 * the same: a fast, non-cryptographic content
 * id (sync/version-id.ts) would let a peer craft another value with the same id and ride on the
 * honest signature. Bounded in entries and bytes, least recently used forgotten first. Because
 * the key maps to the content that verified, the cache also catches an equivocation (one author,
 * one key, two signed contents) while the first content is remembered. Contents of two forms are
 * not compared (the same version signed before and after the binary leaf form is no equivocation
 * the cache can tell): such a copy is checked in full.
 */
export class VerifiedVersions {
  private readonly byKey = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    readonly capacity = VERIFIED_VERSIONS_CAPACITY,
    readonly maxBytes = VERIFIED_VERSIONS_MAX_BYTES,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  /**
   * `sig`: the signature the copy comes under (its own, or its batch's root); `bytes`: its content
   * in `form`.
   */
  recall(v: Version, sig: Uint8Array | undefined, bytes: Uint8Array, form: ContentForm): Recall {
    const key = keyText(v);
    const entry = this.byKey.get(key);
    if (entry === undefined || entry.form !== form) return 'unknown';
    if (!sameBytes(entry.bytes, bytes)) return 'conflict';
    // Same content under another signature: not the one that verified, so it is checked again.
    if (sig === undefined || !sameBytes(entry.sig, sig)) return 'unknown';
    this.byKey.delete(key);
    this.byKey.set(key, entry);
    return 'verified';
  }

  /**
   * recall and remember in one lookup, for a version whose signature (or root) just verified:
   * 'conflict' if the key verified with another content of the same form (an equivocation),
   * else it is remembered (the first content of a key is kept) and 'verified'.
   */
  admit(v: Version, sig: Uint8Array, bytes: Uint8Array, form: ContentForm): 'verified' | 'conflict' {
    const key = keyText(v);
    const entry = this.byKey.get(key);
    if (entry !== undefined) {
      if (entry.form === form && !sameBytes(entry.bytes, bytes)) return 'conflict';
      return 'verified';
    }
    this.add(key, form, bytes, sig);
    return 'verified';
  }

  /** Records a version whose signature verified (keeps the first content of a key); as for recall. */
  remember(v: Version, sig: Uint8Array | undefined, bytes: Uint8Array, form: ContentForm): void {
    const key = keyText(v);
    if (this.byKey.has(key) || sig === undefined) return;
    this.add(key, form, bytes, sig);
  }

  private add(key: string, form: ContentForm, bytes: Uint8Array, sig: Uint8Array): void {
    if (bytes.length > VERIFIED_VERSION_MAX_ENTRY_BYTES) return;
    // A per-version signature may be a view into a received frame: copied, so the frame can go.
    // A batch root is the verifier's own array, shared by every version of the batch.
    this.byKey.set(key, { form, bytes, sig: form === 'signing-text' ? Uint8Array.from(sig) : sig });
    this.bytes += bytes.length + sig.length;
    while (this.byKey.size > this.capacity || this.bytes > this.maxBytes) {
      const [oldest, entry] = this.byKey.entries().next().value as [string, Entry];
      this.byKey.delete(oldest);
      this.bytes -= entry.bytes.length + entry.sig.length;
    }
  }
}

function keyText(v: Version): string {
  return `${v.entity}\u0000${v.kind}\u0000${v.ts.ms}.${v.ts.c}.${v.ts.node}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
