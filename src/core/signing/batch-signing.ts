import type { NodeId } from '../ids';
import type { LeafForm } from './leaf-form';
import { HASH_BYTES } from './merkle';

/**
 * One Ed25519 signature per batch of one author's versions (docs/security.md, "One signature per
 * batch"). The author signs the root of a Merkle tree (merkle.ts) whose leaves are its versions
 * in one leaf form (leaf-form.ts), in batch order:
 *
 *   UTF-8 "lattice-mesh batch root v<form>\n<author>\n<count>\n" followed by the 32-byte root
 *
 * (v1: leaves are the versions' signing text, batches signed before the binary form; v2: the
 * binary leaf form.)
 * The author and the leaf count are signed with the root, so neither a version of another author
 * nor a tree of another shape can pass under the signature; the domain keeps the signature from
 * being valid as any other signed message of the protocol (a version's, a link proof's).
 */
export const BATCH_ROOT_DOMAIN = 'lattice-mesh batch root v';

const utf8 = new TextEncoder();

export function batchRootSigningBytes(author: NodeId, count: number, root: Uint8Array, form: LeafForm): Uint8Array {
  if (root.length !== HASH_BYTES) throw new Error('a batch root is 32 bytes');
  const head = utf8.encode(`${BATCH_ROOT_DOMAIN}${form}\n${author}\n${count}\n`);
  const out = new Uint8Array(head.length + HASH_BYTES);
  out.set(head);
  out.set(root, head.length);
  return out;
}

export { versionLeafHash } from './leaf-form';
