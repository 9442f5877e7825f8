import type { Timestamp } from '../clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../ids';
import { contextOf, type Heads } from '../merge/register';
import type { Version } from '../merge/version';
import { EntityState, type ApplyOutcome } from './entity-state';
import { expiryOf, viewOf, type EntityView } from './entity-view';
import { matches, type Query } from './query';

/**
 * All entities of one node, in memory: the merge state that storage persists and sync
 * replicates. Pure: time comes in as arguments.
 */
export class EntityStore {
  private readonly entities = new Map<EntityId, EntityState>();
  private versionCount = 0;

  apply(v: Version): ApplyOutcome {
    let state = this.entities.get(v.entity);
    if (state === undefined) {
      state = new EntityState(v.entity);
      this.entities.set(v.entity, state);
    }
    const out = state.apply(v);
    if (out.kind === 'applied') this.versionCount += 1 - out.removed.length;
    else if (state.registers.size === 0) this.entities.delete(v.entity);
    return out;
  }

  heads(id: EntityId, kind: ComponentKind): Heads {
    return this.entities.get(id)?.registers.get(kind) ?? [];
  }

  /** The causal context for a new local write to one component. */
  contextFor(id: EntityId, kind: ComponentKind, self: NodeId): Timestamp[] {
    return contextOf(this.entities.get(id)?.registers.get(kind), self);
  }

  state(id: EntityId): EntityState | undefined {
    return this.entities.get(id);
  }

  view(id: EntityId, now: number): EntityView | undefined {
    const s = this.entities.get(id);
    return s === undefined ? undefined : viewOf(s, now);
  }

  list(now: number, q: Query = {}): EntityView[] {
    const out: EntityView[] = [];
    const limit = q.limit ?? Infinity;
    for (const s of this.entities.values()) {
      if (out.length >= limit) break;
      const v = viewOf(s, now);
      if (v !== undefined && matches(v, q)) out.push(v);
    }
    return out;
  }

  /**
   * Purges entities whose expiry has passed, leaving no tombstone: the expiry and every version
   * written up to it go, later writes stay. Returns the purged versions.
   */
  purgeExpired(now: number): Version[] {
    const purged: Version[] = [];
    for (const [id, s] of this.entities) {
      const at = expiryOf(s);
      if (at === undefined || at > now) continue;
      purged.push(...s.purgeUpTo(at));
      if (s.registers.size === 0) this.entities.delete(id);
    }
    this.versionCount -= purged.length;
    return purged;
  }

  *versions(): IterableIterator<Version> {
    for (const s of this.entities.values()) yield* s.versions();
  }

  get entityCount(): number {
    return this.entities.size;
  }

  get size(): number {
    return this.versionCount;
  }
}
