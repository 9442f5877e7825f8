import type { NodeId } from '../ids';
import type { SignedPart } from './version-signing';
import { versionSigningBytes } from './version-signing';
import { HASH_BYTES, leafHash } from './merkle';

/**
 * One Ed25519 signature per batch of one author's versions (docs/security.md, "One signature per
 * batch"). The author signs the root of a Merkle tree (merkle.ts) whose leaves are its versions'
 * signing bytes (versionSigningBytes, which already start with their own domain), in batch order:
 *
 *   UTF-8 "lattice-mesh batch root v1\n<author>\n<count>\n" followed by the 32-byte root
 *
 * The author and the leaf count are signed with the root, so neither a version of another author
 * nor a tree of another shape can pass under the signature; the domain keeps the signature from
 * being valid as any other signed message of the protocol (a version's, a link proof's).
 */
export const BATCH_ROOT_DOMAIN = 'lattice-mesh batch root v1';

const utf8 = new TextEncoder();

export function batchRootSigningBytes(author: NodeId, count: number, root: Uint8Array): Uint8Array {
  if (root.length !== HASH_BYTES) throw new Error('a batch root is 32 bytes');
  const head = utf8.encode(`${BATCH_ROOT_DOMAIN}\n${author}\n${count}\n`);
  const out = new Uint8Array(head.length + HASH_BYTES);
  out.set(head);
  out.set(root, head.length);
  return out;
}

/** The leaf of one version: SHA-256 over 0x00 and its signing bytes. */
export function versionLeafHash(v: SignedPart): Uint8Array {
  return leafHash(versionSigningBytes(v));
}
