import type { NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import { VerifiedVersions } from '../../core/signing/verified-versions';
import { batchSigningBytes, versionSigningBytes } from '../../core/signing/version-signing';
import type { SignatureVerifier } from '../../ports/signature-verifier';
import type { Signer } from '../../ports/signer';

/**
 * Signed versions (docs/security.md, "Signed versions"): every version carries its author's
 * Ed25519 signature over versionSigningBytes (core/signing/version-signing.ts); a receiver checks
 * it before the version reaches the merge, whoever relayed it, live or through anti-entropy.
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

/** A version's state during verifyBatch: settled ('ok', 'cached', a reason) or still to check. */
type Verdict = 'ok' | 'cached' | 'unknown' | 'conflict' | RejectReason;

export interface Rejection {
  readonly version: Version;
  readonly reason: RejectReason;
}

export interface VerifyOutcome {
  /** In input order. */
  readonly accepted: Version[];
  readonly rejected: Rejection[];
}

/** Signs one version with the node's key. */
export async function signVersion(signer: Signer, v: Version): Promise<Version> {
  const { sig: _old, ...unsigned } = v;
  return { ...unsigned, sig: await signer.sign(versionSigningBytes(unsigned)) };
}

/** One signature over a batch of the signer's own versions (batchSigningBytes). */
export async function signBatch(signer: Signer, author: NodeId, versions: readonly Version[]): Promise<Uint8Array> {
  return await signer.sign(batchSigningBytes(author, versions));
}

/** A value now or later: the SignatureVerifier may answer at once (see the port). */
export type Maybe<T> = T | Promise<T>;

function after<T, U>(x: Maybe<T>, f: (t: T) => Maybe<U>): Maybe<U> {
  return x instanceof Promise ? x.then(f) : f(x);
}

/** Most keys a node files (a roster is far smaller); past it the least recently used unpinned key goes. */
export const MAX_KNOWN_KEYS = 4096;
/** Most vouched keys sent in one periodic resend (the handshake sends them all, once per link). */
export const MAX_KEYS_PER_RESEND = 256;

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

  /** The keys we pass on (for a new link, or the `limit` most recently used for a resend). */
  vouched(limit = Number.POSITIVE_INFINITY): Uint8Array[] {
    const out: Uint8Array[] = [];
    const ids = [...this.keys.keys()];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      if (this.vouchedIds.has(ids[i]!)) out.push(this.keys.get(ids[i]!)!);
    }
    return out;
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
      return;
    }
  }
}

/**
 * Checks batches of incoming versions: remembered ones cost a lookup (VerifiedVersions), the rest
 * are verified concurrently (the worker does not wait on one signature at a time), and each
 * refusal is counted by reason. The caller applies `accepted` and penalises the sending link for
 * `rejected`.
 */
export class VersionVerifier {
  readonly rejectedByReason: Record<RejectReason, number> = Object.fromEntries(
    REJECT_REASONS.map((r) => [r, 0]),
  ) as Record<RejectReason, number>;
  /** Ed25519 verifications done. */
  checked = 0;
  /** Versions accepted from the cache without a verification. */
  cacheHits = 0;

  constructor(
    private readonly self: NodeId,
    private readonly crypto: SignatureVerifier,
    private readonly keys: KeyRing,
    private readonly cache = new VerifiedVersions(),
  ) {}

  /** `from` is the node the batch came from over its link (proven at the handshake), if known. */
  verifyBatch(versions: readonly Version[], from?: NodeId): Promise<VerifyOutcome> {
    return new Promise((resolve, reject) => this.verify(versions, from, resolve, reject));
  }

  /**
   * verifyBatch for the ingest path: `done` is called at once when every answer is at hand (cache
   * hits, shape errors, a synchronous SignatureVerifier), else once the Ed25519 checks, made
   * concurrently, are all in.
   */
  verify(
    versions: readonly Version[],
    from: NodeId | undefined,
    done: (outcome: VerifyOutcome) => void,
    failed: (error: unknown) => void = () => undefined,
  ): void {
    // Cache hits and shape errors are settled at once; only the rest wait on Ed25519, together.
    const verdicts: Verdict[] = versions.map((v) => this.quick(v));
    // The signing bytes of each version checked here, encoded once and kept for the cache.
    const signed: (Uint8Array | undefined)[] = [];
    const slow: Promise<void>[] = [];
    for (let i = 0; i < versions.length; i++) {
      if (verdicts[i] === 'unknown' || verdicts[i] === 'conflict') {
        const recalled = verdicts[i] as 'unknown' | 'conflict';
        const verdict = this.check(versions[i]!, recalled, from, (bytes) => (signed[i] = bytes));
        if (verdict instanceof Promise) slow.push(verdict.then((x) => void (verdicts[i] = x)));
        else verdicts[i] = verdict;
      }
    }
    if (slow.length === 0) return done(this.settle(versions, verdicts, signed));
    Promise.all(slow).then(() => done(this.settle(versions, verdicts, signed)), failed);
  }

  private settle(
    versions: readonly Version[],
    verdicts: readonly Verdict[],
    signed: readonly (Uint8Array | undefined)[],
  ): VerifyOutcome {
    const accepted: Version[] = [];
    const rejected: Rejection[] = [];
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i]!;
      const verdict = verdicts[i]!;
      let reason: RejectReason | undefined;
      if (verdict === 'ok') {
        // A conflict with a version verified earlier in this batch or since the check started.
        const bytes = signed[i];
        if (this.cache.recall(v, v.sig, bytes) === 'conflict') reason = 'equivocation';
        else this.cache.remember(v, v.sig, bytes);
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
   * A batch of one author's versions under one signature: one Ed25519 check for the lot (none when
   * every version is remembered). It is accepted or refused whole; a version of it that conflicts
   * with a remembered one under its key is refused as an equivocation.
   */
  async verifyAuthorBatch(
    author: NodeId,
    versions: readonly Version[],
    sig: Uint8Array,
    from?: NodeId,
  ): Promise<VerifyOutcome> {
    const refuse = (reason: RejectReason): VerifyOutcome => {
      this.rejectedByReason[reason] += versions.length;
      return { accepted: [], rejected: versions.map((version) => ({ version, reason })) };
    };
    if (!(sig instanceof Uint8Array) || sig.length !== 64) return refuse('malformed-signature');
    if (versions.some((v) => v.ts.node !== author)) return refuse('bad-signature');
    if (versions.every((v) => this.cache.recall(v, sig) === 'verified')) {
      this.cacheHits += versions.length;
      return { accepted: [...versions], rejected: [] };
    }
    const key = this.keys.keyOf(author);
    if (key === undefined) return refuse(author === this.self ? 'self-author' : 'unknown-author');
    const bytes = batchSigningBytes(author, versions);
    this.checked++;
    if (!(await this.crypto.verify(key, bytes, sig))) {
      if (author === this.self) return refuse('self-author');
      const senderKey = from !== undefined && from !== author ? this.keys.keyOf(from) : undefined;
      if (senderKey !== undefined) {
        this.checked++;
        if (await this.crypto.verify(senderKey, bytes, sig)) return refuse('forged-author');
      }
      return refuse('bad-signature');
    }
    const accepted: Version[] = [];
    const rejected: Rejection[] = [];
    for (const v of versions) {
      if (this.cache.recall(v, sig) === 'conflict') {
        rejected.push({ version: v, reason: 'equivocation' });
        this.rejectedByReason.equivocation++;
      } else {
        this.cache.remember(v, sig);
        accepted.push(v);
      }
    }
    return { accepted, rejected };
  }

  private quick(v: Version): Verdict {
    if (v.sig === undefined) return 'unsigned';
    if (!(v.sig instanceof Uint8Array) || v.sig.length !== 64) return 'malformed-signature';
    const recalled = this.cache.recall(v);
    if (recalled === 'verified') {
      this.cacheHits++;
      return 'cached';
    }
    return recalled;
  }

  /** `encoded` receives the signing bytes when they are computed, so the cache need not encode them again. */
  private check(
    v: Version,
    recalled: 'unknown' | 'conflict',
    from: NodeId | undefined,
    encoded: (bytes: Uint8Array) => void,
  ): Maybe<'ok' | RejectReason> {
    const sig = v.sig!;
    const author = v.ts.node;
    const key = this.keys.keyOf(author);
    // An author with no key costs no Ed25519 check at all: a peer could otherwise make up authors
    // and have us verify each version under its own key, to find a forgery nothing would apply anyway.
    if (key === undefined) return author === this.self ? 'self-author' : 'unknown-author';
    const bytes = versionSigningBytes(v);
    encoded(bytes);
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
