import type { Hlc } from '../core/clock/hlc';
import type { NodeId } from '../core/ids';
import type { Version } from '../core/merge/version';
import { versionKey } from '../ports/storage';
import type { HeldSkew } from './node-api';
import type { VersionSource } from './version-listeners';

/** Held versions grouped by the source they came by (undefined: not known). */
export type HeldBySource = Map<VersionSource | undefined, Version[]>;

interface Held {
  readonly v: Version;
  readonly source: VersionSource | undefined;
}

/** Bound on writes held for clock skew, so a peer with a wild clock cannot fill our memory. */
export const MAX_HELD = 10_000;

/**
 * Remote writes whose clock is too far ahead of ours wait here (docs/requirements.md §3) until our wall clock
 * catches up or the operator accepts that author's clock. They never move our clock meanwhile.
 */
export class SkewHold {
  private readonly held = new Map<NodeId, { versions: Held[]; skewMs: number }>();
  /** Keys of held versions: every neighbour re-offers the same write, which must be held once. */
  private readonly keys = new Set<string>();
  private count = 0;
  overflowed = 0;

  get size(): number {
    return this.count;
  }

  /** Holds `v`, remembering the link and path it came by so its release can be relayed the same way. */
  hold(v: Version, skewMs: number, source?: VersionSource): void {
    const key = versionKey(v);
    if (this.keys.has(key)) return;
    if (this.count >= MAX_HELD) {
      this.overflowed += 1;
      return;
    }
    const entry = this.held.get(v.ts.node) ?? { versions: [], skewMs };
    entry.versions.push({ v, source });
    this.keys.add(key);
    entry.skewMs = Math.max(entry.skewMs, skewMs);
    this.held.set(v.ts.node, entry);
    this.count += 1;
  }

  /** Versions whose lead over our wall clock is now within the limit. */
  releaseDue(clock: Hlc): HeldBySource {
    const due: Held[] = [];
    for (const [author, entry] of this.held) {
      const still: Held[] = [];
      for (const h of entry.versions) (clock.leadOf(h.v.ts) > clock.maxSkewMs ? still : due).push(h);
      this.count -= entry.versions.length - still.length;
      if (still.length === 0) this.held.delete(author);
      else entry.versions = still;
    }
    return this.forget(due);
  }

  /** All versions held from one author (the operator accepted its clock). */
  releaseAuthor(author: NodeId): HeldBySource {
    const entry = this.held.get(author);
    if (entry === undefined) return new Map();
    this.held.delete(author);
    this.count -= entry.versions.length;
    return this.forget(entry.versions);
  }

  private forget(held: readonly Held[]): HeldBySource {
    const out: HeldBySource = new Map();
    for (const { v, source } of held) {
      this.keys.delete(versionKey(v));
      const group = out.get(source);
      if (group === undefined) out.set(source, [v]);
      else group.push(v);
    }
    return out;
  }

  summary(): HeldSkew[] {
    return [...this.held].map(([author, e]) => ({ author, skewMs: e.skewMs, count: e.versions.length }));
  }
}
