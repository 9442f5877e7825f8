import { compareTs, type Timestamp } from '../clock/timestamp';
import type { NodeId } from '../ids';
import type { Version } from './version';

/**
 * What one replica has learned about one component's history: per author, the latest timestamp it
 * received from that author, and the latest one that some received version's context covers. A
 * version is superseded when any version ever delivered here had it in its causal context — not
 * only the current heads — so the result is a function of the set of delivered versions, whatever
 * their order, even when contexts are not causally closed (a context that omits what an earlier
 * write had seen) or when the versions that carried the knowledge were dropped by a tombstone or an
 * expiry. It grows by per-author maximum, a join-semilattice, and holds at most one timestamp per
 * author (two, counting the context entries) who ever wrote the component.
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

  /** Adds a version with an honest context (see hasHonestContext) and its context. */
  learn(v: Version): void {
    this.entry(v.ts.node).raiseOwn(v.ts);
    const seen = v.seen;
    for (let i = 0; i < seen.length; i++) this.entry(seen[i]!.node).raiseSeen(seen[i]!);
  }

  /**
   * As learn(), leaving out the context entries `gone` says are subsumed (at or below what the
   * entity holds gone for good, context-bound.ts): what prune() would drop is never learned.
   */
  learnAbove(v: Version, gone: (t: Timestamp) => boolean): void {
    this.entry(v.ts.node).raiseOwn(v.ts);
    const seen = v.seen;
    for (let i = 0; i < seen.length; i++) if (!gone(seen[i]!)) this.entry(seen[i]!.node).raiseSeen(seen[i]!);
  }

  /**
   * Drops every timestamp `gone` says is subsumed (at or below the entity's expiry floor or latest
   * tombstone, context-bound.ts), and authors left with none. Such a timestamp supersedes only
   * versions the floor or tombstone removes anyway, so what the register keeps and refuses is the
   * same; and since `gone` only grows, pruning after learning equals learning with learnAbove():
   * replicas that saw the floor or tombstone before or after a version hold the same knowledge.
   * Returns whether nothing is left.
   */
  prune(gone: (t: Timestamp) => boolean): boolean {
    const kept: Entry[] = [];
    for (const e of this.all()) {
      if (e.own !== undefined && gone(e.own)) e.own = undefined;
      if (e.seen !== undefined && gone(e.seen)) e.seen = undefined;
      if (e.own !== undefined || e.seen !== undefined) kept.push(e);
    }
    this.first = undefined;
    this.rest = undefined;
    this.index = undefined;
    for (const e of kept) this.add(e);
    return kept.length === 0;
  }

  /** True when some version learned here had `v` in its causal history. */
  supersedes(v: Version): boolean {
    const e = this.find(v.ts.node);
    if (e === undefined) return false;
    if (e.own !== undefined && compareTs(v.ts, e.own) < 0) return true;
    return e.seen !== undefined && compareTs(v.ts, e.seen) <= 0;
  }

  /**
   * Whether a version of `ts`'s author at or after `ts` was learned here. When not, no head of the
   * register can have that timestamp (every head was learned when it was applied), and learning a
   * context-free version by that author supersedes none of its heads: both scans can be skipped.
   */
  heardOwn(ts: Timestamp): boolean {
    const own = this.find(ts.node)?.own;
    return own !== undefined && compareTs(ts, own) <= 0;
  }

  /** Whether any version by `node` was learned here (its own, not a context entry). */
  heardFrom(node: NodeId): boolean {
    return this.find(node)?.own !== undefined;
  }

  /** The one author this register ever heard of, when no context ever named anyone: a sensor's own track. */
  get soleAuthor(): NodeId | undefined {
    const e = this.rest === undefined ? this.first : undefined;
    return e?.seen === undefined ? e?.node : undefined;
  }

  /** The context of a new write by `self`: everything learned, except self's own writes (implied). */
  contextFor(self: NodeId): Timestamp[] {
    const out: Timestamp[] = [];
    for (const e of this.all()) {
      if (e.node === self) continue;
      const latest = e.own === undefined || (e.seen !== undefined && compareTs(e.seen, e.own) > 0) ? e.seen : e.own;
      out.push(latest!);
    }
    return out.sort(compareTs);
  }

  /** Plain data, for a snapshot that storage can keep. */
  snapshot(): KnowledgeSnapshot {
    const own: Timestamp[] = [];
    const seen: Timestamp[] = [];
    for (const e of this.all()) {
      if (e.own !== undefined) own.push(e.own);
      if (e.seen !== undefined) seen.push(e.seen);
    }
    return { own, seen };
  }

  /** What a register whose one head is `v` knows when nothing else was ever delivered to it. */
  static of(v: Version): Knowledge {
    const k = new Knowledge();
    k.learn(v);
    return k;
  }

  /** Nothing learned (or everything pruned). */
  get empty(): boolean {
    return this.first === undefined;
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
    if (this.first === undefined) this.first = e;
    else if (this.rest === undefined) this.rest = [e];
    else {
      this.rest.push(e);
      if (this.index !== undefined) this.index.set(node, e);
      else if (this.rest.length >= INDEX_FROM) this.index = new Map(this.rest.map((r) => [r.node, r]));
    }
  }
}

/** Authors (besides the first) from which a register's knowledge is indexed by a Map rather than scanned. */
const INDEX_FROM = 8;

export interface KnowledgeSnapshot {
  readonly own: readonly Timestamp[];
  readonly seen: readonly Timestamp[];
}

/** What one register learned about one author. */
class Entry {
  /** Latest own timestamp received: every earlier write of that author is superseded. */
  own: Timestamp | undefined;
  /** Latest context entry received: every write of that author up to it is superseded. */
  seen: Timestamp | undefined;

  constructor(readonly node: NodeId) {}

  raiseOwn(t: Timestamp): void {
    if (this.own === undefined || compareTs(t, this.own) > 0) this.own = t;
  }

  raiseSeen(t: Timestamp): void {
    if (this.seen === undefined || compareTs(t, this.seen) > 0) this.seen = t;
  }
}

/**
 * A context an honest writer can produce: at most one entry per author, none for the writer itself
 * (its own earlier writes are implied) and none from the writer's own future (its clock observed
 * everything it saw). Anything else comes from a buggy or hostile peer and is refused on every node
 * alike, because the check looks at the version alone.
 */
export function hasHonestContext(v: Version): boolean {
  const seen = v.seen;
  for (let i = 0; i < seen.length; i++) {
    const s = seen[i]!;
    if (s.node === v.ts.node || compareTs(s, v.ts) >= 0) return false;
    // Contexts are short (one entry per other writer of the component): a scan beats a Set.
    for (let j = 0; j < i; j++) if (seen[j]!.node === s.node) return false;
  }
  return true;
}
