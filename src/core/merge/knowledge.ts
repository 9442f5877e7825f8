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
  /** Latest own timestamp received per author: every earlier write of that author is superseded. */
  private readonly own = new Map<NodeId, Timestamp>();
  /** Latest context entry per author: every write of that author up to it is superseded. */
  private readonly seen = new Map<NodeId, Timestamp>();

  /** Adds a well-formed version (see isWellFormed) and its context. */
  learn(v: Version): void {
    raise(this.own, v.ts);
    for (const s of v.seen) raise(this.seen, s);
  }

  /** True when some version learned here had `v` in its causal history. */
  supersedes(v: Version): boolean {
    const t = v.ts;
    const own = this.own.get(t.node);
    if (own !== undefined && compareTs(t, own) < 0) return true;
    const seen = this.seen.get(t.node);
    return seen !== undefined && compareTs(t, seen) <= 0;
  }

  /** The context of a new write by `self`: everything learned, except self's own writes (implied). */
  contextFor(self: NodeId): Timestamp[] {
    const byNode = new Map<NodeId, Timestamp>();
    for (const map of [this.own, this.seen]) {
      for (const [node, t] of map) if (node !== self) raise(byNode, t);
    }
    return [...byNode.values()].sort(compareTs);
  }

  /** Plain data, for a snapshot that storage can keep. */
  entries(): { readonly own: Timestamp[]; readonly seen: Timestamp[] } {
    return { own: [...this.own.values()], seen: [...this.seen.values()] };
  }

  static from(entries: { readonly own: readonly Timestamp[]; readonly seen: readonly Timestamp[] }): Knowledge {
    const k = new Knowledge();
    for (const t of entries.own) raise(k.own, t);
    for (const t of entries.seen) raise(k.seen, t);
    return k;
  }
}

function raise(map: Map<NodeId, Timestamp>, t: Timestamp): void {
  const prev = map.get(t.node);
  if (prev === undefined || compareTs(t, prev) > 0) map.set(t.node, t);
}

/**
 * A context an honest writer can produce: at most one entry per author, none for the writer itself
 * (its own earlier writes are implied) and none from the writer's own future (its clock observed
 * everything it saw). Anything else comes from a buggy or hostile peer and is refused on every node
 * alike, because the check looks at the version alone.
 */
export function isWellFormed(v: Version): boolean {
  const authors = new Set<NodeId>();
  for (const s of v.seen) {
    if (s.node === v.ts.node || compareTs(s, v.ts) >= 0 || authors.has(s.node)) return false;
    authors.add(s.node);
  }
  return true;
}
