import { sameBytes } from '../bytes/same-bytes';
import type { NodeId } from '../ids';
import type { Version } from '../merge/version';
import { batchRootSigningBytes } from './batch-signing';
import { LEAF_FORM_BINARY, versionLeafHash } from './leaf-form';
import type { LeafProof } from './leaf-proof';
import { SIGNATURE_LENGTH } from './leaf-proof';
import { buildTree, MAX_BATCH_LEAVES, pathOf } from './merkle';

/**
 * A frame batch (docs/security.md, "Frame batches"): a node sending a frame of its own versions
 * may sign that set afresh as one batch, the frame's versions its leaves in frame order, and send
 * them under it instead of the proofs of the group commits they came from. It is an ordinary batch
 * signature (batchRootSigningBytes over a Merkle root of binary-form leaves), so every verifier
 * takes it by the one code path for batch proofs; only the author's key can make it, since the
 * author's id, the leaf form and the leaf count are signed with the root.
 *
 * On a thin link this is what a live frame of positions needs: the coalesced latest version per
 * track is a sparse pick from many small group commits, each of which would cost its 64-byte
 * signature (and, for a part of a larger commit, its multiproof hashes) in the frame's batch
 * table; the frame batch costs one signature and no proof hashes, since all its leaves are present.
 *
 * Pure: the caller signs `signingBytes` with the author's key and hands the signature to `signed`.
 */
export interface FrameBatch {
  readonly author: NodeId;
  /** The versions in leaf order (the order they were given). */
  readonly versions: readonly Version[];
  /** Their leaf hashes (binary form), in the same order. */
  readonly leaves: readonly Uint8Array[];
  readonly root: Uint8Array;
  /** What the author's key signs. */
  readonly signingBytes: Uint8Array;
  /**
   * Copies of the versions, each under a LeafProof of this batch with `sig` (the store's objects
   * keep the proofs they were stored with). A placeholder of 64 zero bytes gives copies that
   * encode to exactly the size the signed ones will.
   */
  signed(sig: Uint8Array): Version[];
}

/** The signature bytes of a frame batch not yet signed: same length, so the same encoded size. */
export const PLACEHOLDER_SIGNATURE: Uint8Array = new Uint8Array(SIGNATURE_LENGTH);

/** A version's identity in a batch: the wire writes a repeated (entity, kind, clock) once. */
export function versionKey(v: Version): string {
  return `${v.entity}\u0000${v.kind}\u0000${v.ts.ms}.${v.ts.c}.${v.ts.node}`;
}

/**
 * The frame batch over `versions` (1 to MAX_BATCH_LEAVES, all by `author`, no two the same version).
 * Throws for any other set: a batch holds one author's versions. `leafOf` is the binary-form
 * versionLeafHash, or a cache of it (a version sent on several links is hashed once).
 */
export function frameBatch(
  author: NodeId,
  versions: readonly Version[],
  leafOf: (v: Version) => Uint8Array = (v) => versionLeafHash(v, LEAF_FORM_BINARY),
): FrameBatch {
  if (versions.length === 0 || versions.length > MAX_BATCH_LEAVES)
    throw new Error(`a frame batch holds 1 to ${MAX_BATCH_LEAVES} versions`);
  const keys = new Set<string>();
  for (const v of versions) {
    if (v.ts.node !== author) throw new Error(`a frame batch signed by ${author} holds a version by ${v.ts.node}`);
    // The wire writes a repeated version once: its leaf would be missing from the frame.
    const key = versionKey(v);
    if (keys.has(key)) throw new Error(`a frame batch holds ${v.entity} ${v.kind} at ${v.ts.ms}.${v.ts.c} twice`);
    keys.add(key);
  }
  const count = versions.length;
  const leaves = versions.map(leafOf);
  const levels = buildTree(leaves);
  const root = levels[levels.length - 1]![0]!;
  const node = (level: number, index: number): Uint8Array | undefined => levels[level]?.[index];
  let paths: Uint8Array[][] | undefined;
  return {
    author,
    versions,
    leaves,
    root,
    signingBytes: batchRootSigningBytes(author, count, root, LEAF_FORM_BINARY),
    signed(sig: Uint8Array): Version[] {
      if (sig.length !== SIGNATURE_LENGTH) throw new Error(`a batch signature is ${SIGNATURE_LENGTH} bytes`);
      paths ??= versions.map((_, i) => pathOf(count, i, node)!);
      return versions.map((v, index) => {
        const { sig: _sig, proof: _proof, ...rest } = v;
        const proof: LeafProof = { kind: 'path', form: LEAF_FORM_BINARY, sig, count, index, path: paths![index]! };
        return { ...rest, proof } as Version;
      });
    },
  };
}

/**
 * Whether sending `own` (one author's versions, as they are stored) under a frame batch makes the
 * frame smaller: it always costs one batch-table entry (signature, count) and no proof hashes, so
 * it pays when the versions now stand under two or more signatures (batches, or per-version
 * signatures from before batch signing), or under one batch of which they are only a part (a
 * multiproof of one hash or more). A single whole batch, or a single version alone in its batch,
 * is sent as it is.
 */
export function frameBatchSaves(own: readonly Version[]): boolean {
  if (own.length < 2) {
    const p = own[0]?.proof;
    return p !== undefined && p.count > 1;
  }
  const first = own[0]!.proof;
  if (first === undefined) return true;
  for (const v of own) {
    const p = v.proof;
    if (p === undefined || p.count !== first.count || !sameBytes(p.sig, first.sig)) return true;
  }
  // One signature: one batch; a part of it needs proof hashes.
  return new Set(own.map((v) => v.proof!.index)).size < first.count;
}
