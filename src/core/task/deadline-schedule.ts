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
  private heap: Entry<K>[] = [];
  private readonly live = new Map<K, Entry<K>>();
  private gen = 0;

  get size(): number {
    return this.live.size;
  }

  /** Sets (or moves) the key's deadline; a key has at most one. */
  schedule(key: K, at: number): void {
    if (!Number.isFinite(at)) throw new RangeError(`deadline must be a finite time, got ${at}`);
    const entry = { key, at, gen: ++this.gen };
    this.live.set(key, entry);
    this.push(entry);
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
    return this.heap[0]?.at;
  }

  /** Removes and returns the keys whose deadline is at or before `now`, earliest first (ties by scheduling order). */
  due(now: number): K[] {
    const out: K[] = [];
    for (;;) {
      this.dropStaleTop();
      const top = this.heap[0];
      if (top === undefined || top.at > now) return out;
      this.pop();
      this.live.delete(top.key);
      out.push(top.key);
    }
  }

  private isLive(e: Entry<K>): boolean {
    return this.live.get(e.key) === e;
  }

  private dropStaleTop(): void {
    while (this.heap.length > 0 && !this.isLive(this.heap[0]!)) this.pop();
  }

  private compactIfSparse(): void {
    if (this.heap.length <= 64 || this.heap.length <= 2 * this.live.size) return;
    this.heap = [...this.live.values()].sort(before);
  }

  private push(e: Entry<K>): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p]!, h[i]!) <= 0) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!) < 0) m = l;
      if (r < h.length && before(h[r]!, h[m]!) < 0) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

/** Earlier deadline first; equal deadlines in scheduling order, so due() is deterministic. */
function before<K>(a: Entry<K>, b: Entry<K>): number {
  return a.at - b.at || a.gen - b.gen;
}
