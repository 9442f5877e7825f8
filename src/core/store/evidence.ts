import { compareTs, type Timestamp } from '../clock/timestamp';
import type { NodeId } from '../ids';
import { markerCut } from '../merge/knowledge';
import type { Version } from '../merge/version';
import { canonicalContent, compareCanonical } from '../merge/version-content';
import { ROSTER_OP_KIND } from '../roster/roster-entity';
import { carriedFloor } from './expiry-floor';

/**
 * Evidence: versions a register keeps although they are not heads (docs/architecture.md, "Evidence";
 * docs/security.md, "Twins and evidence").
 *
 * A register learns the context of every version delivered to it, even one it refuses (superseded,
 * or the losing one of two contents under one timestamp), and keeps learning what a head taught after
 * the head is dropped. That is safe only while what such a version taught is also taught by versions
 * the node keeps, and so serves: a replica that syncs with it learns from what it serves. An honest
 * writer's context covers everything it had learned, so a version that supersedes another covers its
 * context too. A hostile member can break that: two versions under one timestamp with different
 * contexts (twins), or a later write that leaves out what its earlier one named. A node that learned
 * the other context would then drop honest heads that a replica receiving only what it serves keeps,
 * for good. So a version is kept as evidence when
 *
 * - it is refused (superseded, or the losing twin) and its context adds to what the register knows
 *   (Knowledge.adds), or
 * - it is a head that a delivery drops (superseded, or replaced by the winning twin) and the version
 *   delivered does not imply its context (`implies` below).
 *
 * An expiry also teaches the floor it carries (expiry-floor.ts, carriedFloor): every replica that
 * receives it raises the entity's floor to it, whether it is then a head or superseded, and no later
 * expiry takes that floor away (docs/architecture.md, "Expiry"). A version implies another only if it
 * carries at least that floor too. An honest successor does (its writer held the floor and carries
 * it on, floorToCarry); one whose context covers an expiry its writer never received (a rest marker,
 * docs/architecture.md "The merge") may not. Dropped without a trace, the superseded expiry left its
 * floor on the replicas that had received it and on no other: the node that wrote it, when the
 * successor arrived before its own write was announced, kept a floor no peer ever learned
 * (test/unit/node/mesh/carried-floor-peers.test.ts).
 *
 * Evidence is stored (in its entity's meta), in the sync index and served by reconciliation like any
 * version, so every replica that syncs learns the same contexts: knowledge is a join, and the heads
 * follow from it. It goes when a tombstone or an expiry floor subsumes it, or when a kept version
 * implies it.
 */
export interface Evidence {
  readonly version: Version;
  /**
   * The author charged for it (EvidenceLedger, chargedFor): its version's author when that author's
   * own versions make every node keep it (a twin or a later write of it held above it); otherwise
   * the author of the version covering it without teaching all it taught (a member's context that
   * leaves out what an honest head named, a rest marker over an expiry without its floor), or with
   * none covering it (a fold of the register's authors) the author of the version weighed last
   * before it, so that another author's versions never count against an honest writer.
   */
  readonly by: NodeId;
}

/**
 * Evidence charged to one author (Evidence.by) a node keeps at once. Past it, a version of that
 * author that would add evidence of its own versions charged to it is refused before anything is
 * learned from it (held back, asked for again later): an honest author's versions are not charged
 * to it (none of its own stands above one of its items, chargedFor) but for a moment (its later
 * write made after a tombstone or floor this node does not hold yet), a member signing twins or
 * contexts that leave out what it named before is equivocating. Never an expiry carrying a floor
 * (EntityState.merge, floorCarrier): those are bounded by the entity's bound alone. ~1,024 × 8 KB
 * worst case (a 4 KB value, 64 context entries, a batch proof).
 */
export const MAX_EVIDENCE_PER_AUTHOR = 1_024;

/**
 * Evidence the node keeps at once, over all authors: four authors at their bound (as the register
 * budget's OPEN_LATTICE_SHARERS). Past it, a version that would add evidence charged to its own
 * author is refused before anything is learned from it (never an expiry carrying a floor). ~32 MB
 * worst case, plus what others' deliveries add by dropping a hostile author's heads (never refused,
 * see EntityState.apply), and a member's expiries carrying floors (up to the entity's bound each).
 */
export const MAX_EVIDENCE = 4 * MAX_EVIDENCE_PER_AUTHOR;

/**
 * Evidence one entity may keep: storage rewrites an entity's meta, evidence included, whenever the
 * entity changes (src/node/entity-meta.ts), so this bounds that cost (~512 KB worst case) as well as
 * what one hostile member can pile on one honest track. Applied after the weighing, in the fixed
 * order (`withinEntityBound`): the entity keeps the first 64 of what it would keep unbounded (a
 * roster register's first version of each op ahead of the rest and never cut, even past 64: those
 * are bounded by their author's MAX_EVIDENCE_PER_AUTHOR), nor the expiry carrying the largest floor
 * (topCarrier: one), so which are kept is a function of the versions delivered, not of their order.
 * A delivery that would be kept past it is refused before anything is learned from it (never an
 * expiry that raises the floor it carries: EntityState.raisesCarried); one kept before it releases the
 * last (what that taught is learned no more, and a register so cut is merged again from what the
 * entity holds: EntityState.remergeCut). Whoever delivered it, and never one charged. Two orders may
 * keep different sets until anti-entropy (a version refused in one was held and cut in the other);
 * after it the replicas are one (test/unit/core/store/model/covered-floor-sync.test.ts,
 * bound-order-sync.test.ts): a delivery it would cut is weighed against its register merged again
 * with it before it is refused (EntityState.canonicalWith; docs/security.md, "Twins and evidence").
 */
export const MAX_EVIDENCE_PER_ENTITY = 64;

/** What the store counts about evidence and twins (securityStats: `equivocations`, `evidence`). */
export interface EvidenceStats {
  /** Deliveries of a content under a timestamp the register held with another content (twins met). */
  readonly equivocations: number;
  /** Evidence kept now, and how many authors were charged for it. */
  readonly held: number;
  readonly authors: number;
  /** Deliveries refused because their author, or the node, was at its evidence bound. */
  readonly refused: number;
  readonly limit: { readonly perAuthor: number; readonly node: number; readonly perEntity: number };
}

/** The evidence kept per author charged, and the node's bounds (one per EntityStore). */
export class EvidenceLedger {
  private readonly byAuthor = new Map<NodeId, number>();
  private total = 0;
  equivocations = 0;
  refused = 0;

  constructor(
    readonly perAuthor = MAX_EVIDENCE_PER_AUTHOR,
    readonly node = MAX_EVIDENCE,
    readonly perEntity = MAX_EVIDENCE_PER_ENTITY,
  ) {}

  /**
   * How much more evidence charged to `author` a delivery by `author` may add: the least room left
   * under the author's and the node's bound (may be negative: others' deliveries are never refused,
   * see EntityState.apply). The entity's bound is no room: see withinEntityBound.
   */
  room(author: NodeId): number {
    return Math.min(this.node - this.total, this.perAuthor - (this.byAuthor.get(author) ?? 0));
  }

  charge(items: readonly Evidence[]): void {
    for (const e of items) {
      this.byAuthor.set(e.by, (this.byAuthor.get(e.by) ?? 0) + 1);
      this.total += 1;
    }
  }

  refund(items: readonly Evidence[]): void {
    for (const e of items) {
      const n = (this.byAuthor.get(e.by) ?? 0) - 1;
      if (n > 0) this.byAuthor.set(e.by, n);
      else this.byAuthor.delete(e.by);
      this.total -= 1;
    }
  }

  get held(): number {
    return this.total;
  }

  stats(): EvidenceStats {
    return {
      equivocations: this.equivocations,
      held: this.total,
      authors: this.byAuthor.size,
      refused: this.refused,
      limit: { perAuthor: this.perAuthor, node: this.node, perEntity: this.perEntity },
    };
  }
}

/**
 * Whether `a` alone teaches all `b` teaches (what Covers holding `a` alone says, without building
 * one): its author's writes before it, every context entry and the rest marker of `b`, leaving out
 * what `gone` says is subsumed, and the floor `b` carries (an expiry's: `a` carries as much). An
 * honest `a` that saw `b` does (its context is all its writer had learned, its floor what its writer
 * held); a write that saw another content of `b`'s timestamp, or that left out what `b` named,
 * may not. The cheap test a dropped head, or a refused version, passes before the full weighing.
 */
export function implies(a: Version, b: Version, gone?: (t: Timestamp) => boolean): boolean {
  const floor = carriedFloor(b);
  if (floor !== undefined && floor > (carriedFloor(a) ?? 0)) return false;
  const author = a.ts.node;
  let marker: Timestamp | undefined;
  for (const s of a.seen) if (s.node === author) marker = s;
  if (!(gone?.(b.ts) === true || (marker !== undefined && atOrBefore(b.ts, marker)))) {
    if (b.ts.node === author) {
      if (compareTs(a.ts, b.ts) < 0) return false;
    } else {
      const t = a.seen.find((x) => x.node === b.ts.node);
      if (t === undefined || compareTs(t, b.ts) < 0) return false;
    }
  }
  const seen = b.seen;
  if (seen.length === 0) return true;
  const index = a.seen.length > 8 ? new Map(a.seen.map((t) => [t.node, t])) : undefined;
  for (let i = 0; i < seen.length; i++) {
    const s = seen[i]!;
    const isMarker = s.node === b.ts.node;
    if (gone?.(isMarker ? markerCut(s) : s) === true) continue;
    // a's rest marker covers every write at or before its (ms, counter), whoever wrote it, and so
    // every marker at or before it.
    if (marker !== undefined && atOrBefore(s, marker)) continue;
    if (isMarker) return false;
    if (s.node === author && compareTs(s, a.ts) < 0) continue;
    const t = index !== undefined ? index.get(s.node) : a.seen.find((x) => x.node === s.node);
    if (t === undefined || compareTs(s, t) > 0) return false;
  }
  return true;
}

/** (ms, counter) of `a` at or before that of `b`, whatever the nodes: what a rest marker at `b` covers. */
function atOrBefore(a: Timestamp, b: Timestamp): boolean {
  return a.ms < b.ms || (a.ms === b.ms && a.c <= b.c);
}

/** One author's strongest cover so far: every write of it before `t` (`incl`: at or before). */
interface Cover {
  readonly t: Timestamp;
  readonly incl: boolean;
}

function stronger(t: Timestamp, incl: boolean, b: Cover): boolean {
  const c = compareTs(t, b.t);
  return c > 0 || (c === 0 && incl && !b.incl);
}

/**
 * The fixed order in which a register's versions are weighed for evidence (`keptAsEvidence`):
 * later timestamp first, and under one timestamp the content kept as head first (compareContent:
 * the smaller). Every replica sorts the same versions the same way.
 */
export function weighOrder(a: Version, b: Version): number {
  const c = compareTs(b.ts, a.ts);
  if (c !== 0) return c;
  return compareCanonical(contentOf(a), contentOf(b));
}

/**
 * Each twin's canonical content, made once: weighing a register sorts its twins under one
 * timestamp (a member can sign up to the evidence bound of them, docs/security.md, "Twins and
 * evidence"), and making it in the comparator, or in each duplicate check against the evidence
 * (sameTwin), cost ~100 µs per comparison for a 60-entry context. Only versions compared under one
 * timestamp get an entry; weak, so it keeps no version.
 */
const contents = new WeakMap<Version, string>();

/** sameContent for two versions under one timestamp, each content made once (contentOf). */
export function sameTwin(a: Version, b: Version): boolean {
  return a === b || (a.value === b.value && a.seen === b.seen) || contentOf(a) === contentOf(b);
}

/** compareContent for two versions under one timestamp, each content made once (contentOf). */
export function compareTwins(a: Version, b: Version): number {
  return compareCanonical(contentOf(a), contentOf(b));
}

function contentOf(v: Version): string {
  let c = contents.get(v);
  if (c === undefined) {
    c = canonicalContent(v);
    contents.set(v, c);
  }
  return c;
}

/**
 * What a set of versions teaches, as a join: per author the strongest cover, and the latest rest
 * marker. `gone` (subsumed by a floor or tombstone) covers too. The register's cut does not: it
 * comes from rest markers (counted here as markers) and from folding authors past
 * MAX_REGISTER_AUTHORS, which the members may have caused themselves, so a replica reaches the same
 * cut only if it learns them.
 */
export class Covers {
  private readonly authors = new Map<NodeId, Cover>();
  private marker: Timestamp | undefined;
  /** The largest floor an expiry added carries (carriedFloor); 0: none. */
  private carried = 0;

  constructor(private readonly gone: ((t: Timestamp) => boolean) | undefined) {}

  add(v: Version): void {
    const author = v.ts.node;
    const floor = carriedFloor(v);
    if (floor !== undefined && floor > this.carried) this.carried = floor;
    this.raise(author, v.ts, false);
    for (const s of v.seen) {
      if (s.node !== author) this.raise(s.node, s, true);
      else if (this.marker === undefined || compareTs(s, this.marker) > 0) this.marker = s;
    }
  }

  private raise(author: NodeId, t: Timestamp, incl: boolean): void {
    const known = this.authors.get(author);
    if (known === undefined || stronger(t, incl, known)) this.authors.set(author, { t, incl });
  }

  /**
   * Whether the versions added teach all `e` teaches: that its author's writes before it were
   * seen (its own timestamp), each of its context entries, its rest marker, and the floor it
   * carries (an expiry's).
   */
  implies(e: Version): boolean {
    const floor = carriedFloor(e);
    if (floor !== undefined && floor > this.carried) return false;
    const ts = e.ts;
    if (!this.coversBefore(ts)) return false;
    for (const s of e.seen) {
      if (s.node === ts.node ? !this.coversMarker(s) : !this.coversAt(s)) return false;
    }
    return true;
  }

  /** Every write of `ts`'s author before `ts`. */
  private coversBefore(ts: Timestamp): boolean {
    if (this.gone?.(ts) === true) return true;
    const c = this.authors.get(ts.node);
    if (c !== undefined && compareTs(c.t, ts) >= 0) return true;
    return this.marker !== undefined && atOrBefore(ts, this.marker);
  }

  /** The write at `s` (and every earlier one of its author). */
  private coversAt(s: Timestamp): boolean {
    if (this.gone?.(s) === true) return true;
    const c = this.authors.get(s.node);
    if (c !== undefined && (compareTs(s, c.t) < 0 || (c.incl && compareTs(s, c.t) === 0))) return true;
    return this.marker !== undefined && atOrBefore(s, this.marker);
  }

  /** Every write at or before a rest marker's (ms, counter). */
  private coversMarker(marker: Timestamp): boolean {
    if (this.gone?.(markerCut(marker)) === true) return true;
    return this.marker !== undefined && atOrBefore(marker, this.marker);
  }
}

/**
 * The evidence a register keeps, as a function of the versions it was ever delivered (docs/
 * architecture.md, "Evidence"): weighed in the fixed order (weighOrder), a version that is not a
 * head is kept iff it teaches something that no version after it teaches. `heads` (kept anyway) and
 * `pool` (the register's evidence and this delivery's candidates: the delivered version if refused,
 * the heads it dropped) are all the register still holds; every version it ever discarded was
 * taught by versions after it, which are discarded only when taught by versions after them, so
 * what comes after any version teaches the same whether or not the discarded ones are still held:
 * the outcome depends on the union of what was delivered, not on the order or the batches. What is
 * kept and the heads teach all the pool did. One pass, one join per version.
 */
export function keptAsEvidence<E extends { readonly version: Version }>(
  heads: readonly Version[],
  pool: readonly E[],
  gone: ((t: Timestamp) => boolean) | undefined,
  firstOfValue = false,
): E[] {
  return weighEvidence(heads, pool, gone, firstOfValue).kept;
}

/**
 * keptAsEvidence, and who each item kept is charged to (`by[i]` for `kept[i]`): what chargedFor says
 * of the heads and what is kept, worked out in the weighing's own pass (its order is weighOrder, and
 * a version weighed before an item is kept or a head exactly when chargedFor weighs it before that
 * item), so no second sort. Valid while the register keeps all of `kept`: when the entity's bound
 * cuts some (withinEntityBound), chargedFor works them out again from what is left.
 */
export function weighEvidence<E extends { readonly version: Version }>(
  heads: readonly Version[],
  pool: readonly E[],
  gone: ((t: Timestamp) => boolean) | undefined,
  firstOfValue = false,
): { kept: E[]; by: NodeId[] } {
  const all: { readonly v: Version; readonly e: E | undefined }[] = [];
  for (const h of heads) all.push({ v: h, e: undefined });
  for (const e of pool) all.push({ v: e.version, e });
  all.sort((a, b) => weighOrder(a.v, b.v));
  const first = firstOfValue ? firstVersions(all.map((x) => x.v)) : undefined;
  const covers = new Covers(gone);
  const charges = new Charges(pool);
  const kept: E[] = [];
  const by: NodeId[] = [];
  for (const { v, e } of all) {
    if (e === undefined) charges.add(v);
    else if (!covers.implies(v) || first?.has(v) === true) {
      kept.push(e);
      by.push(charges.of(v));
      charges.add(v);
    }
    covers.add(v);
  }
  return { kept, by };
}

/**
 * Who is charged for each of a register's evidence items (EvidenceLedger), as a function of what
 * the register keeps: its heads and its evidence `items` (after the weighing and the entity's bound,
 * each a function of the versions delivered, whatever their order). An item is charged to its own
 * author when the register holds another version of that author weighed before it (weighOrder): a
 * later write of it, or a twin kept ahead of it, so its author signed what makes the node keep it
 * (a losing twin, a head its own later write dropped without naming what it named). Otherwise
 * nothing of its author's stands above it, and what makes every node keep it is a version of
 * another author that covers it without teaching all it taught: a later write whose context leaves
 * out what it named, or a rest marker over an expiry without its floor. It is then charged to the
 * author of that version, the one weighed last before it (the earliest by timestamp: the one that
 * superseded it first). With no version covering it, the register's cut does: a fold past
 * MAX_REGISTER_AUTHORS, caused by the versions weighed before it (a member's 63 made-up authors
 * stamped after an honest head); it is then charged to the author of the version weighed last
 * before it, never its own (test/unit/attack/h29-fold-charged.test.ts), and to its own author only
 * when nothing is weighed before it. So a member whose writes drop
 * honest heads while leaving out what those named, or whose rest markers cover honest expiries,
 * pays for what its covers make every node keep, not the honest author
 * (test/unit/attack/h29-context-cover-refused.test.ts, h28-covered-expiry-refused.test.ts); an
 * honest writer that drops a twin head it never saw pays for the twin (once per register and
 * author: every later-weighed item of the twins' author has that author's version above it). When
 * that cover leaves what the register keeps, the charge moves to the next one that covers the
 * item, or to its author. Returns the items whose charge differs, with it.
 */
export function chargedFor<E extends { readonly version: Version; readonly by: NodeId }>(
  heads: readonly Version[],
  items: readonly E[],
): Map<E, NodeId> {
  const moved = new Map<E, NodeId>();
  if (items.length === 0) return moved;
  const all: { readonly v: Version; readonly e: E | undefined }[] = [];
  for (const h of heads) all.push({ v: h, e: undefined });
  for (const e of items) all.push({ v: e.version, e });
  all.sort((a, b) => weighOrder(a.v, b.v));
  const charges = new Charges(items);
  for (const { v, e } of all) {
    if (e !== undefined) {
      const by = charges.of(v);
      if (by !== e.by) moved.set(e, by);
    }
    charges.add(v);
  }
  return moved;
}

/**
 * What the versions added reach (Charges): timestamps falling strictly from the bottom, each with
 * the place in weighOrder of the version that reaches it.
 */
interface Stack {
  readonly t: Timestamp[];
  readonly at: number[];
}

/**
 * chargedFor's rule over the versions a register keeps, fed in weighOrder (`add`), asked for each
 * item before it is added (`of`). The cover of an item none of whose author's versions stands above
 * it is the version weighed last before it that says its writer had seen it: a context entry of the
 * item's author at or after it, or a rest marker at or after its (ms, counter) (a later write of its
 * author would be one of its author's versions above it). Walking back over the versions weighed
 * before each item cost O(versions × context) per item (docs/security.md, "Twins and evidence");
 * here the rest markers, and each author none of whose versions was added yet (once one is, its
 * items are charged to it), keep a stack of what the versions added reach: a version that reaches
 * at least as far as an earlier one stands for it (it is weighed later, so it is the one chosen
 * whenever the earlier one would be), so reaches fall strictly from the bottom, and the cover is the
 * last entry that still reaches the item, found by bisection. The same charge as the walk back
 * (test/unit/core/store/charges-fold.test.ts), for O(context) per version and O(log n) per item.
 */
class Charges {
  private readonly above = new Set<NodeId>();
  /** The author of the version added at each place. */
  private readonly by: NodeId[] = [];
  /**
   * Per author of an item that may be asked about (`of`), the earliest of its items, and what
   * reaches it. (Of an author's items, only the first weighed is asked about before one of its
   * author's versions stands above the rest, but which one that is depends on what the weighing
   * keeps.)
   */
  private readonly asked = new Map<NodeId, { earliest: Timestamp; readonly stack: Stack }>();
  /** The earliest item that may be asked about, and the rest markers that reach it. */
  private earliest: Timestamp | undefined;
  private readonly markers: Stack = { t: [], at: [] };

  /**
   * `items`: every version `of` may be asked about (more does no harm). A context entry or rest
   * marker that reaches none of them is never a cover, nor stands for one: it is not kept.
   */
  constructor(items: readonly { readonly version: Version }[]) {
    for (let i = 0; i < items.length; i++) {
      const v = items[i]!.version;
      const a = this.asked.get(v.ts.node);
      if (a === undefined) this.asked.set(v.ts.node, { earliest: v.ts, stack: { t: [], at: [] } });
      else if (atOrBefore(v.ts, a.earliest)) a.earliest = v.ts;
      if (this.earliest === undefined || atOrBefore(v.ts, this.earliest)) this.earliest = v.ts;
    }
  }

  add(c: Version): void {
    const at = this.by.length;
    const author = c.ts.node;
    this.by.push(author);
    this.above.add(author);
    // Its author's items are charged to it from now on (`of`): what reaches them is asked no more.
    this.asked.delete(author);
    const earliest = this.earliest;
    if (earliest === undefined) return;
    const noEntry = this.asked.size === 0;
    for (const s of c.seen) {
      if (s.node === author) {
        if (atOrBefore(earliest, s)) reach(this.markers, s, at);
      } else if (!noEntry) {
        const a = this.asked.get(s.node);
        if (a !== undefined && atOrBefore(a.earliest, s)) reach(a.stack, s, at);
      }
    }
  }

  /** Who `v` (one of the items), kept after every version added, is charged to. */
  of(v: Version): NodeId {
    const author = v.ts.node;
    if (this.above.has(author)) return author;
    // A context entry of v's author at or after v (compareTs) is one at or after its (ms, counter).
    const stack = this.asked.get(author)?.stack;
    const at = Math.max(lastReaching(this.markers, v.ts), stack === undefined ? -1 : lastReaching(stack, v.ts));
    if (at >= 0) return this.by[at]!;
    // None covers it: the register's cut does (a fold past MAX_REGISTER_AUTHORS, which the versions
    // weighed before it caused), so the version of another author weighed last before it is charged
    // (test/unit/attack/h29-fold-charged.test.ts); its own author only when none is.
    return this.by.length > 0 ? this.by[this.by.length - 1]! : author;
  }
}

/**
 * Pushes `t`, reached by the version at `at`, dropping the entries it stands for (at or before it:
 * the entries of one author's stack are of that author, so compareTs orders them so too).
 */
function reach(stack: Stack, t: Timestamp, at: number): void {
  const ts = stack.t;
  while (ts.length > 0 && atOrBefore(ts[ts.length - 1]!, t)) {
    ts.pop();
    stack.at.pop();
  }
  ts.push(t);
  stack.at.push(at);
}

/** The place of the last entry of `stack` at or after `t`'s (ms, counter), or -1. */
function lastReaching(stack: Stack, t: Timestamp): number {
  const ts = stack.t;
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (atOrBefore(t, ts[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? -1 : stack.at[lo - 1]!;
}

/**
 * The kinds whose registers also keep, of each value they were delivered, its earliest version
 * (keptAsEvidence `firstOfValue`): a roster op is written once, and the stamp it counts at is that
 * of its first version, which a later version of the same op, or a twin in between, must not take
 * away from any replica (docs/security.md, "An op signed again").
 */
export function keepsFirstOfValue(kind: string): boolean {
  return kind === ROSTER_OP_KIND;
}

/**
 * Of each value among `versions` (per kind), the earliest version (its timestamp; under one
 * timestamp the content kept first, as weighOrder). A function of the versions alone: the earliest
 * of a value delivered is always among those a register holds (a head, or kept as evidence by this
 * rule, and ahead of the entity's bound: withinEntityBound), so what is kept is a function of the
 * versions ever delivered, whatever their order.
 */
function firstVersions(versions: readonly Version[]): Set<Version> {
  const byValue = new Map<string, Version>();
  for (const v of versions) {
    const key = v.kind + '\u0000' + canonicalContent({ value: v.value, seen: [] });
    const held = byValue.get(key);
    if (held === undefined || weighOrder(v, held) > 0) byValue.set(key, v);
  }
  return new Set(byValue.values());
}

/**
 * The order in which an entity's evidence, of all its kinds, meets the entity's bound: latest
 * timestamp first, then kind, then the content kept first (weighOrder within one kind). Restricted
 * to one kind it is weighOrder, so what the bound leaves of each register is a prefix of what
 * keptAsEvidence kept in its order.
 */
export function entityOrder(a: Version, b: Version): number {
  const c = compareTs(b.ts, a.ts);
  if (c !== 0) return c;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  return compareCanonical(contentOf(a), contentOf(b));
}

/**
 * The entity's bound, applied after the weighing (docs/security.md, "Twins and evidence"): of what
 * its registers keep (keptAsEvidence, each a function of the versions delivered to it), the first
 * `bound` stay and the rest are `cut`. The earliest version of each value of a register that keeps
 * them (keepsFirstOfValue: the stamp a roster op counts at, and each `add` signed under a roster id
 * is an admission, docs/security.md, "An op signed again", "An admission signed over") is never cut:
 * they come first, and stay even past the bound (then every other is cut), so that no other op its
 * author signs under the id, stamped before or after, takes one out. What bounds them is the
 * author's evidence bound (MAX_EVIDENCE_PER_AUTHOR: each is charged to its author, the id's), not
 * the entity's. Nor is the version carrying the largest floor an expiry carried (topCarrier). The
 * rest are cut as a suffix of entityOrder, so every version weighed before a kept
 * one that is not a first is kept, cut or taught by those: a cut version teaches nothing a kept one
 * needs, and each replica keeps the same versions, whatever the order they came in.
 */
export function withinEntityBound<E extends { readonly version: Version }>(
  items: readonly E[],
  bound: number,
): { kept: E[]; cut: E[] } {
  if (items.length <= bound) return { kept: [...items], cut: [] };
  const firsts = firstVersions(items.map((e) => e.version).filter((v) => keepsFirstOfValue(v.kind)));
  const top = topCarrier(items);
  if (top !== undefined) firsts.add(top);
  const sorted = [...items].sort((a, b) => boundOrder(a.version, b.version, firsts));
  // The first versions sort first and are never cut: they fill the bound before the rest, and past it.
  let pinned = 0;
  for (const e of items) if (firsts.has(e.version)) pinned++;
  const cut = sorted.slice(Math.max(bound, pinned));
  const out = new Set(cut);
  return { kept: items.filter((e) => !out.has(e)), cut };
}

/**
 * Of `items`, the expiry that carries the largest floor (carriedFloor; under one floor the first in
 * entityOrder), or undefined: none carries one. The entity's bound never cuts it (withinEntityBound):
 * every replica that receives it takes its floor for good (EntityState.raiseCarried), and it was kept
 * because nothing weighed after it carries as much, so once cut no version served teaches that floor
 * and a replica that never received it shows what the others hide
 * (test/unit/attack/h27-carried-floor-unserved.test.ts). Smaller floors kept are taught by it. One
 * per entity, charged as chargedFor says.
 */
function topCarrier<E extends { readonly version: Version }>(items: readonly E[]): Version | undefined {
  let top: Version | undefined;
  let most = 0;
  for (const e of items) {
    const f = carriedFloor(e.version);
    if (f === undefined) continue;
    if (top === undefined || f > most || (f === most && entityOrder(e.version, top) < 0)) {
      top = e.version;
      most = f;
    }
  }
  return top;
}

/** withinEntityBound's order: first versions (`firsts`, never cut) earliest first, then the rest in entityOrder. */
function boundOrder(a: Version, b: Version, firsts: ReadonlySet<Version>): number {
  const fa = firsts.has(a);
  if (fa !== firsts.has(b)) return fa ? -1 : 1;
  return (fa ? compareTs(a.ts, b.ts) : 0) || entityOrder(a, b);
}
