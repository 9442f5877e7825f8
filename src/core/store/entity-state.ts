import { compareTs, type Timestamp } from '../clock/timestamp';
import type { ComponentKind, EntityId } from '../ids';
import { hasHonestContext, Knowledge, type KnowledgeSnapshot } from '../merge/knowledge';
import type { Heads } from '../merge/register';
import { orderFor } from '../merge/rules';
import { DELETED, type Version } from '../merge/version';
import { compareContent, sameContent } from '../merge/version-content';
import { subsumedByFloor } from './context-bound';
import { belowFloor, deadlineOf, deletable, earliestDeadline, EXPIRY, firedBy } from './expiry-floor';

/**
 * `removed`: heads this delivery dropped. A refused (obsolete) version can still drop heads: its
 * context is learned (see knowledge.ts), and it may show that a head had been seen.
 */
export type ApplyOutcome =
  | { readonly kind: 'applied'; readonly removed: readonly Version[] }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'obsolete'; readonly removed?: readonly Version[] };

const DUPLICATE: ApplyOutcome = { kind: 'duplicate' };
const OBSOLETE: ApplyOutcome = { kind: 'obsolete' };

/** Plain data of one entity's merge state beyond its versions, for a snapshot that storage keeps. */
export interface EntityMeta {
  readonly id: EntityId;
  readonly floor?: number;
  readonly deletedAt?: Timestamp;
  readonly knowledge: readonly (KnowledgeSnapshot & { readonly kind: ComponentKind })[];
}

/**
 * One entity: a register per component kind, plus its tombstone register.
 *
 * A tombstone wins over every write older than it (those are dropped and later arrivals refused);
 * a write newer than the delete brings the entity back, as in an LWW-element set. The expiry is
 * not deleted: its deadline still holds for the id.
 *
 * An expiry that has passed leaves a floor: purge drops every version written at or before the
 * expiry's `at` and refuses any that arrive later (from a peer that had not purged yet, or from
 * anti-entropy), so an expired entity stays gone unless a write made after its expiry revives it.
 * The expiry version itself is kept as the floor's marker: it is an ordinary version, so it is
 * stored and replicated, and a peer that never saw the expiry learns it and purges the same
 * versions. An expiry whose own deadline is not below the floor is never refused by it, so every
 * replica keeps the same markers and eventually fires the same expiries. The floor is one number
 * per expired entity.
 */
export class EntityState {
  readonly registers = new Map<ComponentKind, Heads>();
  /** Everything each register has learned, dropped versions included (see knowledge.ts). */
  readonly knowledge = new Map<ComponentKind, Knowledge>();
  /** Latest tombstone timestamp ever delivered, if the entity was ever deleted. */
  deletedAt: Timestamp | undefined;
  /** Epoch ms of the latest passed expiry: versions written at or before it are gone for good. */
  floor: number | undefined;

  constructor(readonly id: EntityId) {}

  apply(v: Version): ApplyOutcome {
    const fast = this.applySoleAuthor(v);
    if (fast !== undefined) return fast;
    if (!hasHonestContext(v)) return OBSOLETE;
    // Written at or below what is gone for good, and so is all it saw (its context is older): it
    // teaches nothing (see Knowledge.prune), except a tombstone's time, kept as every replica does.
    if (this.subsumed(v.kind, v.ts)) {
      if (v.kind === DELETED && (this.deletedAt === undefined || compareTs(v.ts, this.deletedAt) > 0)) {
        this.deletedAt = v.ts;
      }
      return OBSOLETE;
    }
    // A head was learned when it was applied: its duplicate teaches nothing. Another content under
    // the same timestamp is no duplicate (see version-content.ts): one of the two is kept everywhere.
    // The scans of the heads below touch every head (memory, not arithmetic, at 14 heads a
    // register in scenario 1): what the register learned so far says when they can find nothing.
    const before = this.knowledge.get(v.kind);
    const same = before?.heardOwn(v.ts) === true ? headAt(this.registers.get(v.kind), v.ts) : undefined;
    if (same !== undefined && sameContent(same, v)) return DUPLICATE;
    const mayDrop = v.seen.length > 0 || before?.heardFrom(v.ts.node) === true;
    const deletedBefore = this.deletedAt;
    const known = this.learn(v);
    // What v taught may show that a head had been seen, or deleted, even if v itself is refused.
    const removed = mayDrop ? this.dropStale(v, known) : [];
    const deletedAt = this.deletedAt;
    if (deletedAt !== undefined && deletedAt !== deletedBefore) removed.push(...this.dropOlderThan(deletedAt));
    const refused: ApplyOutcome = removed.length === 0 ? OBSOLETE : { kind: 'obsolete', removed };
    if (belowFloor(v, this.floor)) return refused;
    if (deletable(v.kind) && deletedAt !== undefined && compareTs(v.ts, deletedAt) <= 0) return refused;
    if (same !== undefined && this.registers.get(v.kind)?.includes(same) === true) {
      if (compareContent(v, same) > 0) return refused;
      removed.push(same);
      this.dropHead(v.kind, same);
    }
    // What mergeVersion (register.ts) decides, without its scans: no head left has v's timestamp
    // (a duplicate returned above, another content was dropped or refused v) and none is superseded
    // (dropStale), so v is either superseded itself or joins the heads in its rule's order.
    if (known.supersedes(v)) return refused;
    this.registers.set(v.kind, withHead(this.registers.get(v.kind), v));
    return { kind: 'applied', removed };
  }

  /**
   * The common case in one step: a sensor updating its own track. The register has one head, by
   * the same author, and has only ever heard of that author; the version carries no context; there
   * is no tombstone or floor. Then the general rules reduce to comparing the two timestamps.
   */
  private applySoleAuthor(v: Version): ApplyOutcome | undefined {
    if (v.seen.length !== 0 || this.floor !== undefined || this.deletedAt !== undefined) return undefined;
    const heads = this.registers.get(v.kind);
    if (heads?.length !== 1) return undefined;
    const h = heads[0]!;
    const known = this.knowledge.get(v.kind)!;
    if (h.ts.node !== v.ts.node || known.soleAuthor !== v.ts.node) return undefined;
    const cmp = compareTs(v.ts, h.ts);
    if (cmp === 0) return sameContent(h, v) ? DUPLICATE : undefined;
    if (cmp < 0) return OBSOLETE;
    known.learn(v);
    this.registers.set(v.kind, [v]);
    return { kind: 'applied', removed: [h] };
  }

  /** Every well-formed delivered version adds to what its register knows, even when it is refused. */
  private learn(v: Version): Knowledge {
    let k = this.knowledge.get(v.kind);
    if (k === undefined) {
      k = new Knowledge();
      this.knowledge.set(v.kind, k);
    }
    if (this.floor === undefined && this.deletedAt === undefined) k.learn(v);
    else k.learnAbove(v, (t) => this.subsumed(v.kind, t));
    if (v.kind === DELETED && (this.deletedAt === undefined || compareTs(v.ts, this.deletedAt) > 0)) {
      this.deletedAt = v.ts;
      this.pruneKnowledge();
    }
    return k;
  }

  /** Whether a timestamp of `kind` lies at or below what this entity holds gone for good (context-bound.ts). */
  private subsumed(kind: ComponentKind, t: Timestamp): boolean {
    return subsumedByFloor(kind, t, this.floor, this.deletedAt);
  }

  /**
   * Drops what each register learned at or below the floor or the latest tombstone (Knowledge.prune):
   * after a delete or an expiry, an entity's knowledge names only the authors who wrote it since.
   */
  private pruneKnowledge(): void {
    for (const [kind, k] of this.knowledge) {
      if (k.prune((t) => this.subsumed(kind, t))) this.knowledge.delete(kind);
    }
  }

  /** Sets the floor a snapshot kept (EntityStore.restore), pruning what it subsumes. */
  restoreFloor(floor: number): void {
    this.floor = floor;
    this.pruneKnowledge();
  }

  /**
   * Drops the heads of v's register that its knowledge covers now that it learned v (usually none:
   * no copy made). No head was covered before (each apply drops what it covers, and a head joins
   * only if not covered), and learning v raised only the entries of v's author and of the authors
   * in its context, so only their heads need a look: one compare per head instead of a knowledge
   * lookup per head (scenario 1 keeps up to 50 concurrent heads).
   */
  private dropStale(v: Version, known: Knowledge): Version[] {
    const heads = this.registers.get(v.kind);
    if (heads === undefined) return [];
    let stale: Version[] | undefined;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (taughtAbout(v, h) && known.supersedes(h)) (stale ??= []).push(h);
    }
    if (stale === undefined) return [];
    const gone = stale;
    const kept = heads.filter((h) => !gone.includes(h));
    if (kept.length === 0) this.registers.delete(v.kind);
    else this.registers.set(v.kind, kept);
    return gone;
  }

  private dropHead(kind: ComponentKind, head: Version): void {
    const kept = (this.registers.get(kind) ?? []).filter((h) => h !== head);
    if (kept.length === 0) this.registers.delete(kind);
    else this.registers.set(kind, kept);
  }

  private dropOlderThan(t: Timestamp): Version[] {
    return this.dropWhere((kind, h) => deletable(kind) && compareTs(h.ts, t) <= 0);
  }

  private dropWhere(gone: (kind: ComponentKind, h: Version) => boolean): Version[] {
    const dropped: Version[] = [];
    for (const [kind, heads] of this.registers) {
      const kept = heads.filter((h) => !gone(kind, h));
      if (kept.length === heads.length) continue;
      for (const h of heads) if (!kept.includes(h)) dropped.push(h);
      if (kept.length === 0) this.registers.delete(kind);
      else this.registers.set(kind, kept);
    }
    return dropped;
  }

  /** The earliest deadline among the expiry heads, if the entity has any: when purge has work. */
  get expiresAt(): number | undefined {
    return earliestDeadline(this.registers.get(EXPIRY));
  }

  /** The expiry head that has fired by `now` (see expiry-floor.ts). */
  firedBy(now: number): Version | undefined {
    return firedBy(this.registers.get(EXPIRY), now);
  }

  /**
   * Once an expiry head has fired at `now` (see firedBy), raises the floor to its `at` and drops
   * every version written at or before it except the expiries whose deadline is not below it (the
   * fired one is the floor's marker; later ones still have to fire). Returns what was dropped.
   */
  purge(now: number): Version[] {
    const marker = this.firedBy(now);
    if (marker === undefined) return [];
    const at = deadlineOf(marker);
    if (this.floor !== undefined && at <= this.floor) return [];
    this.floor = at;
    this.pruneKnowledge();
    return this.dropWhere((_, h) => belowFloor(h, at));
  }

  /** True while some live component remains (a deleted entity has only its tombstone). */
  get live(): boolean {
    for (const kind of this.registers.keys()) if (kind !== DELETED) return true;
    return false;
  }

  /** Nothing is held: no version, no floor, no tombstone, nothing learned. */
  get empty(): boolean {
    return this.registers.size === 0 && this.knowledge.size === 0 && this.floor === undefined;
  }

  get versionCount(): number {
    let n = 0;
    for (const heads of this.registers.values()) n += heads.length;
    return n;
  }

  *versions(): IterableIterator<Version> {
    for (const heads of this.registers.values()) yield* heads;
  }

  meta(): EntityMeta {
    return {
      id: this.id,
      ...(this.floor === undefined ? {} : { floor: this.floor }),
      ...(this.deletedAt === undefined ? {} : { deletedAt: this.deletedAt }),
      knowledge: [...this.knowledge].map(([kind, k]) => ({ kind, ...k.snapshot() })),
    };
  }

  /**
   * Restores what meta() returned except the floor: the snapshot's versions are applied next, and
   * the floor last (the marker itself lies at or below it).
   */
  restoreKnowledge(meta: EntityMeta): void {
    if (meta.deletedAt !== undefined) this.deletedAt = meta.deletedAt;
    for (const k of meta.knowledge) this.knowledge.set(k.kind, Knowledge.from(k));
    // A meta stored before the tombstone's pruning (or by an older build) may name more.
    if (this.deletedAt !== undefined) this.pruneKnowledge();
  }
}

/** The head with timestamp `ts`, if any. */
function headAt(heads: Heads | undefined, ts: Timestamp): Version | undefined {
  if (heads === undefined) return undefined;
  for (let i = 0; i < heads.length; i++) if (compareTs(heads[i]!.ts, ts) === 0) return heads[i];
  return undefined;
}

/** Whether learning `v` may have changed what its register knows of `h`'s author. */
function taughtAbout(v: Version, h: Version): boolean {
  const node = h.ts.node;
  if (node === v.ts.node) return true;
  const seen = v.seen;
  for (let i = 0; i < seen.length; i++) if (seen[i]!.node === node) return true;
  return false;
}

/**
 * `heads` with `v` added in its kind's order, winner first (register.ts keeps heads sorted by
 * orderFor, a total order, so inserting gives what sorting would), in an array of exactly the size
 * needed.
 */
function withHead(heads: Heads | undefined, v: Version): Heads {
  if (heads === undefined || heads.length === 0) return [v];
  const order = orderFor(v.kind);
  // The first head v beats: heads are sorted winner first, so "v beats it" is false, then true.
  let lo = 0;
  let hi = heads.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order(v, heads[mid]!) > 0) hi = mid;
    else lo = mid + 1;
  }
  const out = new Array<Version>(heads.length + 1);
  for (let i = 0; i < lo; i++) out[i] = heads[i]!;
  out[lo] = v;
  for (let i = lo; i < heads.length; i++) out[i + 1] = heads[i]!;
  return out;
}
