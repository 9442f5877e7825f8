import { sameBytes } from '../../core/bytes/same-bytes';
import type { NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import { batchRootSigningBytes } from '../../core/signing/batch-signing';
import type { LeafProof, ProofGroup } from '../../core/signing/leaf-proof';
import { SIGNATURE_LENGTH } from '../../core/signing/leaf-proof';
import {
  isLeafForm,
  LEAF_FORM_BINARY,
  versionContentDigest,
  versionLeafHash,
  type LeafForm,
} from '../../core/signing/leaf-form';
import {
  buildTree,
  isPathFor,
  isValidCount,
  type MerklePath,
  pathInTree,
  pathOf,
  positionKey,
  rootFromProof,
} from '../../core/signing/merkle';
import { VerifiedRoots } from '../../core/signing/verified-roots';
import { VerifiedVersions } from '../../core/signing/verified-versions';
import { versionSigningBytes } from '../../core/signing/version-signing';
import type { SignatureVerifier } from '../../ports/signature-verifier';
import type { Signer } from '../../ports/signer';
import { signedBatch } from './sign-writes';

/**
 * Signed versions (docs/security.md, "Signed versions" and "One signature per batch"): a version
 * carries a proof that it is a leaf of a batch whose Merkle root its author signed once (or, if
 * stored before batch signing, its own Ed25519 signature over versionSigningBytes); a receiver
 * checks it before the version reaches the merge, whoever relayed it, live or through anti-entropy.
 */

/** Why a version was refused. */
export type RejectReason =
  /** No signature. */
  | 'unsigned'
  /** A signature that is not 64 bytes. */
  | 'malformed-signature'
  /** No key known for the author (not in the roster, never proven at a handshake). */
  | 'unknown-author'
  /** Claims to be ours but is not signed by our key: a peer writing in our name. */
  | 'self-author'
  /** Signed by the link that sent it, in another author's name. */
  | 'forged-author'
  /** Does not verify under the author's key: altered value, context, clock or entity (a replay). */
  | 'bad-signature'
  /** Verifies, but its author signed another content under the same entity, kind and timestamp. */
  | 'equivocation';

export const REJECT_REASONS: readonly RejectReason[] = [
  'unsigned',
  'malformed-signature',
  'unknown-author',
  'self-author',
  'forged-author',
  'bad-signature',
  'equivocation',
];

/** A version's state during verify: settled ('ok', 'cached', 'proven', a reason) or still to check. */
type Verdict = 'ok' | 'cached' | 'proven' | 'unknown' | 'conflict' | RejectReason;

export interface Rejection {
  readonly version: Version;
  readonly reason: RejectReason;
}

export interface VerifyOutcome {
  /** In input order. */
  readonly accepted: Version[];
  readonly rejected: Rejection[];
}

/** A copy of `v` signed alone, as one batch of one version (tests and tools). */
export async function signVersion(signer: Signer, v: Version): Promise<Version> {
  return (await signedBatch(signer, v.ts.node, [v]))[0]!;
}

/** Why a stored version's signature was found unsound on load (VersionVerifier.checkStored). */
export type StoredProofProblem = 'malformed-signature' | 'bad-signature' | 'unsigned';

/** What checkStored found. */
export interface StoredProofCheck {
  /**
   * Per version, in input order: why its stored signature or proof does not verify under its
   * author's key (`unsigned`: it carries none, which every MeshNode refuses, so it could never be
   * sent), or undefined: it verifies, or its author's key is not on file (not judged: kept as
   * stored, see `unjudged`).
   */
  readonly problems: (StoredProofProblem | undefined)[];
  /** Signed versions not judged: no key on file for their author, or the SignatureVerifier failed. */
  readonly unjudged: number;
  /** Ed25519 verifications made: one per distinct batch signature, one per per-version signature. */
  readonly checks: number;
}

/** Ed25519 checks checkStored keeps in flight at once (WebCrypto answers each in a later task). */
export const STORED_CHECKS_IN_FLIGHT = 64;

/** A value now or later: the SignatureVerifier may answer at once (see the port). */
export type Maybe<T> = T | Promise<T>;

function after<T, U>(x: Maybe<T>, f: (t: T) => Maybe<U>): Maybe<U> {
  return x instanceof Promise ? x.then(f) : f(x);
}

/** Most keys a node files (a roster is far smaller); past it the least recently used unpinned key goes. */
export const MAX_KNOWN_KEYS = 4096;

/**
 * Public keys by node id. A key is filed only under the id it hashes to (SignatureVerifier.nodeIdOf),
 * so whoever hands it over (the roster, a handshake, a peer) cannot bind it to another id.
 * `vouched` ids are ours, our direct peers' (proven at the hello) and authors of versions that
 * verified: only their keys are passed on to other peers, so a peer's flood of made-up keys is
 * filed (bounded) but never spread.
 *
 * Bounded at MAX_KNOWN_KEYS, least recently used first. A key is only a cache here: it is
 * self-certifying (its id is its hash), so one evicted is filed again from the next hello or
 * `keys` frame that carries it. What is never evicted is pinned: our own key and the keys of the
 * peers we have a link to. Without that, 4,096 sybil authors (in an open lattice anyone can mint
 * ids) could fill the ring with vouched keys and lock every new peer out, its hello key evicted as
 * soon as it was filed.
 */
export class KeyRing {
  /** In order of last use: the first is the least recently used. */
  private readonly keys = new Map<NodeId, Uint8Array>();
  private readonly vouchedIds = new Set<NodeId>();
  private readonly pinned = new Set<NodeId>();
  /** Keys evicted because MAX_KNOWN_KEYS was reached (the limit's counter, securityStats().limitsHit.knownKeys). */
  evicted = 0;

  constructor(private readonly crypto: SignatureVerifier) {}

  learn(publicKey: Uint8Array): Maybe<NodeId> {
    return after(this.crypto.nodeIdOf(publicKey), (id) => {
      const known = this.keys.get(id);
      if (known !== undefined) {
        this.touch(id, known);
        return id;
      }
      this.keys.set(id, Uint8Array.from(publicKey));
      if (this.keys.size > MAX_KNOWN_KEYS) this.evictOne(id);
      return id;
    });
  }

  keyOf(id: NodeId): Uint8Array | undefined {
    const key = this.keys.get(id);
    if (key !== undefined) this.touch(id, key);
    return key;
  }

  /** Keeps a key filed whatever comes (ours, a linked peer's); false if it is not filed. */
  pin(id: NodeId): boolean {
    if (!this.keys.has(id)) return false;
    this.pinned.add(id);
    return true;
  }

  unpin(id: NodeId): void {
    this.pinned.delete(id);
  }

  /** Marks an id whose key we pass on; true the first time (the caller spreads it then). */
  vouch(id: NodeId): boolean {
    if (this.vouchedIds.has(id) || !this.keys.has(id)) return false;
    this.vouchedIds.add(id);
    return true;
  }

  /** The keys we pass on, most recently used first (kept in storage meta across restarts). */
  vouched(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const ids = [...this.keys.keys()];
    for (let i = ids.length - 1; i >= 0; i--) {
      if (this.vouchedIds.has(ids[i]!)) out.push(this.keys.get(ids[i]!)!);
    }
    return out;
  }

  /** The key of `id` if we pass it on (vouched), without counting it as used. */
  vouchedKey(id: NodeId): Uint8Array | undefined {
    return this.vouchedIds.has(id) ? this.keys.get(id) : undefined;
  }

  get vouchedCount(): number {
    return this.vouchedIds.size;
  }

  get size(): number {
    return this.keys.size;
  }

  private touch(id: NodeId, key: Uint8Array): void {
    this.keys.delete(id);
    this.keys.set(id, key);
  }

  /** Drops the least recently used key that is neither pinned nor the one just filed. */
  private evictOne(keep: NodeId): void {
    for (const old of this.keys.keys()) {
      if (old === keep || this.pinned.has(old)) continue;
      this.keys.delete(old);
      this.vouchedIds.delete(old);
      this.evicted += 1;
      return;
    }
  }
}

/**
/** What a group of versions under one batch root came to. */
type GroupVerdict =
  | { readonly ok: true; readonly sig: Uint8Array; readonly cached: boolean }
  | { readonly ok: false; readonly reason: RejectReason };

/**
 * Checks batches of incoming versions and counts each refusal by reason. Versions under a batch
 * signature are checked a group at a time: the versions of one batch in one frame are hashed up
 * to their root with the frame's multiproof, and the root's signature is checked once with
 * Ed25519 (none when the root is remembered, VerifiedRoots); each accepted version then gets its
 * own path (a LeafProof), so it can be stored and forwarded alone. Versions stored before batch
 * signing carry their own signature and are checked one by one (remembered ones cost a lookup,
 * VerifiedVersions). Checks that must wait run concurrently. The caller applies `accepted` and
 * penalises the sending link for `rejected`.
 */
export class VersionVerifier {
  readonly rejectedByReason: Record<RejectReason, number> = Object.fromEntries(
    REJECT_REASONS.map((r) => [r, 0]),
  ) as Record<RejectReason, number>;
  /** Ed25519 verifications done. */
  checked = 0;
  /** Versions accepted without an Ed25519 check of their own: their root (or signature) was remembered. */
  cacheHits = 0;

  constructor(
    private readonly self: NodeId,
    private readonly crypto: SignatureVerifier,
    private readonly keys: KeyRing,
    private readonly cache = new VerifiedVersions(),
    private readonly roots = new VerifiedRoots(),
  ) {}

  /** `from` is the node the batch came from over its link (proven at the handshake), if known. */
  verifyBatch(versions: readonly Version[], from?: NodeId): Promise<VerifyOutcome> {
    return new Promise((resolve, reject) => this.verify(versions, from, resolve, reject));
  }

  /**
   * verifyBatch for the ingest path: `done` is called at once when every answer is at hand (cache
   * hits, shape errors, a synchronous SignatureVerifier), else once the Ed25519 checks, made
   * concurrently, are all in. A version accepted under a frame's multiproof has its proof replaced,
   * on the object itself, by its own LeafProof (the decoder's fresh object, which nothing else holds).
   */
  verify(
    versions: readonly Version[],
    from: NodeId | undefined,
    done: (outcome: VerifyOutcome) => void,
    failed: (error: unknown) => void = () => undefined,
  ): void {
    const verdicts: Verdict[] = new Array<Verdict>(versions.length);
    // What stands for each version's content in the cache (VerifiedVersions): its content digest,
    // the same whatever form signed it (leaf-form.ts versionContentDigest); computed once, and for
    // a version under a batch of binary leaves it is the leaf hash itself.
    const digests: (Uint8Array | undefined)[] = [];
    // The root each version under a batch was proven to (what the cache keeps as its signature).
    const roots: (Uint8Array | undefined)[] = [];
    const slow: Promise<void>[] = [];
    // Versions under a batch: a frame's group is checked whole, a version with its own path alone.
    const groups = new Map<ProofGroup | Version, number[]>();
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i]!;
      const p = v.proof;
      if (p !== undefined) {
        const g = p.kind === 'frame' ? p.group : v;
        const list = groups.get(g);
        if (list === undefined) groups.set(g, [i]);
        else list.push(i);
        continue;
      }
      verdicts[i] = this.quick(v, (digest) => (digests[i] = digest));
      if (verdicts[i] === 'unknown' || verdicts[i] === 'conflict') {
        const recalled = verdicts[i] as 'unknown' | 'conflict';
        const verdict = this.check(v, recalled, from);
        if (verdict instanceof Promise) slow.push(verdict.then((x) => void (verdicts[i] = x)));
        else verdicts[i] = verdict;
      }
    }
    for (const [g, at] of groups) {
      const settled = this.checkGroup(g, at, versions, from, verdicts, digests, roots);
      if (settled instanceof Promise) slow.push(settled);
    }
    if (slow.length === 0) return done(this.settle(versions, verdicts, digests, roots));
    Promise.all(slow).then(() => done(this.settle(versions, verdicts, digests, roots)), failed);
  }

  private settle(
    versions: readonly Version[],
    verdicts: readonly Verdict[],
    digests: readonly (Uint8Array | undefined)[],
    roots: readonly (Uint8Array | undefined)[],
  ): VerifyOutcome {
    const accepted: Version[] = [];
    const rejected: Rejection[] = [];
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i]!;
      const verdict = verdicts[i]!;
      let reason: RejectReason | undefined;
      if (verdict === 'ok' || verdict === 'proven') {
        // A conflict with a version verified earlier in this batch or since the check started:
        // one author, one (entity, kind, clock), two contents, in whichever forms they were signed.
        const sig = verdict === 'ok' ? v.sig! : roots[i]!;
        if (this.cache.admit(v, sig, digests[i]!) === 'conflict') reason = 'equivocation';
      } else if (verdict !== 'cached') {
        reason = verdict as RejectReason;
      }
      if (reason === undefined) {
        accepted.push(v);
      } else {
        rejected.push({ version: v, reason });
        this.rejectedByReason[reason]++;
      }
    }
    return { accepted, rejected };
  }

  /**
   * One batch's versions: `g` is a frame's group (checked with all its members, even those not
   * passed here) or a lone version with its own path. Sets the verdicts of the versions at `at`.
   */
  private checkGroup(
    g: ProofGroup | Version,
    at: readonly number[],
    versions: readonly Version[],
    from: NodeId | undefined,
    verdicts: Verdict[],
    digests: (Uint8Array | undefined)[],
    roots: (Uint8Array | undefined)[],
  ): Maybe<void> {
    const refuse = (reason: RejectReason): void => {
      for (const i of at) verdicts[i] = reason;
    };
    const lone = 'entity' in g;
    const members: readonly Version[] = lone ? [g] : g.members;
    const first = members[0];
    if (first?.proof === undefined) return refuse('bad-signature');
    const { sig, count, form } = first.proof;
    const author = first.ts.node;
    if (!(sig instanceof Uint8Array) || sig.length !== SIGNATURE_LENGTH) return refuse('malformed-signature');
    // An author with no key costs no hashing nor Ed25519 check: a peer could otherwise make up authors.
    const key = this.keys.keyOf(author);
    if (key === undefined) return refuse(author === this.self ? 'self-author' : 'unknown-author');
    let indices: readonly number[];
    let proof: readonly Uint8Array[];
    if (lone) {
      const p = first.proof as LeafProof;
      if (!isPathFor(count, p.index, p.path)) return refuse('bad-signature');
      indices = [p.index];
      proof = p.path;
    } else {
      if (members.length !== g.indices.length) return refuse('bad-signature');
      indices = g.indices;
      proof = g.proof;
    }
    const leaves: Uint8Array[] = [];
    for (const m of members) {
      const p = m.proof;
      if (m.ts.node !== author || p === undefined || p.count !== count || p.sig !== sig || p.form !== form)
        return refuse('bad-signature');
      leaves.push(versionLeafHash(m, form));
    }
    // A whole batch (every leaf, no proof hashes: the decoder made its indices 0..count-1) is
    // hashed level by level into arrays; a subset walks its multiproof, keeping what it learns.
    let root: Uint8Array | string;
    let node: (level: number, index: number) => Uint8Array | undefined;
    let levels: Uint8Array[][] | undefined;
    if (!lone && indices.length === count && proof.length === 0 && indices[count - 1] === count - 1) {
      levels = buildTree(leaves);
      root = levels[levels.length - 1]![0]!;
      node = (level, index) => levels![level]?.[index];
    } else {
      const nodes = new Map<number, Uint8Array>();
      root = rootFromProof(
        count,
        indices,
        leaves,
        proof,
        lone ? undefined : (level, index, hash) => nodes.set(positionKey(level, index), hash),
      );
      node = (level, index) => nodes.get(positionKey(level, index));
    }
    if (typeof root === 'string') return refuse('bad-signature');
    const proven = root;
    return after(this.checkRoot(author, form, count, proven, sig, key, from), (verdict) => {
      if (!verdict.ok) return refuse(verdict.reason);
      if (verdict.cached) this.cacheHits += at.length;
      // The versions passed are the group's members in order (a whole frame's batch), or some of them.
      let byVersion: Map<Version, number> | undefined;
      for (let j = 0; j < at.length; j++) {
        const i = at[j]!;
        const v = versions[i]!;
        let k: number | undefined = j;
        if (members[j] !== v) {
          byVersion ??= new Map(members.map((m, n) => [m, n]));
          k = byVersion.get(v);
        }
        // A copy of a frame's version, not the one decoded with it: not what the proof was walked with.
        if (k === undefined) {
          verdicts[i] = 'bad-signature';
          continue;
        }
        // Its own proof first: an equivocation is still merged (MeshSecurity), so stored and served.
        if (!lone || verdict.sig !== sig) {
          const index = indices[k]!;
          const path = lone
            ? (v.proof as LeafProof).path
            : levels !== undefined
              ? pathInTree(levels, index)
              : pathOf(count, index, node)!;
          const own: LeafProof = { kind: 'path', form, sig: verdict.sig, count, index, path };
          (v as { proof?: LeafProof }).proof = own;
        }
        // Checked for equivocation in settle, in input order, under the root as its signature. A
        // binary leaf is the content digest; a text leaf (batches signed before the binary form)
        // hashes another text, so its digest is computed here, for accepted versions only.
        digests[i] = form === LEAF_FORM_BINARY ? leaves[k] : versionContentDigest(v);
        roots[i] = proven;
        verdicts[i] = 'proven';
      }
    });
  }

  /** The root's signature: remembered (the signature that verified it), or checked once now. */
  private checkRoot(
    author: NodeId,
    form: LeafForm,
    count: number,
    root: Uint8Array,
    sig: Uint8Array,
    key: Uint8Array,
    from: NodeId | undefined,
  ): Maybe<GroupVerdict> {
    const known = this.roots.recall(author, form, count, root);
    if (known !== undefined) return { ok: true, sig: known, cached: true };
    const bytes = batchRootSigningBytes(author, count, root, form);
    this.checked++;
    return after(this.crypto.verify(key, bytes, sig), (ok): Maybe<GroupVerdict> => {
      if (ok) {
        this.roots.remember(author, form, count, root, sig);
        return { ok: true, sig, cached: false };
      }
      if (author === this.self) return { ok: false, reason: 'self-author' };
      const senderKey = from !== undefined && from !== author ? this.keys.keyOf(from) : undefined;
      if (senderKey === undefined) return { ok: false, reason: 'bad-signature' };
      this.checked++;
      return after(this.crypto.verify(senderKey, bytes, sig), (bySender): GroupVerdict => ({
        ok: false,
        reason: bySender ? 'forged-author' : 'bad-signature',
      }));
    });
  }

  /**
   * The signatures of versions loaded from storage (docs/security.md, "Stored proofs on load"),
   * checked as on ingest, before the node restores anything: one Ed25519 check per distinct batch
   * signature (author, leaf form, count, root, signature), however many of its versions are stored;
   * one per per-version signature (stored before batch signing). A batch stored whole is hashed as
   * one tree when each stored path is the tree's; otherwise (part of a batch, or a damaged leaf or
   * path, which makes the paths disagree) each version is hashed up its own stored path, so only
   * the versions whose root does not verify are found unsound. A version whose author has
   * no key on file is not judged (a key is only a cache; on ingest it would be `unknown-author`).
   * Nothing is counted in rejectedByReason (no link is at fault) and no proof is changed; roots
   * that verify are remembered, so the copies peers send again cost no further check.
   */
  async checkStored(versions: readonly Version[], signal?: AbortSignal): Promise<StoredProofCheck> {
    const problems: (StoredProofProblem | undefined)[] = new Array<StoredProofProblem | undefined>(versions.length);
    const tally = { unjudged: 0 };
    const checksBefore = this.checked;
    const checks: StoredSignature[] = [];
    // The versions under each batch signature, with their leaves (hashed once).
    const batches = new Map<string, StoredBatch>();
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i]!;
      const p = v.proof;
      // No signature at all (a segment's signature column lost): every peer would refuse it as
      // `unsigned` and charge our link, so it is unsound here too, whoever its author.
      if (p === undefined && v.sig === undefined) {
        problems[i] = 'unsigned';
        continue;
      }
      const author = v.ts.node;
      if (p === undefined) {
        const sig = v.sig;
        if (!(sig instanceof Uint8Array) || sig.length !== SIGNATURE_LENGTH) problems[i] = 'malformed-signature';
        else {
          const key = this.keys.keyOf(author);
          if (key === undefined) tally.unjudged++;
          else checks.push({ at: [i], run: () => this.crypto.verify(key, versionSigningBytes(v), sig) });
        }
        continue;
      }
      const { sig, form, count, index } = p;
      if (p.kind !== 'path' || !(sig instanceof Uint8Array) || sig.length !== SIGNATURE_LENGTH) {
        problems[i] = 'malformed-signature';
        continue;
      }
      if (
        !isLeafForm(form) ||
        !isValidCount(count) ||
        !Number.isInteger(index) ||
        index < 0 ||
        index >= count ||
        !isPathFor(count, index, p.path)
      ) {
        problems[i] = 'bad-signature';
        continue;
      }
      const id = `${author}\u0000${form}\u0000${count}\u0000${bytesKey(sig)}`;
      let batch = batches.get(id);
      if (batch === undefined) {
        const key = this.keys.keyOf(author);
        batch = { author, form, count, sig, key, at: [], leaves: [], paths: [], indices: [] };
        batches.set(id, batch);
      }
      if (batch.key === undefined) {
        tally.unjudged++;
        continue;
      }
      batch.at.push(i);
      batch.leaves.push(versionLeafHash(v, form));
      batch.paths.push(p.path);
      batch.indices.push(index);
    }
    // A batch stored whole, every stored path its path in the tree of the stored leaves, is one
    // tree (each version's own walk would reach that very root); any other, version by version.
    for (const b of batches.values()) {
      if (b.at.length === 0) continue;
      const root = wholeTreeRoot(b);
      if (root === undefined) this.rootChecks(b, problems, checks);
      else this.rootCheck(b, root, b.at, checks);
    }
    await this.runStoredChecks(checks, problems, tally, signal);
    return { problems, unjudged: tally.unjudged, checks: this.checked - checksBefore };
  }

  /** Each of the batch's versions hashed up its own stored path; one check per distinct root. */
  private rootChecks(b: StoredBatch, problems: (StoredProofProblem | undefined)[], checks: StoredSignature[]): void {
    const byRoot = new Map<string, { readonly root: Uint8Array; readonly at: number[] }>();
    for (let k = 0; k < b.at.length; k++) {
      const root = rootFromProof(b.count, [b.indices[k]!], [b.leaves[k]!], b.paths[k]!);
      if (typeof root === 'string') {
        problems[b.at[k]!] = 'bad-signature';
        continue;
      }
      const id = bytesKey(root);
      const same = byRoot.get(id);
      if (same === undefined) byRoot.set(id, { root, at: [b.at[k]!] });
      else same.at.push(b.at[k]!);
    }
    for (const { root, at } of byRoot.values()) this.rootCheck(b, root, at, checks);
  }

  /** One root of a stored batch: remembered with this signature (no check), or checked once. */
  private rootCheck(b: StoredBatch, root: Uint8Array, at: number[], checks: StoredSignature[]): void {
    const { author, form, count, sig, key } = b;
    const recalled = this.roots.recall(author, form, count, root);
    if (recalled !== undefined && sameBytes(recalled, sig)) return;
    checks.push({
      at,
      run: () => this.crypto.verify(key!, batchRootSigningBytes(author, count, root, form), sig),
      remember: () => this.roots.remember(author, form, count, root, sig),
    });
  }

  /** Runs stored-signature checks, STORED_CHECKS_IN_FLIGHT at a time, until `signal` is aborted. */
  private async runStoredChecks(
    checks: readonly StoredSignature[],
    problems: (StoredProofProblem | undefined)[],
    tally: { unjudged: number },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (let from = 0; from < checks.length; from += STORED_CHECKS_IN_FLIGHT) {
      // The node closed: no more checks (the caller drops the answer).
      signal?.throwIfAborted();
      await Promise.all(
        checks.slice(from, from + STORED_CHECKS_IN_FLIGHT).map(async (c) => {
          this.checked++;
          let ok: boolean;
          try {
            ok = await c.run();
          } catch {
            // The verifier failed, not the signature: keep what it stands for (checked again on the next open).
            tally.unjudged += c.at.length;
            return;
          }
          if (ok) c.remember?.();
          else for (const i of c.at) problems[i] = 'bad-signature';
        }),
      );
    }
  }

  /** `digested` receives the content digest once computed (the cache uses it again in settle). */
  private quick(v: Version, digested: (digest: Uint8Array) => void): Verdict {
    if (v.sig === undefined) return 'unsigned';
    if (!(v.sig instanceof Uint8Array) || v.sig.length !== 64) return 'malformed-signature';
    const digest = versionContentDigest(v);
    digested(digest);
    const recalled = this.cache.recall(v, v.sig, digest);
    if (recalled === 'verified') {
      this.cacheHits++;
      return 'cached';
    }
    return recalled;
  }

  /** A version with a signature of its own (stored before batch signing), over its signing text. */
  private check(v: Version, recalled: 'unknown' | 'conflict', from: NodeId | undefined): Maybe<'ok' | RejectReason> {
    const sig = v.sig!;
    const author = v.ts.node;
    const key = this.keys.keyOf(author);
    // An author with no key costs no Ed25519 check at all: a peer could otherwise make up authors
    // and have us verify each version under its own key, to find a forgery nothing would apply anyway.
    if (key === undefined) return author === this.self ? 'self-author' : 'unknown-author';
    const bytes = versionSigningBytes(v);
    this.checked++;
    return after(this.crypto.verify(key, bytes, sig), (ok): Maybe<'ok' | RejectReason> => {
      if (ok) return recalled === 'conflict' ? 'equivocation' : 'ok';
      if (author === this.self) return 'self-author';
      const senderKey = from !== undefined && from !== author ? this.keys.keyOf(from) : undefined;
      if (senderKey === undefined) return 'bad-signature';
      this.checked++;
      return after(this.crypto.verify(senderKey, bytes, sig), (bySender) =>
        bySender ? 'forged-author' : 'bad-signature',
      );
    });
  }
}

/** The stored versions under one batch signature (VersionVerifier.checkStored), in load order. */
interface StoredBatch {
  readonly author: NodeId;
  readonly form: LeafForm;
  readonly count: number;
  readonly sig: Uint8Array;
  /** The author's key; none: not judged. */
  readonly key: Uint8Array | undefined;
  /** Each version's place in checkStored's input, its leaf, its stored path and leaf index. */
  readonly at: number[];
  readonly leaves: Uint8Array[];
  readonly paths: MerklePath[];
  readonly indices: number[];
}

/** One Ed25519 check of checkStored, the versions it stands for, and what to do on each answer. */
interface StoredSignature {
  readonly at: number[];
  readonly run: () => Maybe<boolean>;
  readonly remember?: () => void;
}

/** Bytes as a string key, one char per byte (a map key; cheaper than hex). */
function bytesKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/**
 * The root of a batch stored whole (each leaf index once) whose every stored path is its path in
 * the tree of the stored leaves: one tree hashed for the batch instead of a walk per version.
 * Undefined when the batch is not whole or a path differs (then each version walks its own).
 */
function wholeTreeRoot(b: StoredBatch): Uint8Array | undefined {
  if (b.at.length !== b.count) return undefined;
  const leaves = new Array<Uint8Array | undefined>(b.count);
  for (let k = 0; k < b.count; k++) {
    const index = b.indices[k]!;
    if (leaves[index] !== undefined) return undefined;
    leaves[index] = b.leaves[k]!;
  }
  const levels = buildTree(leaves as Uint8Array[]);
  const top = levels.length - 1;
  for (let k = 0; k < b.count; k++) {
    const path = b.paths[k]!;
    let at = 0;
    for (let level = 0, i = b.indices[k]!; level < top; level++, i >>= 1) {
      const sibling = levels[level]![i ^ 1];
      if (sibling === undefined) continue;
      const h = path[at++];
      if (h === undefined || !sameBytes(h, sibling)) return undefined;
    }
  }
  return levels[top]![0]!;
}
