/**
 * A binary min-heap ordered by `compare` (negative: a comes first). Used wherever the next of many
 * timed events is wanted: the in-memory network's deliveries, the approval gate's deadlines.
 */
export class MinHeap<T> {
  private items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  /** The first item, left in place. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const h = this.items;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(h[i]!, h[p]!) >= 0) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** Removes and returns the first item. */
  pop(): T | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.compare(h[l]!, h[m]!) < 0) m = l;
      if (r < h.length && this.compare(h[r]!, h[m]!) < 0) m = r;
      if (m === i) return top;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  /** Replaces the contents (a sorted array is a valid heap, so this is O(n log n) at most). */
  reset(items: readonly T[]): void {
    this.items = [...items].sort(this.compare);
  }
}
