import type { EntityId } from '../ids';

/**
 * A set of entity ids in the order they were first added, as a Set<EntityId> keeps them: what a
 * consumer beside a store keeps of the entities changed since its last pass (the C2 pipeline's
 * classifier and fusion view, the node's change feed). A Set<EntityId> is one: a Set entry took
 * ~26 bytes per entity, 4.4 B per component of a running node at 100k entities for each of the
 * three (docs/benchmarks.md, scenario 10); a store's marks (EntityStore.marks) take ~8.
 */
export interface EntityMarks extends Iterable<EntityId> {
  /** Marks `id`; an id marked already keeps its place. */
  add(id: EntityId): void;
  /** Unmarks `id`; true if it was marked. Marked again later, it goes last. */
  delete(id: EntityId): boolean;
  has(id: EntityId): boolean;
  clear(): void;
  readonly size: number;
}

/** A queue entry naming an id held aside (marked while the store held no number for it), by its index in `aside`. */
const ASIDE = 0x80000000;
/** A queue entry deleted. */
const GONE = 0xffffffff;
/** A cleared queue larger than this is given back, not kept for the next pass. */
const KEEP_CAPACITY = 4096;

/**
 * The next capacity of an array of `length` that must hold index `need`: doubled from 64 while
 * under 4,096, then grown by an eighth (as the store's columns, lean-columns.ts), so at most 1
 * entry in 9 is unused once large.
 */
function grownLength(length: number, need: number): number {
  const next = length < 4096 ? Math.max(64, length * 2) : length + (length >> 3);
  return Math.max(next, need + 1);
}

/**
 * A store's marks (EntityStore.marks): the ids in insertion order as a queue of the entities'
 * numbers (EntityStore.numberOf: 4 bytes each) and, per number, its place in the queue (4 bytes
 * each, 0: unmarked), instead of a Set entry of the id. An id the store holds no number for (an
 * entity it forgot, or never held) is kept aside under its id. When the store forgets a marked
 * entity (freed), its entry is turned into one aside under its id, in the same place: a number
 * given again to another entity never reads as marked, and the forgotten id is still given, in
 * its place.
 */
export class NumberedMarks implements EntityMarks {
  /** By number: the place in `queue` + 1 of the entity's entry, 0 when it is not marked by number. */
  private place = new Uint32Array(0);
  /** The marks in insertion order: a number, ASIDE | an index into `aside`, or GONE. */
  private queue = new Uint32Array(0);
  /** Entries of `queue` used (live and GONE). */
  private used = 0;
  private live = 0;
  /** Ids held aside, by index (undefined once deleted). */
  private aside: (EntityId | undefined)[] = [];
  /** Each id held aside → its place in `queue`. */
  private readonly asideAt = new Map<EntityId, number>();

  constructor(
    private readonly numberOf: (id: EntityId) => number | undefined,
    private readonly idAt: (n: number) => EntityId | undefined,
  ) {}

  get size(): number {
    return this.live;
  }

  has(id: EntityId): boolean {
    const n = this.numberOf(id);
    if (n !== undefined && n < this.place.length && this.place[n] !== 0) return true;
    return this.asideAt.size > 0 && this.asideAt.has(id);
  }

  add(id: EntityId): void {
    const n = this.numberOf(id);
    if (n !== undefined && n < this.place.length && this.place[n] !== 0) return;
    if (this.asideAt.size > 0 && this.asideAt.has(id)) return;
    if (this.used === this.queue.length) this.makeRoom();
    const at = this.used++;
    this.live += 1;
    if (n === undefined) {
      this.queue[at] = ASIDE + this.aside.length;
      this.aside.push(id);
      this.asideAt.set(id, at);
      return;
    }
    if (n >= this.place.length) {
      // Numbers are dense (the store gives the first free one).
      const next = new Uint32Array(grownLength(this.place.length, n));
      next.set(this.place);
      this.place = next;
    }
    this.queue[at] = n;
    this.place[n] = at + 1;
  }

  delete(id: EntityId): boolean {
    const n = this.numberOf(id);
    if (n !== undefined && n < this.place.length && this.place[n] !== 0) {
      this.queue[this.place[n]! - 1] = GONE;
      this.place[n] = 0;
      this.live -= 1;
      return true;
    }
    const at = this.asideAt.get(id);
    if (at === undefined) return false;
    this.aside[this.queue[at]! - ASIDE] = undefined;
    this.queue[at] = GONE;
    this.asideAt.delete(id);
    this.live -= 1;
    return true;
  }

  clear(): void {
    for (let i = 0; i < this.used; i++) {
      const e = this.queue[i]!;
      if (e < ASIDE) this.place[e] = 0;
    }
    this.used = 0;
    this.live = 0;
    this.aside = [];
    this.asideAt.clear();
    if (this.queue.length > KEEP_CAPACITY) this.queue = new Uint32Array(0);
  }

  /**
   * The store forgets the entity `id` held under number `n` (it may give `n` to another): a mark of
   * it is kept aside under its id, in its place.
   */
  freed(n: number, id: EntityId): void {
    if (n >= this.place.length || this.place[n] === 0) return;
    const at = this.place[n]! - 1;
    this.place[n] = 0;
    this.queue[at] = ASIDE + this.aside.length;
    this.aside.push(id);
    this.asideAt.set(id, at);
  }

  *[Symbol.iterator](): IterableIterator<EntityId> {
    for (let i = 0; i < this.used; i++) {
      const e = this.queue[i]!;
      if (e === GONE) continue;
      const id = e >= ASIDE ? this.aside[e - ASIDE] : this.idAt(e);
      if (id !== undefined) yield id;
    }
  }

  /**
   * Room for one more entry: the GONE entries dropped (and the ids aside renumbered) if they are half
   * the queue, else the queue grown (grownLength).
   */
  private makeRoom(): void {
    if (this.used > 0 && this.live <= this.used >> 1) {
      const aside: EntityId[] = [];
      let k = 0;
      for (let i = 0; i < this.used; i++) {
        const e = this.queue[i]!;
        if (e === GONE) continue;
        if (e >= ASIDE) {
          const id = this.aside[e - ASIDE]!;
          this.queue[k] = ASIDE + aside.length;
          aside.push(id);
          this.asideAt.set(id, k);
        } else {
          this.queue[k] = e;
          this.place[e] = k + 1;
        }
        k++;
      }
      this.used = k;
      this.aside = aside;
      return;
    }
    const next = new Uint32Array(grownLength(this.queue.length, this.used));
    next.set(this.queue.subarray(0, this.used));
    this.queue = next;
  }
}
