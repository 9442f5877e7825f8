import { MinHeap } from '../collections/min-heap';

/**
 * The task manager's one event loop needs one timer, not one per entity: this keeps every entity's
 * next deadline in a binary min-heap, with a cancel map from entity to its live entry. Rescheduling
 * or cancelling only updates the map; the heap entry it replaces is skipped when it surfaces (lazy
 * deletion), and the heap is rebuilt when skipped entries outnumber live ones, so memory stays
 * proportional to the live deadlines. Pure: the caller passes the time and arms its single timer
 * for nextWake().
 */
interface Entry<K> {
  readonly key: K;
  readonly at: number;
  /** Distinguishes this entry from older ones for the same key still in the heap. */
  readonly gen: number;
}

export class DeadlineSchedule<K> {
  private readonly heap = new MinHeap<Entry<K>>(before);
  private readonly live = new Map<K, Entry<K>>();
  private gen = 0;

  get size(): number {
    return this.live.size;
  }

  /** Entries held, live and not yet skipped: what the schedule costs in memory. */
  get held(): number {
    return this.heap.size;
  }

  /** Sets (or moves) the key's deadline; a key has at most one. */
  schedule(key: K, at: number): void {
    if (!Number.isFinite(at)) throw new RangeError(`deadline must be a finite time, got ${at}`);
    const entry = { key, at, gen: ++this.gen };
    this.live.set(key, entry);
    this.heap.push(entry);
    this.compactIfSparse();
  }

  cancel(key: K): void {
    this.live.delete(key);
    this.compactIfSparse();
  }

  /** The key's deadline, if one is scheduled. */
  at(key: K): number | undefined {
    return this.live.get(key)?.at;
  }

  /** The earliest live deadline: when to arm the loop's single timer. */
  nextWake(): number | undefined {
    this.dropStaleTop();
    return this.heap.peek()?.at;
  }

  /** Removes and returns the keys whose deadline is at or before `now`, earliest first (ties by scheduling order). */
  due(now: number): K[] {
    const out: K[] = [];
    for (;;) {
      this.dropStaleTop();
      const top = this.heap.peek();
      if (top === undefined || top.at > now) return out;
      this.heap.pop();
      this.live.delete(top.key);
      out.push(top.key);
    }
  }

  private isLive(e: Entry<K>): boolean {
    return this.live.get(e.key) === e;
  }

  private dropStaleTop(): void {
    for (let top = this.heap.peek(); top !== undefined && !this.isLive(top); top = this.heap.peek()) this.heap.pop();
  }

  private compactIfSparse(): void {
    if (this.heap.size <= 64 || this.heap.size <= 2 * this.live.size) return;
    this.heap.reset([...this.live.values()]);
  }
}

/** Earlier deadline first; equal deadlines in scheduling order, so due() is deterministic. */
function before<K>(a: Entry<K>, b: Entry<K>): number {
  return a.at - b.at || a.gen - b.gen;
}
