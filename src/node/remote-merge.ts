import type { EntityId, NodeId } from '../core/ids';
import { hasHonestContext } from '../core/merge/knowledge';
import type { Version } from '../core/merge/version';
import { versionKey } from '../ports/storage';
import { persist, type NodeParts } from './node-parts';
import { HARD_HORIZON_MS } from './skew-hold';
import type { VersionSource } from './version-listeners';
import { splitByLane } from './write-lane';

/** The outcome of merging a batch: what changed the store (to relay onwards) and what it superseded. */
interface Merged {
  readonly applied: Version[];
  readonly removed: Version[];
  /** Entities a refused version may have taught something (its context): their metas are kept. */
  readonly touched: Set<EntityId>;
}

const merged = (): Merged => ({ applied: [], removed: [], touched: new Set() });

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
    const out = merged();
    let beyond = 0;
    for (const v of versions) {
      if (clock.leadOf(v.ts) > HARD_HORIZON_MS) {
        // Not held: no honest clock is a day fast, and following it could take ours past what the wire encodes.
        beyond += 1;
        continue;
      }
      const seen = clock.observe(v.ts);
      if (!seen.ok) {
        if (hold.hold(v, seen.skewMs, source) === undefined) counters.reject('clock-skew-held');
        continue;
      }
      this.mergeOne(v, out);
    }
    if (beyond > 0) {
      for (let i = 0; i < beyond; i++) counters.reject('clock-beyond-horizon');
      this.parts.log(`refused ${beyond} versions dated more than a day ahead of our clock`);
    }
    this.announce(out, origin, source);
    return out.applied;
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
      const out = merged();
      for (const v of versions) {
        // Held writes are within the horizon when held; the wall clock may have gone back since.
        if (this.parts.clock.leadOf(v.ts) > HARD_HORIZON_MS) {
          this.parts.counters.reject('clock-beyond-horizon');
          continue;
        }
        this.parts.clock.force(v.ts);
        this.mergeOne(v, out);
      }
      this.announce(out, 'released', source);
      count += versions.length;
    }
    return count;
  }

  private mergeOne(v: Version, into: Merged): void {
    const { store, feed, counters } = this.parts;
    const out = store.apply(v);
    switch (out.kind) {
      case 'applied':
        into.applied.push(v);
        into.removed.push(...out.removed);
        feed.mark(v.entity);
        counters.write('remote');
        return;
      case 'duplicate':
        counters.write('duplicate');
        return;
      case 'obsolete':
        counters.write('obsolete');
        // Counted apart too: a peer sending contexts no honest writer makes is buggy or hostile.
        if (!hasHonestContext(v)) counters.reject('malformed-context');
        into.touched.add(v.entity);
        // Refused, yet what it taught may show that heads had been seen or deleted: they go too.
        if (out.removed !== undefined && out.removed.length > 0) {
          into.removed.push(...out.removed);
          feed.mark(v.entity);
        }
        return;
      default: {
        const never: never = out;
        throw new Error(`unexpected merge outcome ${String(never)}`);
      }
    }
  }

  private announce({ applied, removed, touched }: Merged, origin: 'remote' | 'released', source?: VersionSource): void {
    if (applied.length === 0 && removed.length === 0 && touched.size === 0) return;
    this.parts.listeners.emit(applied, origin, removed, source);
    const failed = (error: unknown): void => this.parts.log('persisting remote versions failed', error);
    const { priority, bulk } = splitByLane(applied);
    if (priority.length === 0) {
      persist(this.parts, applied, removed, touched).catch(failed);
      return;
    }
    // A removed version under the storage key of a priority put (a content replaced under its own
    // timestamp) goes with that put, where persist() keeps the removal from deleting it.
    const keys = new Set(priority.map((v) => versionKey(v)));
    const mine = (v: Version): boolean => keys.has(versionKey(v));
    persist(this.parts, priority, removed.filter(mine), [], 'priority').catch(failed);
    persist(
      this.parts,
      bulk,
      removed.filter((v) => !mine(v)),
      touched,
    ).catch(failed);
  }
}
