import type { Hlc } from '../core/clock/hlc';
import type { NodeId } from '../core/ids';
import type { Version } from '../core/merge/version';
import { versionKey } from '../ports/storage';
import type { HeldSkew } from './node-api';

/** Bound on writes held for clock skew, so a peer with a wild clock cannot fill our memory. */
export const MAX_HELD = 10_000;

/**
 * Remote writes whose clock is too far ahead of ours wait here (docs/requirements.md §3) until our wall clock
 * catches up or the operator accepts that author's clock. They never move our clock meanwhile.
 */
export class SkewHold {
  private readonly held = new Map<NodeId, { versions: Version[]; skewMs: number }>();
  /** Keys of held versions: every neighbour re-offers the same write, which must be held once. */
  private readonly keys = new Set<string>();
  private count = 0;
  overflowed = 0;

  get size(): number {
    return this.count;
  }

  hold(v: Version, skewMs: number): void {
    const key = versionKey(v);
    if (this.keys.has(key)) return;
    if (this.count >= MAX_HELD) {
      this.overflowed += 1;
      return;
    }
    const entry = this.held.get(v.ts.node) ?? { versions: [], skewMs };
    entry.versions.push(v);
    this.keys.add(key);
    entry.skewMs = Math.max(entry.skewMs, skewMs);
    this.held.set(v.ts.node, entry);
    this.count += 1;
  }

  /** Versions whose lead over our wall clock is now within the limit. */
  releaseDue(clock: Hlc): Version[] {
    const due: Version[] = [];
    for (const [author, entry] of this.held) {
      const still: Version[] = [];
      for (const v of entry.versions) (clock.leadOf(v.ts) > clock.maxSkewMs ? still : due).push(v);
      this.count -= entry.versions.length - still.length;
      if (still.length === 0) this.held.delete(author);
      else entry.versions = still;
    }
    this.forget(due);
    return due;
  }

  /** All versions held from one author (the operator accepted its clock). */
  releaseAuthor(author: NodeId): Version[] {
    const entry = this.held.get(author);
    if (entry === undefined) return [];
    this.held.delete(author);
    this.count -= entry.versions.length;
    this.forget(entry.versions);
    return entry.versions;
  }

  private forget(versions: readonly Version[]): void {
    for (const v of versions) this.keys.delete(versionKey(v));
  }

  summary(): HeldSkew[] {
    return [...this.held].map(([author, e]) => ({ author, skewMs: e.skewMs, count: e.versions.length }));
  }
}
