import type { Version } from '../merge/version';
import { versionSigningBytes } from './version-signing';

/**
 * How many verified versions a node remembers (docs/security.md, "Signed versions"). A version
 * reaches a node once per link that relays it and again through anti-entropy; remembering the
 * recent ones makes every copy after the first cost a comparison instead of an Ed25519 check.
 */
export const VERIFIED_VERSIONS_CAPACITY = 16_384;
/** Bytes of signed content and signatures the cache holds at most (least recently used go first). */
export const VERIFIED_VERSIONS_MAX_BYTES = 4 * 1024 * 1024;
/** A version whose signed bytes are longer is verified every time rather than remembered. */
export const VERIFIED_VERSION_MAX_ENTRY_BYTES = 2048;

/** What the cache knows of a version: verified as is, or its key verified with another content. */
export type Recall = 'verified' | 'conflict' | 'unknown';

interface Entry {
  /** The exact bytes the signature covers (versionSigningBytes: key, value, context, author). */
  readonly bytes: Uint8Array;
  readonly sig: Uint8Array;
}

/**
 * The versions whose signatures this node has checked, keyed by version key (entity, kind,
 * timestamp with author), each with the exact signed bytes and signature that verified. A copy is
 * taken as verified only when both are byte for byte the same: a fast, non-cryptographic content
 * id (sync/version-id.ts) would let a peer craft another value with the same id and ride on the
 * honest signature. Bounded in entries and bytes, least recently used forgotten first. Because
 * the key maps to the content that verified, the cache also catches an equivocation (one author,
 * one key, two signed contents) while the first content is remembered.
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
   * `sig`: the signature the copy comes under (its own, or its batch's); `bytes`: the version's
   * signing bytes if the caller has them already (they are encoded here otherwise).
   */
  recall(v: Version, sig: Uint8Array | undefined = v.sig, bytes?: Uint8Array): Recall {
    const key = keyText(v);
    const entry = this.byKey.get(key);
    if (entry === undefined) return 'unknown';
    if (!sameBytes(entry.bytes, bytes ?? versionSigningBytes(v))) return 'conflict';
    // Same content under another signature: not the one that verified, so it is checked again.
    if (sig === undefined || !sameBytes(entry.sig, sig)) return 'unknown';
    this.byKey.delete(key);
    this.byKey.set(key, entry);
    return 'verified';
  }

  /** Records a version whose signature verified (keeps the first content of a key); `bytes` as for recall. */
  remember(v: Version, sig: Uint8Array | undefined = v.sig, signed?: Uint8Array): void {
    const key = keyText(v);
    if (this.byKey.has(key) || sig === undefined) return;
    const bytes = signed ?? versionSigningBytes(v);
    if (bytes.length > VERIFIED_VERSION_MAX_ENTRY_BYTES) return;
    this.byKey.set(key, { bytes, sig: Uint8Array.from(sig) });
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
