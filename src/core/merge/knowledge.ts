import { compareTs, type Timestamp } from '../clock/timestamp';
import type { NodeId } from '../ids';
import { MAX_CONTEXT_ENTRIES, MAX_REGISTER_AUTHORS } from './context-limits';
import type { Version } from './version';

/**
 * The node of a cut raised by a rest marker: above every node id, so `compareTs(t, cut) <= 0` holds
 * for every timestamp at or before the marker's (ms, counter), whoever wrote it. A cut raised by
 * folding authors is the folded author's own timestamp.
 */
export const CUT_NODE = '\uffff' as NodeId;

/** What Knowledge.latestOwnBefore gives when a version is not its author's latest own write alone. */
export const NOT_LATEST: unique symbol = Symbol('not latest');

/** What Knowledge.learn reports: the cut rose. */
export const CUT_ROSE = 1;
/** What Knowledge.learn reports: the version's context covered a version not covered before. */
export const ADDED = 2;

/**
 * A context entry naming the version's own writer is its **rest marker**: the writer had seen
 * every write of the component at or before the marker's (ms, counter), of any author (what a
 * writer whose register folded authors into its cut, or named more than a context carries, passes
 * on; Knowledge.contextFor). As a cut: the marker's time over every node.
 */
export function markerCut(marker: Timestamp): Timestamp {
  return { ms: marker.ms, c: marker.c, node: CUT_NODE };
}

/**
 * What one replica has learned about one component's history: per author, which of its writes
 * count as seen, from the latest timestamp received from that author (every earlier write of it)
 * and the latest one that some received version's context names (every write up to it). A
 * version is superseded when any version ever delivered here had it in its causal context — not
 * only the current heads — so the result is a function of the set of delivered versions, whatever
 * their order, even when contexts are not causally closed (a context that omits what an earlier
 * write had seen) or when the versions that carried the knowledge were dropped by a tombstone or an
 * expiry. It grows by per-author maximum, a join-semilattice, and holds one timestamp per author
 * who ever wrote the component (or was named in a context).
 *
 * Canonical (issue 8): the state is the set of versions it covers, held in one way only. Per
 * author one bound (Entry): its own latest write when that is later than every context entry
 * naming it (writes before it are covered), else the latest context entry (writes up to it); the
 * other timestamp covers nothing more and is not kept. Nothing at or below the cut and nothing
 * `gone` (prune, learnAbove) is kept either. So two replicas that were delivered the same set of
 * versions hold equal state, whether or not they kept the versions that taught nothing new: a
 * register learned again from what it keeps (EntityState.liftFloor, relearn, withdraw) holds what
 * a replica that never dropped them holds (test/unit/attack/below-floor-expiries.test.ts).
 *
 * Bounded (docs/architecture.md, "The merge"): at most MAX_REGISTER_AUTHORS authors keep their
 * timestamps. Past that, the authors with the lowest latest timestamp are folded into the `cut`:
 * every version at or before it counts as seen, whoever wrote it. Folding only ever covers more
 * (it is a closure: what is covered grows with what is learned, and folding what was learned in
 * pieces gives what folding it at once gives), so the knowledge is still a function of the set of
 * delivered versions and a superseded version never comes back. A rest marker in a context
 * (markerCut) raises the cut too, which is how a writer passes its cut on.
 */
export class Knowledge {
  /**
   * The first author's entry, then the others in arrival order. Most components have one writer
   * (a sensor's track), which then costs one Entry and no array; a component has few writers, so
   * a scan finds an entry, until INDEX_FROM authors, past which a Map does (scenario 1's 50
   * concurrent writers made every merge scan them, several times).
   */
  private first: Entry | undefined;
  private rest: Entry[] | undefined;
  private index: Map<NodeId, Entry> | undefined;
  /** Every version at or before it (compareTs, CUT_NODE above every node) counts as seen. */
  private cut: Timestamp | undefined;
  /** Authors with an entry. */
  private count = 0;
  /**
   * The heads array taughtByAlone last held true for, until this knowledge changes (every method
   * that changes it clears this). Heads arrays are replaced, never changed in place (the store's
   * callers keep the arrays heads() gives), and versions are values, so the answer stands while
   * both do. Persisting a received frame asks it of every register of each entity the frame
   * touched (EntityState.restoredByVersions, src/node/entity-meta.ts), where the frame changed one
   * or two; reading every head of the others again was most of scenario 1's production ingest
   * (docs/benchmarks.md, scenario 1: the cache misses on ~85 heads an entity at 100k writes).
   */
  private alone: readonly Version[] | undefined = undefined;

  /**
   * Adds a version with an honest context (see hasHonestContext) and its context. Returns
   * CUT_ROSE if the cut rose (heads of any author may then be covered, not only those of the authors
   * `v` names), plus ADDED if `v`'s context covered a version not covered before (an entry above
   * what was learned of its author, a rest marker above the cut; `v`'s own timestamp aside): a
   * version refused here whose context added something is kept as evidence (store/evidence.ts).
   */
  learn(v: Version): number {
    this.alone = undefined;
    const author = v.ts.node;
    const cut = this.cut;
    if (cut === undefined || compareTs(v.ts, cut) > 0) this.entry(author).raiseOwn(v.ts);
    const seen = v.seen;
    let marker: Timestamp | undefined;
    let added = 0;
    for (let i = 0; i < seen.length; i++) {
      const s = seen[i]!;
      if (s.node === author) {
        marker = markerCut(s);
        if (cut === undefined || compareTs(marker, cut) > 0) added = ADDED;
      } else if (cut === undefined || compareTs(s, cut) > 0) {
        const e = this.entry(s.node);
        if (!e.covers(s)) added = ADDED;
        e.raiseSeen(s);
      }
    }
    return this.fold(marker) ? added | CUT_ROSE : added;
  }

  /**
   * As learn(), leaving out the context entries `gone` says are subsumed (at or below what the
   * entity holds gone for good, context-bound.ts): what prune() would drop is never learned.
   */
  learnAbove(v: Version, gone: (t: Timestamp) => boolean): number {
    this.alone = undefined;
    const author = v.ts.node;
    const cut = this.cut;
    // v's own timestamp too: prune() would drop it (a version refused at or below the floor or the
    // tombstone covers only versions that are gone as well).
    if ((cut === undefined || compareTs(v.ts, cut) > 0) && !gone(v.ts)) this.entry(author).raiseOwn(v.ts);
    const seen = v.seen;
    let marker: Timestamp | undefined;
    let added = 0;
    for (let i = 0; i < seen.length; i++) {
      const s = seen[i]!;
      if (s.node === author) {
        const m = markerCut(s);
        if (gone(m)) continue;
        marker = m;
        if (cut === undefined || compareTs(m, cut) > 0) added = ADDED;
      } else if (!gone(s) && (cut === undefined || compareTs(s, cut) > 0)) {
        const e = this.entry(s.node);
        if (!e.covers(s)) added = ADDED;
        e.raiseSeen(s);
      }
    }
    return this.fold(marker) ? added | CUT_ROSE : added;
  }

  /**
   * Raises the cut to `marker` and past the authors beyond MAX_REGISTER_AUTHORS (the lowest latest
   * timestamps first), then drops what the cut covers. Returns whether the cut rose.
   */
  private fold(marker: Timestamp | undefined): boolean {
    if (marker === undefined && this.count <= MAX_REGISTER_AUTHORS) return false;
    const before = this.cut;
    if (marker !== undefined) this.raiseCut(marker);
    if (this.count > MAX_REGISTER_AUTHORS) {
      const keys = this.all()
        .map(latestOf)
        .sort((a, b) => compareTs(b, a));
      this.raiseCut(keys[MAX_REGISTER_AUTHORS]!);
    }
    if (this.cut === before) return false;
    this.dropCovered();
    return true;
  }

  private raiseCut(t: Timestamp): void {
    if (this.cut === undefined || compareTs(t, this.cut) > 0) this.cut = t;
  }

  /** Drops every timestamp at or before the cut (the cut covers it), and authors left with none. */
  private dropCovered(): void {
    const cut = this.cut;
    if (cut !== undefined) this.prune((t) => compareTs(t, cut) <= 0, false);
  }

  /**
   * Drops every timestamp `gone` says is subsumed (at or below the entity's expiry floor or latest
   * tombstone, context-bound.ts), and authors left with none. Such a timestamp supersedes only
   * versions the floor or tombstone removes anyway, so what the register keeps and refuses is the
   * same; and since `gone` only grows, pruning after learning equals learning with learnAbove():
   * replicas that saw the floor or tombstone before or after a version hold the same knowledge.
   * Returns whether nothing is left.
   */
  prune(gone: (t: Timestamp) => boolean, cutToo = true): boolean {
    this.alone = undefined;
    if (cutToo && this.cut !== undefined && gone(this.cut)) this.cut = undefined;
    const kept: Entry[] = [];
    for (const e of this.all()) {
      if (e.own !== undefined && gone(e.own)) e.own = undefined;
      if (e.seen !== undefined && gone(e.seen)) e.seen = undefined;
      if (e.own !== undefined || e.seen !== undefined) kept.push(e);
    }
    this.first = undefined;
    this.rest = undefined;
    this.index = undefined;
    this.count = 0;
    for (const e of kept) this.add(e);
    return kept.length === 0 && this.cut === undefined;
  }

  /** An independent copy (EntityState.clone). */
  clone(): Knowledge {
    const k = new Knowledge();
    for (const e of this.all()) {
      const c = new Entry(e.node);
      c.own = e.own;
      c.seen = e.seen;
      k.add(c);
    }
    k.cut = this.cut;
    return k;
  }

  /** True when some version learned here had `v` in its causal history. */
  supersedes(v: Version): boolean {
    if (this.cut !== undefined && compareTs(v.ts, this.cut) <= 0) return true;
    const e = this.find(v.ts.node);
    if (e === undefined) return false;
    if (e.own !== undefined && compareTs(v.ts, e.own) < 0) return true;
    return e.seen !== undefined && compareTs(v.ts, e.seen) <= 0;
  }

  /**
   * Whether a version of `ts`'s author at or after `ts` was learned here and is not covered by a
   * context entry. When not, no head of the register can have that timestamp (every head was
   * learned when it was applied, and none is covered), and learning a context-free version by that
   * author supersedes none of its heads: both scans can be skipped.
   */
  heardOwn(ts: Timestamp): boolean {
    const own = this.find(ts.node)?.own;
    return own !== undefined && compareTs(ts, own) <= 0;
  }

  /**
   * For a context-free version at `ts` that learn() would only record as its author's latest own
   * write: later than everything learned of that author (own or seen) and than the cut, and not an
   * author past MAX_REGISTER_AUTHORS (which would fold). Then returns the author's own bound before
   * it (undefined: none, and the register holds no head by that author; else the one head it may
   * hold by that author is the one at that timestamp, which learning `ts` covers: see heardOwn).
   * Returns NOT_LATEST otherwise (learn() may then do more, or `ts` is covered). Changes nothing:
   * raiseLatestOwn(ts) learns it (EntityState.applyLatestOwn, issue 8: one lookup of the author
   * where heardOwn, heardFrom, learn and supersedes took four).
   */
  latestOwnBefore(ts: Timestamp): Timestamp | undefined | typeof NOT_LATEST {
    if (this.cut !== undefined && compareTs(ts, this.cut) <= 0) return NOT_LATEST;
    const e = this.find(ts.node);
    if (e === undefined) return this.count < MAX_REGISTER_AUTHORS ? undefined : NOT_LATEST;
    if (e.own !== undefined) return compareTs(ts, e.own) > 0 ? e.own : NOT_LATEST;
    return e.seen !== undefined && compareTs(ts, e.seen) <= 0 ? NOT_LATEST : undefined;
  }

  /**
   * learn() of a context-free version for which latestOwnBefore did not give NOT_LATEST. `from`,
   * `to`: the register's heads before, and after they took that version in place of its author's head at
   * the bound latestOwnBefore gave (if any, else beside them). When taughtByAlone held for the
   * heads before, it holds for those after (one own entry per head still: the author's entry
   * moved to the version that replaced its head, or was added with the version added; no cut, as
   * latestOwnBefore found none covering it), so it is not asked of every head again.
   */
  raiseLatestOwn(ts: Timestamp, from?: readonly Version[], to?: readonly Version[]): void {
    const was = this.alone;
    this.alone = undefined;
    this.entry(ts.node).raiseOwn(ts);
    if (was !== undefined && was === from) this.alone = to;
  }

  /**
   * Whether a version by `node` was learned here (its own, not a context entry) that no context
   * entry covers: when not, the register holds no head by `node`, and learning a context-free
   * version by it drops none.
   */
  heardFrom(node: NodeId): boolean {
    return this.find(node)?.own !== undefined;
  }

  /**
   * The one author this register knows of, when its bound is its own latest write (no context
   * entry names it at or after that write, and none names anyone else): a sensor's own track.
   */
  get soleAuthor(): NodeId | undefined {
    const e = this.rest === undefined && this.cut === undefined ? this.first : undefined;
    return e?.seen === undefined ? e?.node : undefined;
  }

  /**
   * The context of a new write by `self`: everything learned, except self's own writes (implied).
   * At most MAX_CONTEXT_ENTRIES entries: with a cut, or more other authors than that, the latest
   * MAX_CONTEXT_ENTRIES - 1 authors are named and a rest marker (an entry naming `self`) at the
   * latest of the cut and the authors left out covers the rest; every replica learns it as a cut
   * (markerCut), so the write still tells every replica all its writer had seen, and more. The
   * marker is before the write's own timestamp: the clock issues past every timestamp it observed.
   */
  contextFor(self: NodeId): Timestamp[] {
    const out: Timestamp[] = [];
    for (const e of this.all()) if (e.node !== self) out.push(latestOf(e));
    if (this.cut === undefined && out.length <= MAX_CONTEXT_ENTRIES) return out.sort(compareTs);
    out.sort((a, b) => compareTs(b, a));
    const named = out.slice(0, MAX_CONTEXT_ENTRIES - 1);
    let rest = this.cut;
    const left = out[MAX_CONTEXT_ENTRIES - 1];
    if (left !== undefined && (rest === undefined || compareTs(left, rest) > 0)) rest = left;
    named.push({ ms: rest!.ms, c: rest!.c, node: self });
    return named.sort(compareTs);
  }

  /**
   * The state as text, entries sorted by author: equal for equal knowledge whatever the arrival
   * order (tests compare replicas with it).
   */
  canonical(): string {
    const show = (t: Timestamp): string => `${t.ms}.${t.c}.${t.node}`;
    const lines = this.all()
      .map(
        (e) =>
          `${e.node}:${e.own === undefined ? '' : ` own ${show(e.own)}`}${e.seen === undefined ? '' : ` seen ${show(e.seen)}`}`,
      )
      .sort();
    if (this.cut !== undefined) lines.push(`cut ${show(this.cut)}`);
    return lines.join('\n');
  }

  /** Plain data, for a snapshot that storage can keep. */
  snapshot(): KnowledgeSnapshot {
    const own: Timestamp[] = [];
    const seen: Timestamp[] = [];
    for (const e of this.all()) {
      if (e.own !== undefined) own.push(e.own);
      if (e.seen !== undefined) seen.push(e.seen);
    }
    return this.cut === undefined ? { own, seen } : { own, seen, cut: this.cut };
  }

  /** What a register whose one head is `v` knows when nothing else was ever delivered to it. */
  static of(v: Version): Knowledge {
    const k = new Knowledge();
    k.learn(v);
    return k;
  }

  /**
   * Whether this is exactly what `heads` teach when learned alone (in any order): no cut, no context
   * entry, and per head one entry, its author's own latest write at the head's timestamp, each head
   * free of context. Context-free versions of distinct authors cover none of each other, so learning
   * them gives one own entry each and nothing more; a register whose heads are so is restored by
   * its heads alone (EntityState.restoredByVersions): scenario 1's concurrent writers, whose
   * knowledge is their latest heads, then need no stored meta (docs/benchmarks.md, scenario 1).
   */
  taughtByAlone(heads: readonly Version[]): boolean {
    if (this.alone === heads) return true;
    if (this.cut !== undefined || this.count !== heads.length) return false;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (h.seen.length > 0) return false;
      const e = this.find(h.ts.node);
      // One entry per head: equal counts, and no two heads match one entry (one own timestamp each).
      if (e?.own === undefined || e.seen !== undefined || compareTs(e.own, h.ts) !== 0) return false;
    }
    this.alone = heads;
    return true;
  }

  /** Nothing learned (or everything pruned). */
  get empty(): boolean {
    return this.first === undefined && this.cut === undefined;
  }

  /**
   * Whether this is exactly what `v` alone teaches: its author's own write at v's timestamp and no
   * context entry. A register whose one head is such a `v` then needs no Knowledge of its own:
   * the head is the knowledge (see EntityState).
   */
  impliedBy(v: Version): boolean {
    const f = this.first;
    return (
      f !== undefined &&
      this.rest === undefined &&
      this.cut === undefined &&
      f.seen === undefined &&
      v.seen.length === 0 &&
      f.node === v.ts.node &&
      f.own !== undefined &&
      compareTs(f.own, v.ts) === 0
    );
  }

  static from(snapshot: KnowledgeSnapshot): Knowledge {
    const k = new Knowledge();
    for (const t of snapshot.own) k.entry(t.node).raiseOwn(t);
    for (const t of snapshot.seen) k.entry(t.node).raiseSeen(t);
    if (snapshot.cut !== undefined) k.raiseCut(snapshot.cut);
    // A snapshot of an older build may name more authors than are kept now.
    k.fold(undefined);
    k.dropCovered();
    return k;
  }

  private all(): Entry[] {
    if (this.first === undefined) return [];
    return this.rest === undefined ? [this.first] : [this.first, ...this.rest];
  }

  private find(node: NodeId): Entry | undefined {
    const first = this.first;
    if (first === undefined || first.node === node) return first;
    if (this.index !== undefined) return this.index.get(node);
    const rest = this.rest;
    if (rest !== undefined) for (let i = 0; i < rest.length; i++) if (rest[i]!.node === node) return rest[i];
    return undefined;
  }

  private entry(node: NodeId): Entry {
    let e = this.find(node);
    if (e !== undefined) return e;
    e = new Entry(node);
    this.add(e);
    return e;
  }

  private add(e: Entry): void {
    const node = e.node;
    this.count += 1;
    if (this.first === undefined) this.first = e;
    else if (this.rest === undefined) this.rest = [e];
    else {
      this.rest.push(e);
      if (this.index !== undefined) this.index.set(node, e);
      else if (this.rest.length >= INDEX_FROM) this.index = new Map(this.rest.map((r) => [r.node, r]));
    }
  }
}

/** An author's latest timestamp learned, own or seen: what a context names of it. */
function latestOf(e: Entry): Timestamp {
  return e.own === undefined || (e.seen !== undefined && compareTs(e.seen, e.own) > 0) ? e.seen! : e.own;
}

/** Authors (besides the first) from which a register's knowledge is indexed by a Map rather than scanned. */
const INDEX_FROM = 8;

export interface KnowledgeSnapshot {
  readonly own: readonly Timestamp[];
  readonly seen: readonly Timestamp[];
  /** Every version at or before it counts as seen (authors folded, rest markers); its node may be CUT_NODE. */
  readonly cut?: Timestamp;
}

/**
 * What one register learned about one author: one bound, `own` or `seen`, never both (the
 * canonical form, see Knowledge). A context entry at or after the latest own write covers that
 * write and all before it; a context entry before it is covered by it. Without this a replica kept
 * whichever redundant timestamp it happened to receive (a superseded version of the author, a
 * context naming a write it also received) and another, which received the same versions or
 * relearned from fewer that teach the same, did not (issue 8).
 */
class Entry {
  /** Latest own timestamp received, when later than every context entry: every earlier write of that author is superseded. */
  own: Timestamp | undefined;
  /** Latest context entry received, when at or after every own write: every write of that author up to it is superseded. */
  seen: Timestamp | undefined;

  constructor(readonly node: NodeId) {}

  raiseOwn(t: Timestamp): void {
    if (this.seen !== undefined && compareTs(t, this.seen) <= 0) return;
    if (this.own === undefined || compareTs(t, this.own) > 0) {
      this.own = t;
      this.seen = undefined;
    }
  }

  raiseSeen(t: Timestamp): void {
    if (this.own !== undefined && compareTs(t, this.own) < 0) return;
    if (this.seen === undefined || compareTs(t, this.seen) > 0) {
      this.seen = t;
      this.own = undefined;
    }
  }

  /** Whether the write at `t` of this author counts as seen: a context named it, or a later own write came. */
  covers(t: Timestamp): boolean {
    return (
      (this.seen !== undefined && compareTs(t, this.seen) <= 0) ||
      (this.own !== undefined && compareTs(t, this.own) < 0)
    );
  }
}

/**
 * A context an honest writer can produce: at most MAX_CONTEXT_ENTRIES entries, at most one per
 * author (one naming the writer itself is its rest marker, see markerCut; its own earlier writes are
 * implied anyway) and none from the writer's own future (its clock observed everything it saw).
 * Anything else comes from a buggy or hostile peer and is refused on every node alike, because the
 * check looks at the version alone.
 */
export function hasHonestContext(v: Version): boolean {
  const seen = v.seen;
  if (seen.length > MAX_CONTEXT_ENTRIES) return false;
  for (let i = 0; i < seen.length; i++) {
    const s = seen[i]!;
    if (compareTs(s, v.ts) >= 0) return false;
    // Contexts are short (one entry per other writer of the component): a scan beats a Set.
    for (let j = 0; j < i; j++) if (seen[j]!.node === s.node) return false;
  }
  return true;
}
