import type { EntityId } from '../ids';
import type { EntityState } from './entity-state';
import { shownSummary } from './entity-view';
import { deadlineOf, EXPIRY } from './expiry-floor';

const SHOWN = 1;
const CONFLICT = 2;

/**
 * EntityStore.countShown as running totals: what each entity adds to the count (shown, in
 * conflict) is kept, and only the entities changed since the last count are summarised again, so
 * a count costs what changed, not the whole store (stats() is polled while a sync runs:
 * docs/benchmarks.md, scenario 7).
 *
 * An entity's summary depends on the time only through which of its expiry heads have fired
 * (entity-view.ts shownHeads, expiry-floor.ts firedBy): it stays the same from the latest of its
 * deadlines at or before the time it was taken until its next deadline after it. Each entity with
 * such a next deadline waits in a heap by it and is summarised again once a count's time reaches
 * it. A count at an earlier time than the last one (the wall clock went back) is not served from
 * the totals: the store starts them again (EntityStore.countShown).
 */
export class ShownCount {
  private entities = 0;
  private conflicts = 0;
  /** What each counted entity adds: SHOWN, CONFLICT bits (absent: nothing). */
  private readonly flags = new Map<EntityState, number>();
  /** Changed since the last count. */
  private readonly dirty = new Set<EntityState>();
  /** The next deadline of each entity with one after the time it was summarised at. */
  private readonly until = new Map<EntityState, number>();
  /** Min-heap of (deadline, entity); entries whose deadline `until` no longer holds are stale. */
  private heap: { at: number; s: EntityState }[] = [];
  /** The time of the last count. */
  private at: number;

  constructor(
    readonly skip: ((id: EntityId) => boolean) | undefined,
    all: Iterable<EntityState>,
    now: number,
  ) {
    this.at = now;
    for (const s of all) this.summarise(s, now, true);
  }

  /** The time of the last count: a count at an earlier time needs new totals. */
  get time(): number {
    return this.at;
  }

  /** Something of `s` changed (or it left the store): summarised again at the next count. */
  changed(s: EntityState): void {
    this.dirty.add(s);
  }

  /** The totals at `now` (not before `time`); `current(s)`: whether `s` is still in the store. */
  count(now: number, current: (s: EntityState) => boolean): { readonly entities: number; readonly conflicts: number } {
    this.at = now;
    for (const s of this.dirty) this.summarise(s, now, current(s));
    this.dirty.clear();
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.at <= now) {
      const { at, s } = this.pop();
      if (this.until.get(s) === at) this.summarise(s, now, current(s));
    }
    if (heap.length > 64 && heap.length > 2 * this.until.size) this.compact();
    return { entities: this.entities, conflicts: this.conflicts };
  }

  private summarise(s: EntityState, now: number, present: boolean): void {
    const before = this.flags.get(s) ?? 0;
    let after = 0;
    if (present && this.skip?.(s.id) !== true) {
      const { shown, conflict } = shownSummary(s, now);
      if (shown) after = conflict ? SHOWN | CONFLICT : SHOWN;
    }
    if (after !== before) {
      this.entities += (after & SHOWN) - (before & SHOWN);
      this.conflicts += ((after & CONFLICT) - (before & CONFLICT)) / CONFLICT;
      if (after === 0) this.flags.delete(s);
      else this.flags.set(s, after);
    }
    const next = present ? nextDeadline(s, now) : Infinity;
    if (next === Infinity) {
      this.until.delete(s);
    } else if (this.until.get(s) !== next) {
      this.until.set(s, next);
      this.push({ at: next, s });
    }
  }

  private push(e: { at: number; s: EntityState }): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]!.at <= e.at) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = e;
  }

  private pop(): { at: number; s: EntityState } {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const c = r < heap.length && heap[r]!.at < heap[l]!.at ? r : l;
      if (heap[c]!.at >= last.at) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
    return top;
  }

  /** Drops the stale entries (an entity summarised again pushed a new one). */
  private compact(): void {
    const live = [...this.until].map(([s, at]) => ({ at, s }));
    this.heap = [];
    for (const e of live) this.push(e);
  }
}

/** The earliest deadline of `s`'s expiry heads after `now`, when its summary may change; Infinity: none. */
function nextDeadline(s: EntityState, now: number): number {
  if (s.expiresAt === undefined) return Infinity;
  let next = Infinity;
  for (const h of s.heads(EXPIRY)) {
    const at = deadlineOf(h);
    if (at > now && at < next) next = at;
  }
  return next;
}
