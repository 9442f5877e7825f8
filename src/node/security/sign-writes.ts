import { sameBytes } from '../../core/bytes/same-bytes';
import type { NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import { batchRootSigningBytes, versionLeafHash } from '../../core/signing/batch-signing';
import type { LeafProof } from '../../core/signing/leaf-proof';
import { LEAF_FORM_BINARY, type LeafForm } from '../../core/signing/leaf-form';
import { buildTree, isPathFor, MAX_BATCH_LEAVES, pathInTree, rootFromProof } from '../../core/signing/merkle';
import type { Signer } from '../../ports/signer';
import type { WriteLane } from '../write-lane';

/** A batch root this process signed (signBatchInPlace), as its versions' proofs name it. */
interface OwnRoot {
  readonly author: NodeId;
  readonly form: LeafForm;
  readonly count: number;
  readonly root: Uint8Array;
}

/**
 * The roots signBatchInPlace signed in this process, keyed by the signature object it set on the
 * versions' proofs (which the store holds). Only this module adds to it, and a signature object
 * that came from anywhere else (a peer's frame, storage) is never a key: so a version whose proof
 * names a key here was signed by this process's own key, unless its content changed since.
 */
const ownRoots = new WeakMap<Uint8Array, OwnRoot>();

/**
 * Whether `v`, whose leaf hash in the binary form is `leaf`, is a version this process signed
 * (docs/security.md, "Frame batches"): its proof names a root signBatchInPlace signed for `author`,
 * in the binary form, and its leaf with its path leads to that very root. A frame batch re-signs
 * only such versions, so the node's key never signs a content it has not signed before: not a
 * version restored from storage, imported, or merged from a peer under our id, nor an object
 * changed after it was signed.
 */
export function signedHere(v: Version, author: NodeId, leaf: Uint8Array): boolean {
  const p = v.proof;
  if (p === undefined || p.kind !== 'path' || v.ts.node !== author) return false;
  const own = ownRoots.get(p.sig);
  if (own === undefined || own.author !== author || own.form !== LEAF_FORM_BINARY || own.form !== p.form) return false;
  if (own.count !== p.count || !isPathFor(p.count, p.index, p.path)) return false;
  const root = rootFromProof(p.count, [p.index], [leaf], p.path);
  return typeof root !== 'string' && sameBytes(root, own.root);
}

/**
 * Signs this node's fresh versions with its key, one Ed25519 signature per batch (docs/security.md,
 * "One signature per batch"): the versions, in the binary leaf form (leaf-form.ts), are the leaves
 * of a Merkle tree, the key signs its root
 * (batchRootSigningBytes), and each version gets its LeafProof (the signature, the leaf count, its
 * index, its path to the root), set on the object itself: the store already holds these very
 * objects (a local write is merged before it is signed, so nothing awaits between its checks and
 * its merge), and storage and the mesh read them from there. Only versions this node just stamped
 * and nobody else has seen yet; all of `versions` must be `author`'s.
 */
export async function signBatchInPlace(
  signer: Signer,
  author: NodeId,
  versions: readonly Version[],
  form: LeafForm = LEAF_FORM_BINARY,
): Promise<void> {
  for (let at = 0; at < versions.length; at += MAX_BATCH_LEAVES) {
    const part = versions.slice(at, at + MAX_BATCH_LEAVES);
    for (const v of part) {
      if (v.ts.node !== author) throw new Error(`a batch signed by ${author} holds a version by ${v.ts.node}`);
    }
    const levels = buildTree(part.map((v) => versionLeafHash(v, form)));
    const root = levels[levels.length - 1]![0]!;
    const sig = await signer.sign(batchRootSigningBytes(author, part.length, root, form));
    ownRoots.set(sig, { author, form, count: part.length, root });
    for (let i = 0; i < part.length; i++) {
      // Read straight from the whole tree's levels (the hashes pathOf gives, shared, none copied).
      const path = pathInTree(levels, i);
      const proof: LeafProof = { kind: 'path', form, sig, count: part.length, index: i, path };
      (part[i] as { proof?: LeafProof }).proof = proof;
    }
  }
}

/**
 * Copies of `versions` (all `author`'s) signed as one batch: for tests, benchmarks and tools
 * (`form` 1 makes a batch as nodes signed them before the binary leaf form).
 */
export async function signedBatch(
  signer: Signer,
  author: NodeId,
  versions: readonly Version[],
  form: LeafForm = LEAF_FORM_BINARY,
): Promise<Version[]> {
  const copies = versions.map(({ sig: _sig, proof: _proof, ...v }) => ({ ...v }) as Version);
  await signBatchInPlace(signer, author, copies, form);
  return copies;
}

/**
 * The most bulk versions one signing round takes, as whole commits (a single larger commit takes a
 * round alone): hashing a round's leaves is one task of the worker, and a priority version asking
 * meanwhile waits for at most that one round (under scenario 12's flood a round of 7,000 versions
 * was a task of several hundred ms on a loaded machine).
 */
export const BULK_ROUND_VERSIONS = 1024;

interface Asker {
  readonly versions: readonly Version[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit of signatures: the versions of every commit that asks while a signature is being
 * made are signed together next, as one batch of whole commits up to BULK_ROUND_VERSIONS (a bulk
 * round is bounded, so a priority version waits for at most one round of leaf hashing), so a node
 * writing many entities at once (the simulator, fusion, writeMany) makes one signature per round
 * instead of one per version, and a
 * node writing one entity now and then signs it at once. Each caller resolves when its own
 * versions carry their proof; a signing failure rejects every caller of that round.
 *
 * Two lanes, as in the write-behind (WriteLane): the priority lane's versions (the approval gate's
 * registers) are signed in a round of their own before the bulk waiting next, so a decision waits
 * for at most the round already running, never for the hashing of the next flood of positions.
 */
export class GroupSigner {
  private readonly lanes: Record<WriteLane, Asker[]> = { priority: [], bulk: [] };
  private running = false;
  /** Signatures made and versions they covered (stats, benchmarks). */
  batches = 0;
  versions = 0;

  constructor(
    private readonly signer: Signer,
    private readonly author: NodeId,
  ) {}

  sign(versions: readonly Version[], lane: WriteLane = 'bulk'): Promise<void> {
    if (versions.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.lanes[lane].push({ versions, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    // The commits started in this same turn join the first round.
    await Promise.resolve();
    for (;;) {
      const round = this.next();
      if (round.length === 0) break;
      const versions = round.flatMap((a) => a.versions);
      try {
        await signBatchInPlace(this.signer, this.author, versions);
        this.batches += Math.ceil(versions.length / MAX_BATCH_LEAVES);
        this.versions += versions.length;
        for (const a of round) a.resolve();
      } catch (error) {
        for (const a of round) a.reject(error);
      }
    }
    this.running = false;
  }

  /** The next round: every priority commit waiting, else bulk commits up to BULK_ROUND_VERSIONS (at least one). */
  private next(): Asker[] {
    if (this.lanes.priority.length > 0) return this.lanes.priority.splice(0);
    const bulk = this.lanes.bulk;
    let take = 0;
    let count = 0;
    while (take < bulk.length && (take === 0 || count + bulk[take]!.versions.length <= BULK_ROUND_VERSIONS)) {
      count += bulk[take]!.versions.length;
      take += 1;
    }
    return bulk.splice(0, take);
  }
}
