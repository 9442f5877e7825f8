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
   * One entry per author, in arrival order: a short array, since a component has few writers
   * (a scan beats a Map there, and it costs far less memory per register).
   */
  private readonly entries: Entry[] = [];

  /** Adds a version with an honest context (see hasHonestContext) and its context. */
  learn(v: Version): void {
    this.entry(v.ts.node).raiseOwn(v.ts);
    for (const s of v.seen) this.entry(s.node).raiseSeen(s);
  }

  /** True when some version learned here had `v` in its causal history. */
  supersedes(v: Version): boolean {
    const e = this.find(v.ts.node);
    if (e === undefined) return false;
    if (e.own !== undefined && compareTs(v.ts, e.own) < 0) return true;
    return e.seen !== undefined && compareTs(v.ts, e.seen) <= 0;
  }

  /** The one author this register ever heard of, when no context ever named anyone: a sensor's own track. */
  get soleAuthor(): NodeId | undefined {
    const e = this.entries.length === 1 ? this.entries[0]! : undefined;
    return e?.seen === undefined ? e?.node : undefined;
  }

  /** The context of a new write by `self`: everything learned, except self's own writes (implied). */
  contextFor(self: NodeId): Timestamp[] {
    const out: Timestamp[] = [];
    for (const e of this.entries) {
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
    for (const e of this.entries) {
      if (e.own !== undefined) own.push(e.own);
      if (e.seen !== undefined) seen.push(e.seen);
    }
    return { own, seen };
  }

  static from(snapshot: KnowledgeSnapshot): Knowledge {
    const k = new Knowledge();
    for (const t of snapshot.own) k.entry(t.node).raiseOwn(t);
    for (const t of snapshot.seen) k.entry(t.node).raiseSeen(t);
    return k;
  }

  private find(node: NodeId): Entry | undefined {
    for (const e of this.entries) if (e.node === node) return e;
    return undefined;
  }

  private entry(node: NodeId): Entry {
    let e = this.find(node);
    if (e === undefined) {
      e = new Entry(node);
      this.entries.push(e);
    }
    return e;
  }
}

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
