import type { NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import {
  frameBatch,
  frameBatchSaves,
  PLACEHOLDER_SIGNATURE,
  versionKey,
  type FrameBatch,
} from '../../core/signing/frame-batch';
import { LEAF_FORM_BINARY, versionLeafHash } from '../../core/signing/leaf-form';
import { signedHere } from '../security/sign-writes';

/**
 * Most frame batches a node signs per second, over all its links (one Ed25519 signature each; a
 * thin link sends a few frames a second). Past it, frames go with the proofs their versions were
 * stored with: larger, never unsigned.
 */
export const MAX_FRAME_SIGNATURES_PER_SECOND = 20;
/**
 * Most versions a node puts under frame batches per second, over all its links: each new leaf is
 * hashed (~30 µs on a slow machine, what a receiver pays anyway to verify it) and walked up its
 * stored path (signedHere), so a wide budgeted link does not spend a core on them. A thin link of
 * 8,000 B/s sends ~600 a second.
 */
export const MAX_FRAME_LEAVES_PER_SECOND = 4000;

/**
 * How long a link counts as one of those sharing the signature and leaf budgets after it last asked
 * for a frame batch: each such link may spend 1/n of each per second (docs/security.md, "Frame
 * batches"), so n wide links cannot spend what a thin one needs.
 */
export const FRAME_SHARE_WINDOW_MS = 2_000;

/** A value now or later: WebCrypto signs asynchronously, Node's synchronous signer at once. */
export type MaybeAsync<T> = T | Promise<T>;

/** Signs the root of a frame batch of this node's own versions (MeshSecurity.signOwnBatch). */
export type SignOwnBatch = (batch: FrameBatch) => MaybeAsync<Uint8Array>;

/** A live run of versions as it will be framed: as stored, or its own versions under a frame batch. */
/**
 * Why a run goes with its stored proofs: no signer, or nothing of ours to batch that would save
 * bytes (`no-saving`: the steady state of such a link), or an exception to the link's usual
 * framing (`pipeline` full, a `borrowing` run that never waits, signature or leaf `tokens` spent,
 * or the link's `share` of them).
 */
export type StoredWhy = 'no-signer' | 'no-saving' | 'pipeline' | 'borrowing' | 'tokens' | 'share';
export type FramePlan =
  { readonly kind: 'stored'; readonly sized: readonly Version[]; readonly why: StoredWhy } | BatchPlan;

/** Whether a stored run is framed as the link's runs usually are (what its packing estimate may learn). */
export const usualFraming = (plan: FramePlan): boolean =>
  plan.kind === 'batch' || plan.why === 'no-signer' || plan.why === 'no-saving';

export interface BatchPlan {
  readonly kind: 'batch';
  /** What to encode now to size the frame: the own versions under a placeholder signature, the others as stored. */
  readonly sized: readonly Version[];
  /** The frame batch over the own versions. */
  readonly batch: FrameBatch;
  /** The versions that keep the proofs they were stored with (other authors', and ours not signed here). */
  readonly others: readonly Version[];
}

/** One link's view of the node's FrameSigner: its runs are planned and signed against its own share. */
export interface LinkFrameSigner {
  plan(run: readonly Version[]): FramePlan;
  sign(plan: BatchPlan, stored: readonly Version[]): MaybeAsync<readonly Version[]>;
}

/** A link's share of the budgets: tokens may go below zero by the one frame that took them (a debt). */
interface Share {
  tokens: number;
  leaves: number;
  at: number;
  /** When the link last asked for a frame batch (it shares the budgets for FRAME_SHARE_WINDOW_MS). */
  asked: number;
  /** Its share's bursts now (1/n of the node's). */
  capTokens: number;
  capLeaves: number;
}

/**
 * Which live frames of a budgeted link go under a frame batch (docs/budgeter.md, "Frame batches";
 * docs/security.md, "Frame batches"): a run of live versions whose own versions would otherwise
 * stand under several signatures, or need multiproof hashes, is signed afresh as one batch of
 * this node's own versions. Only versions this process signed itself qualify (signedHere: the
 * leaf proven to a root our GroupSigner signed), so the key signs no content it had not signed
 * already; versions of other authors go with the proofs they were stored with, since only their
 * author can sign them. Signatures and the versions they cover are bounded per node
 * (MAX_FRAME_SIGNATURES_PER_SECOND, MAX_FRAME_LEAVES_PER_SECOND, token buckets on the injected
 * clock); past them a frame goes as stored. Each link that asked within FRAME_SHARE_WINDOW_MS has
 * its own share of both, 1/n of each rate for n such links (`forLink`): a link over its share goes
 * as stored (`share`) while the others keep theirs, so many wide links spending the node's budget
 * cannot push a thin link back onto its stored proofs.
 */
export class FrameSigner {
  /** Frame batches signed, the versions they covered, runs sent as stored for want of a token, failed signatures. */
  signed = 0;
  versions = 0;
  skipped = 0;
  failed = 0;
  /** Own versions left as stored because this process did not sign them (signedHere). */
  notOurs = 0;
  private tokens: number;
  private leafTokens: number;
  private at: number;
  /** Leaf hashes of the versions recently framed: a version sent on several links is hashed once. */
  private readonly leaves = new WeakMap<Version, Uint8Array>();
  private readonly leafOf = (v: Version): Uint8Array => {
    let leaf = this.leaves.get(v);
    if (leaf === undefined) {
      leaf = versionLeafHash(v, LEAF_FORM_BINARY).slice();
      this.leaves.set(v, leaf);
    }
    return leaf;
  };
  /** Versions found signed here (or not): checked once per version object. */
  private readonly ours = new WeakMap<Version, boolean>();

  constructor(
    readonly author: NodeId,
    private readonly signOwn: SignOwnBatch,
    private readonly now: () => number,
    private readonly log: (message: string, detail?: unknown) => void = () => undefined,
    readonly maxPerSecond = MAX_FRAME_SIGNATURES_PER_SECOND,
    readonly maxLeavesPerSecond = MAX_FRAME_LEAVES_PER_SECOND,
  ) {
    this.tokens = maxPerSecond;
    this.leafTokens = maxLeavesPerSecond;
    this.at = now();
  }

  /** Runs sent as stored because their link had spent its share while the node had tokens left. */
  overShare = 0;
  private readonly shares = new Map<string, Share>();

  /** The signer as one link uses it: its runs are charged to its share (`link`: the peer's id). */
  forLink(link: string): LinkFrameSigner {
    return { plan: (run) => this.plan(run, link), sign: (plan, stored) => this.sign(plan, stored, link) };
  }

  /** How a run of live versions is framed (no signature yet, no token taken); `link`: whose share. */
  plan(run: readonly Version[], link = ''): FramePlan {
    const own: Version[] = [];
    const others: Version[] = [];
    const keys = new Set<string>();
    for (const v of run) {
      if (v.ts.node !== this.author || v.proof?.kind !== 'path') {
        others.push(v);
        continue;
      }
      // A repeat is written once on the wire; it is one leaf.
      const key = versionKey(v);
      if (keys.has(key)) continue;
      keys.add(key);
      own.push(v);
    }
    if (!frameBatchSaves(own)) return { kind: 'stored', sized: run, why: 'no-saving' };
    const why = this.available(own.length, link);
    if (why !== undefined) return { kind: 'stored', sized: run, why };
    const mine: Version[] = [];
    for (const v of own) {
      if (this.isOurs(v)) mine.push(v);
      else others.push(v);
    }
    if (mine.length < own.length) this.notOurs += own.length - mine.length;
    if (!frameBatchSaves(mine)) return { kind: 'stored', sized: run, why: 'no-saving' };
    const batch = frameBatch(this.author, mine, this.leafOf);
    return { kind: 'batch', sized: [...batch.signed(PLACEHOLDER_SIGNATURE), ...others], batch, others };
  }

  /**
   * The run's versions to encode once the batch is signed (a token taken). If signing fails the
   * run goes as stored (`stored`, logged), so a version is never held back for it.
   */
  sign(plan: BatchPlan, stored: readonly Version[], link = ''): MaybeAsync<readonly Version[]> {
    this.refill();
    this.tokens -= 1;
    this.leafTokens -= plan.batch.versions.length;
    const share = this.shareOf(link);
    share.tokens -= 1;
    share.leaves -= plan.batch.versions.length;
    const done = (sig: Uint8Array): readonly Version[] => {
      this.signed += 1;
      this.versions += plan.batch.versions.length;
      return [...plan.batch.signed(sig), ...plan.others];
    };
    const fallback = (error: unknown): readonly Version[] => {
      this.failed += 1;
      this.log('signing a frame batch failed: the frame goes with its stored proofs', error);
      return stored;
    };
    let sig: MaybeAsync<Uint8Array>;
    try {
      sig = this.signOwn(plan.batch);
    } catch (error) {
      return fallback(error);
    }
    return sig instanceof Promise ? sig.then(done, fallback) : done(sig);
  }

  private isOurs(v: Version): boolean {
    let ok = this.ours.get(v);
    if (ok === undefined) {
      ok = signedHere(v, this.author, this.leafOf(v));
      this.ours.set(v, ok);
    }
    return ok;
  }

  /** Why a frame batch of `leaves` versions may not be signed now for `link` (undefined: it may); counts a run that may not. */
  private available(leaves: number, link: string): StoredWhy | undefined {
    this.refill();
    const share = this.shareOf(link);
    share.asked = this.now();
    let why: StoredWhy | undefined;
    if (!(this.tokens >= 1 && this.leafTokens >= leaves)) why = 'tokens';
    else if (!(share.tokens >= Math.min(1, share.capTokens) && share.leaves >= Math.min(leaves, share.capLeaves)))
      why = 'share';
    if (why !== undefined) this.skipped += 1;
    if (why === 'share') this.overShare += 1;
    return why;
  }

  /**
   * `link`'s share, refilled at 1/n of each rate (n: links that asked within FRAME_SHARE_WINDOW_MS,
   * this one counted), up to 1/n of each burst. A frame needs a whole token of its share (or the whole
   * share when it is below one) and its leaves (or the whole share's).
   */
  private shareOf(link: string): Share {
    const now = this.now();
    let n = 1;
    for (const [id, s] of this.shares) {
      if (id === link) continue;
      if (now - s.asked > FRAME_SHARE_WINDOW_MS) this.shares.delete(id);
      else n += 1;
    }
    const cap = { tokens: this.maxPerSecond / n, leaves: this.maxLeavesPerSecond / n };
    let share = this.shares.get(link);
    if (share === undefined) {
      share = {
        tokens: cap.tokens,
        leaves: cap.leaves,
        at: now,
        asked: now,
        capTokens: cap.tokens,
        capLeaves: cap.leaves,
      };
      this.shares.set(link, share);
      return share;
    }
    const elapsed = now - share.at;
    share.at = Math.min(share.at, now);
    if (elapsed > 0) {
      share.at = now;
      share.tokens += (elapsed * cap.tokens) / 1000;
      share.leaves += (elapsed * cap.leaves) / 1000;
    }
    share.capTokens = cap.tokens;
    share.capLeaves = cap.leaves;
    share.tokens = Math.min(cap.tokens, share.tokens);
    share.leaves = Math.min(cap.leaves, share.leaves);
    return share;
  }

  /** Refills at maxPerSecond up to maxPerSecond; a clock that steps back refills nothing. */
  private refill(): void {
    const now = this.now();
    const elapsed = now - this.at;
    if (elapsed <= 0) {
      // Backwards: no refill, and the bucket counts on from the new time (capped, so no burst).
      this.at = Math.min(this.at, now);
      return;
    }
    this.at = now;
    this.tokens = Math.min(this.maxPerSecond, this.tokens + (elapsed * this.maxPerSecond) / 1000);
    this.leafTokens = Math.min(this.maxLeavesPerSecond, this.leafTokens + (elapsed * this.maxLeavesPerSecond) / 1000);
  }
}
