import type { EntityId } from '../ids';

/**
 * The entities whose expiry may fire, by deadline: a binary min-heap of (deadline, entity) with
 * the current deadline of each entity in a map. An entity's deadline changes by pushing a new
 * entry; an entry whose deadline is no longer its entity's is skipped when it comes to the top
 * (lazy deletion), so an update costs O(log n) and a purge tick O(k log n) for the k entries due,
 * instead of a scan of every entity. Pure: time comes in as arguments (EntityStore.purgeExpired).
 */
export class DeadlineIndex {
  private readonly at: number[] = [];
  private readonly ids: EntityId[] = [];
  private readonly current = new Map<EntityId, number>();

  /** Sets `id`'s deadline (undefined: it has none). */
  set(id: EntityId, deadline: number | undefined): void {
    if (deadline === undefined) {
      this.current.delete(id);
      return;
    }
    if (this.current.get(id) === deadline) return;
    this.current.set(id, deadline);
    this.push(deadline, id);
    // Stale entries are dropped when they reach the top; past twice the live ones, all at once.
    if (this.at.length > 64 && this.at.length > 2 * this.current.size) this.rebuild();
  }

  /** Takes out and returns the entities whose deadline is at or before `now`, earliest first. */
  due(now: number): EntityId[] {
    const out: EntityId[] = [];
    while (this.at.length > 0 && this.at[0]! <= now) {
      const at = this.at[0]!;
      const id = this.ids[0]!;
      this.pop();
      if (this.current.get(id) !== at) continue;
      this.current.delete(id);
      out.push(id);
    }
    return out;
  }

  /** The entries held, stale ones included (for tests). */
  get entries(): number {
    return this.at.length;
  }

  private push(at: number, id: EntityId): void {
    let i = this.at.length;
    this.at.push(at);
    this.ids.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.at[p]! <= at) break;
      this.at[i] = this.at[p]!;
      this.ids[i] = this.ids[p]!;
      i = p;
    }
    this.at[i] = at;
    this.ids[i] = id;
  }

  private pop(): void {
    const lastAt = this.at.pop()!;
    const lastId = this.ids.pop()!;
    const n = this.at.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.at[r]! < this.at[l]! ? r : l;
      if (this.at[c]! >= lastAt) break;
      this.at[i] = this.at[c]!;
      this.ids[i] = this.ids[c]!;
      i = c;
    }
    this.at[i] = lastAt;
    this.ids[i] = lastId;
  }

  private rebuild(): void {
    this.at.length = 0;
    this.ids.length = 0;
    for (const [id, at] of this.current) this.push(at, id);
  }
}
