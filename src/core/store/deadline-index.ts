import type { EntityId } from '../ids';

/**
 * The entities whose expiry may fire, by deadline: a binary min-heap of (deadline, entity). An
 * entity's deadline changes by pushing a new entry; an entry whose deadline is no longer its
 * entity's (`deadlineOf`, the store's EntityState.nextDeadline) is skipped when it comes to the top
 * (lazy deletion), so an update costs O(log n) and a purge tick O(k log n) for the k entries due,
 * instead of a scan of every entity. A deadline that moves later needs no new entry (set's
 * `before`): the entity's earlier entry, when it comes to the top, is pushed again at the deadline
 * the entity has then. A track's expiry is renewed with every report, each later than the last, so
 * most renewals cost nothing here (docs/benchmarks.md, scenario 1). The current deadline is read
 * from the store, not kept in a Map of its own beside it: the Map cost ~53 B per entity, 8.8 B per
 * component of a running node at 100k entities (docs/benchmarks.md, scenario 10). The caller sets an entity's deadline whenever it
 * may have changed, with what `deadlineOf` gives for it then. Pure: time comes in as arguments
 * (EntityStore.purgeExpired).
 */
export class DeadlineIndex {
  private readonly at: number[] = [];
  private readonly ids: EntityId[] = [];
  /** Entries after the last compaction: past twice as many (and 64), the stale ones go at once. */
  private compacted = 0;

  constructor(private readonly deadlineOf: (id: EntityId) => number | undefined) {}

  /**
   * `id`'s deadline is now `deadline` (undefined: it has none), as `deadlineOf(id)` gives it: its
   * older entries are stale from now on. Setting the same deadline twice pushes two entries, which
   * due() gives once. `before`: the deadline `id` had until now, when the caller knows it (every
   * change of it was set here): at or before `deadline`, an entry at or before it is held already
   * and stands for the new one (see due), so nothing is pushed.
   */
  set(id: EntityId, deadline: number | undefined, before?: number): void {
    if (deadline === undefined || (before !== undefined && before <= deadline)) return;
    this.push(deadline, id);
    if (this.at.length > 64 && this.at.length > 2 * this.compacted) this.compact();
  }

  /** Takes out and returns the entities whose deadline is at or before `now`, earliest first, each once. */
  due(now: number): EntityId[] {
    const out: EntityId[] = [];
    let given: Set<EntityId> | undefined;
    while (this.at.length > 0 && this.at[0]! <= now) {
      const at = this.at[0]!;
      const id = this.ids[0]!;
      this.pop();
      const deadline = this.deadlineOf(id);
      if (deadline === undefined || deadline < at) continue;
      // An entry older than a later deadline (set's `before`) comes back at that deadline, in its
      // order: in this call when it is due by `now`, in a later one otherwise.
      if (deadline > at) {
        this.push(deadline, id);
        continue;
      }
      // (an entity's live entries all hold its one deadline: they come out in this call)
      if (given?.has(id) === true) continue;
      (given ??= new Set()).add(id);
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

  /**
   * Keeps one entry per entity that has a deadline at or after one of its entries, at that deadline,
   * and makes them a heap again (bottom-up).
   */
  private compact(): void {
    const at = this.at;
    const ids = this.ids;
    const kept = new Set<EntityId>();
    let n = 0;
    for (let i = 0; i < at.length; i++) {
      const id = ids[i]!;
      const deadline = this.deadlineOf(id);
      if (deadline === undefined || deadline < at[i]! || kept.has(id)) continue;
      kept.add(id);
      at[n] = deadline;
      ids[n++] = id;
    }
    at.length = n;
    ids.length = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
    this.compacted = n;
  }

  /** Moves the entry at `i` down to its place. */
  private siftDown(i: number): void {
    const at = this.at;
    const ids = this.ids;
    const n = at.length;
    const a = at[i]!;
    const id = ids[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && at[r]! < at[l]! ? r : l;
      if (at[c]! >= a) break;
      at[i] = at[c]!;
      ids[i] = ids[c]!;
      i = c;
    }
    at[i] = a;
    ids[i] = id;
  }
}
