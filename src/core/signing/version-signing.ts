import { canonicalContent } from '../merge/version-content';
import type { Version } from '../merge/version';

/**
 * The bytes an author signs for one component version (docs/security.md, "Signed versions"):
 *
 *   lattice-mesh version v1 \n <entity> \n <kind> \n <ms>.<counter>.<author> \n <canonicalContent>
 *
 * The author is the timestamp's node (a version's author is `ts.node`, see merge/version.ts), so
 * the clock and the author are signed together; the value and the causal context are signed as
 * canonicalContent (merge/version-content.ts), the same canonical text the reconciliation id
 * hashes, so "the same content" means one thing everywhere. The signature itself is not signed.
 *
 * Unambiguous: entity ids, kinds and node ids cannot contain a newline (core/ids.ts), the clock
 * text has a fixed shape, and canonicalContent has no raw newline (JSON escapes it), so the text
 * has exactly four separators and splits one way only. The domain keeps a version signature from
 * ever being valid as any other signed message of the protocol (e.g. the signaling proof).
 */
export const VERSION_SIGNING_DOMAIN = 'lattice-mesh version v1';

export type SignedPart = Pick<Version, 'entity' | 'kind' | 'value' | 'ts' | 'seen'>;

export function versionSigningText(v: SignedPart): string {
  const { entity, kind, ts } = v;
  return `${VERSION_SIGNING_DOMAIN}\n${entity}\n${kind}\n${ts.ms}.${ts.c}.${ts.node}\n${canonicalContent(v)}`;
}

const utf8 = new TextEncoder();

/** versionSigningText as UTF-8: what Signer.sign and the verifier take. */
export function versionSigningBytes(v: SignedPart): Uint8Array {
  return utf8.encode(versionSigningText(v));
}
