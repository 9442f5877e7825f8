import type { Hlc } from '../core/clock/hlc';
import type { NodeId } from '../core/ids';
import type { Version } from '../core/merge/version';
import type { HeldSkew } from './node-api';

/** Bound on writes held for clock skew, so a peer with a wild clock cannot fill our memory. */
export const MAX_HELD = 10_000;

/**
 * Remote writes whose clock is too far ahead of ours wait here (mission §3) until our wall clock
 * catches up or the operator accepts that author's clock. They never move our clock meanwhile.
 */
export class SkewHold {
  private readonly held = new Map<NodeId, { versions: Version[]; skewMs: number }>();
  private count = 0;
  overflowed = 0;

  get size(): number {
    return this.count;
  }

  hold(v: Version, skewMs: number): void {
    if (this.count >= MAX_HELD) {
      this.overflowed += 1;
      return;
    }
    const entry = this.held.get(v.ts.node) ?? { versions: [], skewMs };
    entry.versions.push(v);
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
    return due;
  }

  /** All versions held from one author (the operator accepted its clock). */
  releaseAuthor(author: NodeId): Version[] {
    const entry = this.held.get(author);
    if (entry === undefined) return [];
    this.held.delete(author);
    this.count -= entry.versions.length;
    return entry.versions;
  }

  summary(): HeldSkew[] {
    return [...this.held].map(([author, e]) => ({ author, skewMs: e.skewMs, count: e.versions.length }));
  }
}
