import type { NodeId } from '../../src/core/ids';
import type { Version } from '../../src/core/merge/version';
import { LEAF_FORM_BINARY, type LeafForm } from '../../src/core/signing/leaf-form';
import { EntityStore } from '../../src/core/store/entity-store';
import { decodeVersions, type IdCache } from '../../src/core/wire';
import { generateNodeKey, type NodeKey } from '../../src/adapters/identity/node-key';
import { signerOf } from '../../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../../src/adapters/identity/webcrypto-verifier';
import { signedBatch } from '../../src/node/security/sign-writes';
import { KeyRing, VersionVerifier } from '../../src/node/security/version-verifier';
import type { SignatureVerifier } from '../../src/ports/signature-verifier';

/**
 * Signed workloads for the benchmarks (scenarios 1 and 13, in Node and in a browser worker): real
 * Ed25519 keys for a workload's authors, each author's versions of a frame signed as one batch
 * (signedBatch, the code the node's GroupSigner runs), and the receiving side as MeshSecurity runs
 * it: decodeVersions, VersionVerifier.verify (via verifyBatch), EntityStore.apply of what it
 * accepts. Browser-safe: no node: imports.
 */
export interface Authors {
  readonly keys: readonly NodeKey[];
  /** The key of each real author id. */
  readonly keyOf: ReadonlyMap<NodeId, NodeKey>;
  /** A workload's made-up author id → the id of the real key standing for it. */
  readonly idOf: ReadonlyMap<NodeId, NodeId>;
}

/** A non-extractable Ed25519 key for each of `nodes` (a workload's made-up author ids). */
export async function realAuthors(nodes: readonly NodeId[]): Promise<Authors> {
  const keys = await Promise.all(nodes.map((_, i) => generateNodeKey(i)));
  return {
    keys,
    keyOf: new Map(keys.map((k) => [k.nodeId, k])),
    idOf: new Map(nodes.map((n, i) => [n, keys[i]!.nodeId])),
  };
}

/** Copies of `versions` whose authors are the real keys' ids (so their signatures verify). */
export function reauthor(versions: readonly Version[], idOf: ReadonlyMap<NodeId, NodeId>): Version[] {
  return versions.map((v) => ({ ...v, ts: { ...v.ts, node: idOf.get(v.ts.node)! } }));
}

/** Each author's versions among `versions` signed as one batch (as each writer's group commit would). */
export async function signPerAuthor(
  versions: readonly Version[],
  keyOf: ReadonlyMap<NodeId, NodeKey>,
  form: LeafForm = LEAF_FORM_BINARY,
): Promise<Version[]> {
  const byAuthor = new Map<NodeId, Version[]>();
  for (const v of versions) {
    const list = byAuthor.get(v.ts.node);
    if (list === undefined) byAuthor.set(v.ts.node, [v]);
    else list.push(v);
  }
  const out: Version[] = [];
  for (const [author, list] of byAuthor) {
    out.push(...(await signedBatch(signerOf(keyOf.get(author)!), author, list, form)));
  }
  return out;
}

/** A receiving node's verifier that knows `keys` (as after the handshakes) and remembers no root yet. */
export async function freshVerifier(
  keys: readonly NodeKey[],
  crypto: SignatureVerifier = webCryptoVerifier(),
): Promise<VersionVerifier> {
  const ring = new KeyRing(crypto);
  for (const k of keys) await ring.learn(k.publicKey);
  return new VersionVerifier('0'.repeat(32) as NodeId, crypto, ring);
}

/**
 * The ingest of received frames with verification on: each frame decoded, verified (one Ed25519
 * check per author batch, the rest hashing) and what is accepted merged, frame after frame as the
 * mesh hands them over. Returns how many versions were accepted.
 */
export async function ingestSigned(
  frames: readonly Uint8Array[],
  verifier: VersionVerifier,
  store: EntityStore = new EntityStore(),
  ids?: IdCache,
): Promise<number> {
  let accepted = 0;
  for (const f of frames) {
    const out = await verifier.verifyBatch(decodeVersions(f, ids === undefined ? undefined : { ids }));
    for (const v of out.accepted) store.apply(v);
    accepted += out.accepted.length;
  }
  return accepted;
}

/** The same frames unsigned: decode + merge only (scenario 1's end-to-end path). */
export function ingestPlain(
  frames: readonly Uint8Array[],
  store: EntityStore = new EntityStore(),
  ids?: IdCache,
): number {
  let n = 0;
  for (const f of frames) {
    for (const v of decodeVersions(f, ids === undefined ? undefined : { ids })) {
      store.apply(v);
      n += 1;
    }
  }
  return n;
}
