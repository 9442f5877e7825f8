import { compareTs, type Timestamp } from '../clock/timestamp';
import type { EntityId, NodeId } from '../ids';
import { markerCut } from '../merge/knowledge';
import type { Version } from '../merge/version';
import { canonicalContent, compareCanonical } from '../merge/version-content';

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
 * Evidence is stored (in its entity's meta), in the sync index and served by reconciliation like any
 * version, so every replica that syncs learns the same contexts: knowledge is a join, and the heads
 * follow from it. It goes when a tombstone or an expiry floor subsumes it, or when a kept version
 * implies it.
 */
export interface Evidence {
  readonly version: Version;
  /**
   * The author charged for it (EvidenceLedger): its version's author, whoever delivered what made
   * the node keep it, so that another author's delivery never counts against an honest writer.
   */
  readonly by: NodeId;
}

/**
 * Evidence charged to one author that a node keeps at once. Like the entity's and the node's bound,
 * applied after the weighing in the fixed order (`evidenceOrder`, `EvidenceLedger.trim`): of what
 * the weighing keeps charged to the author, over all entities, the first 1,024 in that order stay;
 * a delivery that would be kept past them is refused before anything is learned from it (held back,
 * asked for again later), and one kept before them releases the last, wherever it is. So what a
 * node keeps is a function of the versions delivered, not of their order: an honest author keeps
 * none but for a moment (a late version whose tombstone has not arrived yet), a member signing
 * twins or contexts that leave out what it named before is equivocating. ~1,024 × 8 KB worst case
 * (a 4 KB value, 64 context entries, a batch proof).
 */
export const MAX_EVIDENCE_PER_AUTHOR = 1_024;

/**
 * Evidence the node keeps at once, over all authors: four authors at their bound (as the register
 * budget's OPEN_LATTICE_SHARERS). Applied as the author's bound is, in the same order over every
 * author's evidence. ~32 MB worst case.
 */
export const MAX_EVIDENCE = 4 * MAX_EVIDENCE_PER_AUTHOR;

/**
 * Evidence one entity may keep: storage rewrites an entity's meta, evidence included, whenever the
 * entity changes (src/node/entity-meta.ts), so this bounds that cost (~512 KB worst case) as well as
 * what one hostile member can pile on one honest track. Applied as the author's bound is
 * (`EvidenceLedger.trim`): the entity keeps the first 64 of what it would keep unbounded, whoever's.
 */
export const MAX_EVIDENCE_PER_ENTITY = 64;

/** What the store counts about evidence and twins (securityStats: `equivocations`, `evidence`). */
export interface EvidenceStats {
  /** Deliveries of a content under a timestamp the register held with another content (twins met). */
  readonly equivocations: number;
  /** Evidence kept now, and how many authors were charged for it. */
  readonly held: number;
  readonly authors: number;
  /** Deliveries refused because they would be kept past an evidence bound (the entity's, the author's, the node's). */
  readonly refused: number;
  readonly limit: { readonly perAuthor: number; readonly node: number; readonly perEntity: number };
}

/** What `EvidenceLedger.trim` leaves of one entity's evidence after a weighing. */
export interface Trimmed<E extends Evidence> {
  /** The entity's evidence within every bound (in the order given; `next` itself when nothing is cut). */
  readonly kept: E[];
  /** The entity's own evidence past a bound. */
  readonly cut: readonly E[];
  /** Evidence of other entities pushed past a bound: their entities release it (EntityStore). */
  readonly displaced: readonly Evidence[];
}

/**
 * The evidence the node keeps, per author charged and over all, each in the fixed order
 * (`evidenceOrder`), and the bounds (one per EntityStore).
 *
 * The bounds are one greedy pass over all the evidence the weighing keeps (keptAsEvidence), in that
 * order: an item stays iff fewer than `perEntity` of its entity's, `perAuthor` of its author's and
 * `node` of all items before it stayed. What each register keeps depends only on the versions
 * weighed before it (latest first, the same order restricted to one register), and an item cut
 * teaches nothing an item before it needs, so the pass is a function of the versions delivered
 * whatever their order: replicas that have exchanged what they serve keep the same evidence
 * (docs/security.md, "Twins and evidence"). Before, the author's and the node's bounds refused what
 * arrived past them, and replicas fed in different orders kept different evidence for good.
 */
export class EvidenceLedger {
  /** Per author charged: its evidence, in evidenceOrder. */
  private readonly byAuthor = new Map<NodeId, Evidence[]>();
  /** All of it, in evidenceOrder. */
  private readonly all: Evidence[] = [];
  equivocations = 0;
  refused = 0;

  constructor(
    readonly perAuthor = MAX_EVIDENCE_PER_AUTHOR,
    readonly node = MAX_EVIDENCE,
    readonly perEntity = MAX_EVIDENCE_PER_ENTITY,
  ) {}

  /** Evidence charged to `author` now. */
  count(author: NodeId): number {
    return this.byAuthor.get(author)?.length ?? 0;
  }

  charge(items: readonly Evidence[]): void {
    for (const e of items) {
      let list = this.byAuthor.get(e.by);
      if (list === undefined) this.byAuthor.set(e.by, (list = []));
      insertSorted(list, e);
      insertSorted(this.all, e);
    }
  }

  refund(items: readonly Evidence[]): void {
    for (const e of items) {
      const list = this.byAuthor.get(e.by);
      if (list !== undefined && removeSorted(list, e) && list.length === 0) this.byAuthor.delete(e.by);
      removeSorted(this.all, e);
    }
  }

  get held(): number {
    return this.all.length;
  }

  /**
   * The bounds, applied to one entity's evidence after its weighing: `before` is what the entity
   * held (charged here), `next` what the weighing keeps. One step of the greedy pass (above) at a
   * time: while some bound is exceeded, the item that the pass would cut first (for each bound
   * exceeded, its item at the bound's index; of those, the first in evidenceOrder) goes: from
   * `next` (cut) or from another entity (displaced). What is charged here is within the bounds, so
   * each step looks only at the last few items of a list. Charges nothing: the store does, with
   * what the entity then keeps and releases.
   */
  trim<E extends Evidence>(entity: EntityId, before: readonly Evidence[], next: E[]): Trimmed<E> {
    let total = this.all.length - before.length + next.length;
    if (this.fits(before, next, total)) return { kept: next, cut: NONE, displaced: NONE };
    // Per author, how many more this entity charges it (only authors it charges more can go over).
    const delta = new Map<NodeId, number>();
    for (const e of before) delta.set(e.by, (delta.get(e.by) ?? 0) - 1);
    for (const e of next) delta.set(e.by, (delta.get(e.by) ?? 0) + 1);
    const rising = [...delta.keys()].filter((a) => delta.get(a)! > 0);
    const over = (author: NodeId): number => this.count(author) + delta.get(author)! - this.perAuthor;
    const here = [...next];
    const cut: E[] = [];
    const displaced: Evidence[] = [];
    const gone = new Set<Evidence>();
    const elsewhere = (e: Evidence): boolean => e.version.entity !== entity && !gone.has(e);
    for (;;) {
      let first: Evidence | undefined = here.length > this.perEntity ? nth(here, this.perEntity) : undefined;
      for (const a of rising) {
        const k = over(a);
        if (k > 0)
          first = earlier(
            first,
            lastOf(this.byAuthor.get(a) ?? [], here, (e) => e.by === a, elsewhere, k),
          );
      }
      if (total > this.node)
        first = earlier(
          first,
          lastOf(this.all, here, () => true, elsewhere, total - this.node),
        );
      if (first === undefined) break;
      if (first.version.entity === entity) {
        here.splice(here.indexOf(first as E), 1);
        cut.push(first as E);
      } else {
        gone.add(first);
        displaced.push(first);
      }
      total -= 1;
      delta.set(first.by, (delta.get(first.by) ?? 0) - 1);
    }
    if (cut.length === 0) return { kept: here, cut, displaced };
    const cutSet = new Set<Evidence>(cut);
    return { kept: next.filter((e) => !cutSet.has(e)), cut, displaced };
  }

  /**
   * Whether no bound is exceeded once the entity holds `next` instead of `before` (trim's common
   * case, decided without allocating: honest traffic keeps at most a late version or two).
   */
  private fits(before: readonly Evidence[], next: readonly Evidence[], total: number): boolean {
    if (next.length > this.perEntity || total > this.node) return false;
    for (let i = 0; i < next.length; i++) {
      const a = next[i]!.by;
      const held = this.count(a);
      if (held + next.length <= this.perAuthor) continue;
      let n = 0;
      for (let j = 0; j < next.length; j++) if (next[j]!.by === a) n += 1;
      for (let j = 0; j < before.length; j++) if (before[j]!.by === a) n -= 1;
      if (held + n > this.perAuthor) return false;
    }
    return true;
  }

  stats(): EvidenceStats {
    return {
      equivocations: this.equivocations,
      held: this.all.length,
      authors: this.byAuthor.size,
      refused: this.refused,
      limit: { perAuthor: this.perAuthor, node: this.node, perEntity: this.perEntity },
    };
  }
}

const NONE: readonly never[] = Object.freeze([]);

/** Whichever of the two comes first in evidenceOrder. */
function earlier(a: Evidence | undefined, b: Evidence | undefined): Evidence | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return evidenceOrder(b.version, a.version) < 0 ? b : a;
}

/** The item at index `n` of `items` in evidenceOrder (n < items.length). */
function nth<E extends Evidence>(items: readonly E[], n: number): E {
  return [...items].sort((a, b) => evidenceOrder(a.version, b.version))[n]!;
}

/**
 * The first of the last `k` items of `charged` (kept in evidenceOrder; only those for which
 * `keep` holds: of another entity, not displaced yet) together with those of `here` that `mine`
 * picks: the item at the bound's index of that list. The last `k` of the union lie among the last
 * `k` of each part, so only those are looked at.
 */
function lastOf(
  charged: readonly Evidence[],
  here: readonly Evidence[],
  mine: (e: Evidence) => boolean,
  keep: (e: Evidence) => boolean,
  k: number,
): Evidence | undefined {
  const tail: Evidence[] = [];
  for (let i = charged.length - 1; i >= 0 && tail.length < k; i--) if (keep(charged[i]!)) tail.push(charged[i]!);
  for (const e of here) if (mine(e)) tail.push(e);
  if (tail.length < k) return undefined;
  tail.sort((a, b) => evidenceOrder(a.version, b.version));
  return tail[tail.length - k];
}

/** Inserts `e` into `list`, kept in evidenceOrder. */
function insertSorted(list: Evidence[], e: Evidence): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (evidenceOrder(list[mid]!.version, e.version) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, e);
}

/** Removes `e` (or an item for its version) from `list`, kept in evidenceOrder; whether it was there. */
function removeSorted(list: Evidence[], e: Evidence): boolean {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (evidenceOrder(list[mid]!.version, e.version) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < list.length && evidenceOrder(list[i]!.version, e.version) === 0; i++) {
    if (list[i] === e || list[i]!.version === e.version) {
      list.splice(i, 1);
      return true;
    }
  }
  // Not found where its order puts it (a version equal in order but another object): a scan.
  const i = list.findIndex((x) => x === e || x.version === e.version);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}

/**
 * Whether `a` alone teaches all `b` teaches (what Covers holding `a` alone says, without building
 * one): its author's writes before it, every context entry and the rest marker of `b`, leaving out
 * what `gone` says is subsumed. An honest `a` that saw `b` does (its context is all its writer had
 * learned); a write that saw another content of `b`'s timestamp, or that left out what `b` named,
 * may not. The cheap test a dropped head, or a refused version, passes before the full weighing.
 */
export function implies(a: Version, b: Version, gone?: (t: Timestamp) => boolean): boolean {
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

  constructor(private readonly gone: ((t: Timestamp) => boolean) | undefined) {}

  add(v: Version): void {
    const author = v.ts.node;
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
   * seen (its own timestamp), each of its context entries, and its rest marker.
   */
  implies(e: Version): boolean {
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
): E[] {
  const all: { readonly v: Version; readonly e: E | undefined }[] = [];
  for (const h of heads) all.push({ v: h, e: undefined });
  for (const e of pool) all.push({ v: e.version, e });
  all.sort((a, b) => weighOrder(a.v, b.v));
  const covers = new Covers(gone);
  const kept: E[] = [];
  for (const { v, e } of all) {
    if (e !== undefined && !covers.implies(v)) kept.push(e);
    covers.add(v);
  }
  return kept;
}

/**
 * The fixed order in which evidence meets the bounds (EvidenceLedger.trim): latest timestamp first,
 * then kind, then entity, then the content kept first. Restricted to one register it is weighOrder,
 * so what the bounds leave of each register is a prefix of what keptAsEvidence kept in its order.
 * The entity comes before the content so that items of different entities are told apart without
 * making their canonical content.
 */
export function evidenceOrder(a: Version, b: Version): number {
  const c = compareTs(b.ts, a.ts);
  if (c !== 0) return c;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  if (a.entity !== b.entity) return a.entity < b.entity ? -1 : 1;
  if (a === b) return 0;
  return compareCanonical(contentOf(a), contentOf(b));
}
