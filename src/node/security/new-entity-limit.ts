import { isCappedKind, MAX_UNKNOWN_KINDS_PER_AUTHOR, MAX_UNKNOWN_KINDS_PER_ENTITY } from '../../core/entity/kind-cap';
import type { ComponentKind, EntityId, NodeId } from '../../core/ids';
import { compareTs } from '../../core/clock/timestamp';
import type { Version } from '../../core/merge/version';

/**
 * New registers one author may make this node hold (docs/security.md, "New registers per
 * author"): a token bucket per author, one token per register (entity, kind) the node does not
 * hold yet. A register is what costs memory: an entity is its registers, and a component added
 * to an entity already held (another author's track) is as new as a new entity.
 *
 * Sized from what a register costs (REGISTER_HEAP_BYTES): the burst is what one author can make a
 * tablet hold at once, ~41 MB; the rate a busy sensor's turnover of new tracks (twenty new tracks
 * a second of five components), ~15 MB a minute beyond the burst. A larger first sync (a
 * simulator's 10k tracks of four or five components, ~45k registers) takes the burst at once and
 * the rest as the bucket refills (about five minutes), fetched again by anti-entropy after the
 * hold-back. At 20 a second (tried) that rest took half an hour.
 */
export const NEW_REGISTER_BURST = 16_384;
export const NEW_REGISTERS_PER_SECOND = 100;
/**
 * Heap (with the ArrayBuffers' backing stores) one held register of a small remote component costs
 * a node, measured with bench/register-heap.ts (2026-12-04, 20,000 registers in batches of 2,000):
 * ~4.0 KB in the unit harness, of which ~1.5 KB is the memory storage's copy that IndexedDB keeps on
 * disk in the browser; the rest is the verified version with its own Merkle path, the store's
 * entity (~0.6 KB: two one-entry Maps, the knowledge) and the sync index (~0.46 KB: a 16-byte id in
 * its own ArrayBuffer, its hex key). Only for logs and docs: the limit counts registers.
 */
export const REGISTER_HEAP_BYTES = 2_500;
/**
 * New registers the node takes from remote authors at once, over all of them (docs/security.md,
 * "New registers per author"): ~330 MB at REGISTER_HEAP_BYTES. Each author may take its fair share
 * of it (NODE_REGISTER_BUDGET / sharers) before its bucket applies, so an honest member's first sync
 * of a large picture (20k tracks of five components: 100k registers) comes in one sync, while what
 * one author can make us hold stays bounded: its share, then its bucket.
 */
export const NODE_REGISTER_BUDGET = 131_072;
/**
 * The fewest authors the budget is shared among: one author takes at most a quarter of it (~82 MB),
 * whatever order authors arrive in. In an open lattice (where anyone is an author) it is shared among
 * the authors met, in a closed one among the roster's other members (MeshSecurity.sharers), never
 * fewer than this.
 */
export const OPEN_LATTICE_SHARERS = 4;
/** Authors whose buckets are kept (least recently used go first; as many as the key ring holds keys). */
export const MAX_AUTHOR_BUCKETS = 4_096;
/**
 * Authors whose buckets were forgotten while not full, each remembered by one number: when its
 * bucket would be full again. It comes back with what it would have had, neither a fresh burst
 * (forgetting must not refill) nor nothing (an honest author pushed out by a flood of others keeps
 * what it had). An author forgotten with a full bucket needs no entry. Past that many, entries
 * already full again are dropped, then the oldest: such an author comes back as new as a fresh key,
 * which gets a full burst anyway (docs/security.md, "New registers per author").
 */
export const MAX_FORGOTTEN_AUTHORS = 16_384;

/**
 * The longest a version refused for its author's bucket is set aside (docs/security.md, "The
 * hold-back"): as long as a session's default hold-back (unappliedRetryMs), so the schedule below
 * never sets one aside longer than before it, however many genuine refusals of its author wait
 * ahead (a forged flood over the precheck pushes nothing out: it schedules on a scratch copy).
 */
export const MAX_REGISTER_RETRY_MS = 300_000;

/** The bucket's shape (tests and a node's options may tighten it). */
export interface RegisterLimits {
  readonly burst: number;
  readonly ratePerSecond: number;
  readonly maxAuthors: number;
  /** NODE_REGISTER_BUDGET by default; left out: no budget, the buckets alone (tests of the bucket). */
  readonly nodeBudget?: number;
}

export const DEFAULT_REGISTER_LIMITS: RegisterLimits = {
  burst: NEW_REGISTER_BURST,
  ratePerSecond: NEW_REGISTERS_PER_SECOND,
  maxAuthors: MAX_AUTHOR_BUCKETS,
  nodeBudget: NODE_REGISTER_BUDGET,
};

/** What the store holds of one entity (LatticeNode.holding). */
export interface HeldEntity {
  /** Whether it holds a register (versions or what they taught it) of this kind. */
  hasKind(kind: ComponentKind): boolean;
  /** Whether the store would refuse `v` whole (older than the entity's tombstone or expiry floor): no new register. */
  refusesWhole(v: Version): boolean;
  /** How many capped kinds (unknown kinds, core/entity/kind-cap.ts) it holds registers of. */
  readonly cappedKinds: number;
  /** How many of those have a current head by this author. */
  cappedKindsBy(author: NodeId): number;
}

/** The store's answer for an entity; undefined: not held at all. */
export type Holding = (entity: EntityId) => HeldEntity | undefined;

/** Why a version is refused here (securityStats().rejected). */
export type RegisterRefusal = 'entity-limit' | 'kinds-per-entity' | 'kinds-per-author';

export interface RegisterSplit {
  readonly accepted: Version[];
  /**
   * Over the author's bound or the entity's kinds: set aside, then asked for again (docs/security.md);
   * `until`: over the bound, when its author's bucket should have a token for it (retryAt).
   */
  readonly refused: { readonly version: Version; readonly reason: RegisterRefusal; until?: number }[];
  /** New registers refused (each counted once, whatever number of versions it had). */
  readonly registers: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * Applied twice to a batch: `precheck` before the signatures are checked (reads the buckets, charges
 * nothing: a forged version cannot drain its claimed author, and a flood over its author's bound
 * costs no Ed25519 check), then `charge` on what verified and was admitted, before the merge.
 *
 * A new register is charged to the author of its earliest version in the batch (each author pays
 * for what it adds: a component on another author's entity is the writer's, never the entity's
 * first author's); if that author cannot pay, its versions of the register are refused and the next
 * author in timestamp order may pay. Versions of registers already held and our own versions are
 * never charged.
 *
 * The kinds cap (core/entity/kind-cap.ts) counts unknown kinds only: the tombstone and the known
 * kinds always pass (bucket permitting). A new unknown kind is refused if the entity already holds
 * MAX_UNKNOWN_KINDS_PER_ENTITY of them (`kinds-per-entity`) or its author already wrote
 * MAX_UNKNOWN_KINDS_PER_AUTHOR of them there (`kinds-per-author`). The precheck reads the stored
 * entity alone: a version it has not verified never counts against another; the charge counts,
 * earliest first, only versions that verified and were paid for.
 */
export class NewRegisterLimit {
  /** Insertion order = least recently used first. */
  private readonly buckets = new Map<NodeId, Bucket>();
  /** Authors whose buckets were evicted before they were full → when they would be full (insertion order). */
  private readonly forgotten = new Map<NodeId, number>();
  /** Registers refused (by the precheck or the charge), for securityStats. */
  hits = 0;
  /**
   * Authors → when the next register refused for their bucket may be fetched again (retryAt),
   * advanced only by `charge` (verified versions); at most `maxAuthors` (least recently set go
   * first: a forgotten author's next refusal is scheduled from its bucket alone).
   */
  private readonly retrySlots = new Map<NodeId, number>();
  /** Registers each author took from the node budget (never given back: a bound on what it made us hold). */
  private readonly shared = new Map<NodeId, number>();
  private sharedTotal = 0;
  /**
   * How many authors share the node budget: the roster's other members in a closed lattice (the
   * worker sets it); undefined: an open lattice, the authors that took from it here (a new one
   * counted), at least OPEN_LATTICE_SHARERS.
   */
  sharers: (() => number | undefined) | undefined;

  constructor(
    private readonly self: NodeId,
    private readonly limits: RegisterLimits = DEFAULT_REGISTER_LIMITS,
  ) {}

  /**
   * Before the signature check: what would be refused now; nothing is charged nor remembered (the
   * retry times it gives are computed on a scratch copy of retrySlots, see `charge`).
   */
  precheck(versions: readonly Version[], holding: Holding, now: number): RegisterSplit {
    const scratch = new Map<NodeId, number>();
    const out = this.split(
      versions,
      holding,
      (author) => {
        const left = scratch.get(author) ?? this.shareLeft(author) + this.available(author, now);
        if (left < 1) return false;
        scratch.set(author, left - 1);
        return true;
      },
      false,
    );
    this.hits += out.registers;
    // Scheduled on a scratch copy of the retry slots: a forged batch claiming an honest author must
    // not push that author's genuine retries back (docs/security.md, "The hold-back").
    return this.schedule(out, now, new Map(), false);
  }

  /** After the signature check and admission: charges each new register to its author. */
  charge(versions: readonly Version[], holding: Holding, now: number): RegisterSplit {
    const out = this.split(versions, holding, (author) => this.take(author, now), true);
    this.hits += out.registers;
    return this.schedule(out, now, this.retrySlots, true);
  }

  /**
   * Gives each register refused for its author's bucket its time to come back (retryAt), advancing
   * `slots`: the kept retrySlots only after the signatures verified (`charge`), a scratch copy for
   * the batch in the precheck.
   */
  private schedule(out: RegisterSplit, now: number, slots: Map<NodeId, number>, kept: boolean): RegisterSplit {
    const at = new Map<string, number | undefined>();
    for (const r of out.refused) {
      if (r.reason !== 'entity-limit') continue;
      const v = r.version;
      const key = `${v.entity}\u0000${v.kind}\u0000${v.ts.node}`;
      if (!at.has(key)) at.set(key, this.retryAt(v.ts.node, now, slots, kept));
      const until = at.get(key);
      if (until !== undefined) r.until = until;
    }
    return out;
  }

  /**
   * When a register of `author` refused now may be fetched again (docs/security.md, "The
   * hold-back"): in turn after those refused before it, one per 1/ratePerSecond, so what was refused comes back as fast as the bucket can take it, neither all at
   * once (to be refused again, bytes and a fetch wasted for each) nor later than needed. Past
   * MAX_REGISTER_RETRY_MS they all come back then. An estimate: the author's live writes take
   * tokens too, and what finds the bucket empty again is refused and scheduled again.
   */
  private retryAt(author: NodeId, now: number, slots: Map<NodeId, number>, kept: boolean): number | undefined {
    const rate = this.limits.ratePerSecond;
    if (rate <= 0) return undefined;
    const step = 1000 / rate;
    // Refused: the bucket (after what the batch took) holds less than a token; the next is a step away.
    const first = now + step;
    // The scratch copy starts from the kept slot (read only): behind the genuine refusals already scheduled.
    const slot = slots.get(author) ?? (kept ? undefined : this.retrySlots.get(author));
    const at = Math.min(Math.max(first, slot ?? first), now + MAX_REGISTER_RETRY_MS);
    slots.delete(author);
    slots.set(author, at + step);
    if (kept && slots.size > this.limits.maxAuthors) slots.delete(slots.keys().next().value!);
    return at;
  }

  /**
   * `countBatch`: whether registers opened earlier in the batch count toward the kinds cap (only
   * when the batch verified: the precheck reads the stored entity alone).
   */
  private split(
    versions: readonly Version[],
    holding: Holding,
    pay: (author: NodeId) => boolean,
    countBatch: boolean,
  ): RegisterSplit {
    const refusedReason = new Map<Version, RegisterRefusal>();
    const refusedRegisters = new Set<string>();
    for (const [entity, vs] of byEntity(versions)) {
      const held = holding(entity);
      // Updates of registers held (most traffic) cost nothing more.
      if (held !== undefined && vs.every((v) => held.hasKind(v.kind) || held.refusesWhole(v))) continue;
      // Read only when a capped kind is met (most frames open known kinds alone): it reads the heads.
      let capped: number | undefined;
      // Made only when needed (most entities open a register or two and refuse none): this runs
      // per entity of every received frame, twice (the precheck and the charge).
      let cappedBy: Map<NodeId, number> | undefined;
      // Earliest first: the order every node sees, whatever order the batch came in.
      const ordered = vs.length === 1 ? vs : [...vs].sort((a, b) => compareTs(a.ts, b.ts));
      let open: ComponentKind[] | undefined;
      /** kind → author → why that author's versions of it are refused. */
      let closed: Map<ComponentKind, Map<NodeId, RegisterRefusal>> | undefined;
      for (const v of ordered) {
        if (open?.includes(v.kind) === true || held?.hasKind(v.kind) === true || held?.refusesWhole(v) === true)
          continue;
        const author = v.ts.node;
        const refusedAuthors = closed?.get(v.kind);
        const before = refusedAuthors?.get(author);
        if (before !== undefined) {
          refusedReason.set(v, before);
          continue;
        }
        const cap =
          author === this.self || !isCappedKind(v.kind)
            ? undefined
            : this.overCap(
                (capped ??= held?.cappedKinds ?? 0),
                (cappedBy?.get(author) ?? 0) + (held?.cappedKindsBy(author) ?? 0),
              );
        const reason = cap ?? (author === this.self || pay(author) ? undefined : 'entity-limit');
        if (reason === undefined) {
          (open ??= []).push(v.kind);
          if (countBatch && isCappedKind(v.kind)) {
            capped = (capped ?? held?.cappedKinds ?? 0) + 1;
            cappedBy ??= new Map();
            cappedBy.set(author, (cappedBy.get(author) ?? 0) + 1);
          }
          continue;
        }
        if (refusedAuthors === undefined) (closed ??= new Map()).set(v.kind, new Map([[author, reason]]));
        else refusedAuthors.set(author, reason);
        refusedReason.set(v, reason);
      }
      if (closed !== undefined)
        for (const kind of closed.keys())
          if (open?.includes(kind) !== true) refusedRegisters.add(`${entity}\u0000${kind}`);
    }
    const accepted: Version[] = [];
    const refused: { version: Version; reason: RegisterRefusal; until?: number }[] = [];
    for (const v of versions) {
      const reason = refusedReason.get(v);
      if (reason === undefined) accepted.push(v);
      else refused.push({ version: v, reason });
    }
    return { accepted, refused, registers: refusedRegisters.size };
  }

  private overCap(entityKinds: number, authorKinds: number): RegisterRefusal | undefined {
    if (entityKinds >= MAX_UNKNOWN_KINDS_PER_ENTITY) return 'kinds-per-entity';
    if (authorKinds >= MAX_UNKNOWN_KINDS_PER_AUTHOR) return 'kinds-per-author';
    return undefined;
  }

  /** Registers `author` may still take from the node budget: its fair share, while the budget lasts. */
  private shareLeft(author: NodeId): number {
    const budget = this.limits.nodeBudget ?? 0;
    if (budget <= 0) return 0;
    const taken = this.shared.get(author);
    // At least OPEN_LATTICE_SHARERS in a closed lattice too: the roster's size is written by its
    // members, so a lattice of two (or one member removing the others) must not hand one author the
    // whole budget (hostile review, 2026-12-04).
    const sharers = Math.max(
      OPEN_LATTICE_SHARERS,
      this.sharers?.() ?? this.shared.size + (taken === undefined ? 1 : 0),
    );
    const share = Math.floor(budget / sharers);
    return Math.max(0, Math.min(share - (taken ?? 0), budget - this.sharedTotal));
  }

  /** Registers taken from the node budget (securityStats), and by how many authors. */
  get budgetUsed(): { readonly registers: number; readonly authors: number } {
    return { registers: this.sharedTotal, authors: this.shared.size };
  }

  /** Tokens the author has now (no bucket kept: what it would have by now, from when it was forgotten). */
  private available(author: NodeId, now: number): number {
    const b = this.buckets.get(author);
    if (b === undefined) return this.tokensBy(this.forgotten.get(author) ?? now, now);
    return this.refilled(b, now);
  }

  /** Tokens at `now` of a bucket that is full at `fullAt`. */
  private tokensBy(fullAt: number, now: number): number {
    if (fullAt <= now) return this.limits.burst;
    if (fullAt === Number.POSITIVE_INFINITY || this.limits.ratePerSecond <= 0) return 0;
    return Math.max(0, this.limits.burst - ((fullAt - now) * this.limits.ratePerSecond) / 1000);
  }

  private refilled(b: Bucket, now: number): number {
    const elapsed = Math.max(0, now - b.last);
    return Math.min(this.limits.burst, b.tokens + (elapsed * this.limits.ratePerSecond) / 1000);
  }

  private forget(author: NodeId, now: number): void {
    const b = this.buckets.get(author);
    this.buckets.delete(author);
    if (b === undefined) return;
    const tokens = this.refilled(b, now);
    if (tokens >= this.limits.burst) return; // full: it comes back full, nothing to remember
    const rate = this.limits.ratePerSecond;
    const fullAt = rate > 0 ? now + ((this.limits.burst - tokens) * 1000) / rate : Number.POSITIVE_INFINITY;
    this.forgotten.set(author, fullAt);
    if (this.forgotten.size <= MAX_FORGOTTEN_AUTHORS) return;
    for (const [id, at] of this.forgotten) if (at <= now) this.forgotten.delete(id);
    while (this.forgotten.size > MAX_FORGOTTEN_AUTHORS) this.forgotten.delete(this.forgotten.keys().next().value!);
  }

  private take(author: NodeId, now: number): boolean {
    // Its share of the node budget first: an honest first sync is not throttled within it.
    if (this.shareLeft(author) >= 1) {
      this.shared.set(author, (this.shared.get(author) ?? 0) + 1);
      this.sharedTotal += 1;
      return true;
    }
    let b = this.buckets.get(author);
    if (b === undefined) {
      if (this.buckets.size >= this.limits.maxAuthors) this.forget(this.buckets.keys().next().value!, now);
      b = { tokens: this.available(author, now), last: now };
      this.forgotten.delete(author);
    } else {
      this.buckets.delete(author);
      b.tokens = this.refilled(b, now);
      b.last = Math.max(b.last, now);
    }
    this.buckets.set(author, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

function byEntity(versions: readonly Version[]): Map<EntityId, Version[]> {
  const out = new Map<EntityId, Version[]>();
  for (const v of versions) {
    const list = out.get(v.entity);
    if (list === undefined) out.set(v.entity, [v]);
    else list.push(v);
  }
  return out;
}
