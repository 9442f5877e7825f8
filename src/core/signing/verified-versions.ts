import type { Version } from '../merge/version';
import { idKey, versionId } from '../sync/version-id';

/**
 * How many verified versions a node remembers (docs/security.md, "Signed versions"). A version
 * reaches a node once per link that relays it and again through anti-entropy; remembering the
 * recent ones makes every copy after the first cost a map lookup instead of an Ed25519 check. At
 * ~200 B per entry (version key text, 16-byte content id, map slot) the bound is ~3 MiB.
 */
export const VERIFIED_VERSIONS_CAPACITY = 16_384;

/** What the cache knows of a version: verified as is, or its key verified with another content. */
export type Recall = 'verified' | 'conflict' | 'unknown';

/**
 * The versions whose signatures this node has checked, keyed by version key (entity, kind,
 * timestamp with author) with the reconciliation id of the content that verified (sync/version-id.ts
 * covers key and content). Bounded: least recently used entries are forgotten first. Because the
 * key maps to the content that verified, the cache also catches an equivocation (one author, one
 * key, two signed contents) when the first content is still remembered.
 */
export class VerifiedVersions {
  private readonly byKey = new Map<string, string>();

  constructor(readonly capacity = VERIFIED_VERSIONS_CAPACITY) {}

  get size(): number {
    return this.byKey.size;
  }

  recall(v: Version): Recall {
    const key = keyText(v);
    const content = this.byKey.get(key);
    if (content === undefined) return 'unknown';
    if (content !== idKey(versionId(v))) return 'conflict';
    this.byKey.delete(key);
    this.byKey.set(key, content);
    return 'verified';
  }

  /** Records a version whose signature verified (keeps the first content of a key). */
  remember(v: Version): void {
    const key = keyText(v);
    if (this.byKey.has(key)) return;
    this.byKey.set(key, idKey(versionId(v)));
    if (this.byKey.size > this.capacity) this.byKey.delete(this.byKey.keys().next().value as string);
  }
}

function keyText(v: Version): string {
  return `${v.entity}\u0000${v.kind}\u0000${v.ts.ms}.${v.ts.c}.${v.ts.node}`;
}
