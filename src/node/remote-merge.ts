import type { NodeId } from '../core/ids';
import type { Version } from '../core/merge/version';
import { persist, type NodeParts } from './node-parts';
import type { VersionSource } from './version-listeners';

/** The outcome of merging a batch: what changed the store (to relay onwards) and what it superseded. */
interface Merged {
  readonly applied: Version[];
  readonly removed: Version[];
}

/**
 * Versions from peers: merged into the store, counted, announced to replication and persisted in
 * the background (a failed commit shows in the storage status; the versions stay in memory and
 * peers still hold them). Writes from a clock too far ahead are held until their time or until
 * the operator accepts them.
 */
export class RemoteMerge {
  constructor(private readonly parts: NodeParts) {}

  /** Returns the versions that changed the store (to relay onwards). */
  apply(versions: readonly Version[], source?: VersionSource): Version[] {
    return this.merge(versions, 'remote', source);
  }

  private merge(versions: readonly Version[], origin: 'remote' | 'released', source?: VersionSource): Version[] {
    const { clock, hold, counters } = this.parts;
    const merged: Merged = { applied: [], removed: [] };
    for (const v of versions) {
      const seen = clock.observe(v.ts);
      if (!seen.ok) {
        hold.hold(v, seen.skewMs, source);
        counters.reject('clock-skew-held');
        continue;
      }
      this.mergeOne(v, merged);
    }
    this.announce(merged, origin, source);
    return merged.applied;
  }

  /** Writes held for clock skew whose time has come. */
  releaseDue(): void {
    // Released by the source they came by, so the mesh relays only live ones, not back to their link.
    for (const [source, versions] of this.parts.hold.releaseDue(this.parts.clock)) {
      this.merge(versions, 'released', source);
    }
  }

  /** The operator's decision: take one author's held writes now, moving our clock up to them. */
  acceptHeld(author: NodeId): number {
    let count = 0;
    for (const [source, versions] of this.parts.hold.releaseAuthor(author)) {
      const merged: Merged = { applied: [], removed: [] };
      for (const v of versions) {
        this.parts.clock.force(v.ts);
        this.mergeOne(v, merged);
      }
      this.announce(merged, 'released', source);
      count += versions.length;
    }
    return count;
  }

  private mergeOne(v: Version, merged: Merged): void {
    const { store, feed, counters } = this.parts;
    const out = store.apply(v);
    switch (out.kind) {
      case 'applied':
        merged.applied.push(v);
        merged.removed.push(...out.removed);
        feed.mark(v.entity);
        counters.write('remote');
        return;
      case 'duplicate':
        counters.write('duplicate');
        return;
      case 'obsolete':
        counters.write('obsolete');
        return;
      default: {
        const never: never = out;
        throw new Error(`unexpected merge outcome ${String(never)}`);
      }
    }
  }

  private announce({ applied, removed }: Merged, origin: 'remote' | 'released', source?: VersionSource): void {
    if (applied.length === 0 && removed.length === 0) return;
    this.parts.listeners.emit(applied, origin, removed, source);
    persist(this.parts, applied, removed).catch((error: unknown) => {
      this.parts.log('persisting remote versions failed', error);
    });
  }
}
