import type { BudgetItem, QueuedItem } from './budget-item';

export interface QueueLimits {
  readonly maxItems: number;
  readonly maxBytes: number;
}

/**
 * What happened to an enqueued item. `deferred` means the queue was full: the item is not sent, and
 * its key (if any) goes back to the caller to mark for anti-entropy, which carries the newest value
 * later; a keyless item is refused outright and its sender (an anti-entropy round) retries.
 */
export type EnqueueOutcome =
  | { readonly type: 'queued' }
  | { readonly type: 'coalesced' }
  | { readonly type: 'deferred'; readonly key: string }
  | { readonly type: 'refused' };

/**
 * The FIFO queue of one class, bounded in items and bytes, coalescing by key. A newer item for a key
 * already queued replaces it where it stands and keeps its enqueue time: moving it to the tail would
 * let a track that moves faster than the queue drains be pushed back forever and never be sent;
 * staying put, it goes out within one queue length carrying its latest value, and its latency
 * counts from the oldest change it stands for. When full, a new key is deferred rather than
 * evicting a queued one: what is queued keeps its place, so a queue's wait stays bounded. Items
 * marked `lead` wait in a FIFO of their own ahead of the rest: a decision does not queue behind the
 * HIGH tracks' motion that shares its class.
 */
export class ClassQueue<P> {
  /** Two FIFOs: the leading items (BudgetItem.lead), served first, and the others. */
  private readonly bands: [Band<P>, Band<P>] = [new Band<P>(), new Band<P>()];
  private readonly byKey = new Map<string, QueuedItem<P>>();
  private queuedBytes = 0;

  constructor(private readonly limits: QueueLimits) {}

  get length(): number {
    return this.bands[0].length + this.bands[1].length;
  }

  /** How many of the waiting items lead (they come first in `peek` and `take`). */
  get leading(): number {
    return this.bands[0].length;
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  /** Whether `items` new keyless items of `bytes` in all would all be queued (none refused). */
  fits(items: number, bytes: number): boolean {
    return this.length + items <= this.limits.maxItems && this.queuedBytes + bytes <= this.limits.maxBytes;
  }

  enqueue(item: BudgetItem<P>, now: number): EnqueueOutcome {
    const existing = item.key === undefined ? undefined : this.byKey.get(item.key);
    if (existing !== undefined) {
      if (this.queuedBytes - existing.item.bytes + item.bytes > this.limits.maxBytes) return this.defer(item);
      this.queuedBytes += item.bytes - existing.item.bytes;
      // In place, in the band it waits in (a key's kind, hence its band, does not change).
      existing.item = item;
      return { type: 'coalesced' };
    }
    if (this.length + 1 > this.limits.maxItems || this.queuedBytes + item.bytes > this.limits.maxBytes) {
      return this.defer(item);
    }
    const entry: QueuedItem<P> = { item, enqueuedAt: now };
    this.bands[item.lead === true ? 0 : 1].push(entry);
    if (item.key !== undefined) this.byKey.set(item.key, entry);
    this.queuedBytes += item.bytes;
    return { type: 'queued' };
  }

  /** The `index`-th waiting item from the head (the leading ones first), without removing it. */
  peek(index: number): QueuedItem<P> | undefined {
    const lead = this.bands[0].length;
    return index < lead ? this.bands[0].peek(index) : this.bands[1].peek(index - lead);
  }

  /** Removes and returns the first `count` items (the leading ones first). */
  take(count: number): QueuedItem<P>[] {
    const taken: QueuedItem<P>[] = [];
    for (let i = 0; i < count; i++) {
      const entry = this.bands[0].shift() ?? this.bands[1].shift();
      if (entry === undefined) break;
      if (entry.item.key !== undefined) this.byKey.delete(entry.item.key);
      this.queuedBytes -= entry.item.bytes;
      taken.push(entry);
    }
    return taken;
  }

  private defer(item: BudgetItem<P>): EnqueueOutcome {
    return item.key === undefined ? { type: 'refused' } : { type: 'deferred', key: item.key };
  }
}

/** One FIFO of a class queue. */
class Band<P> {
  private entries: (QueuedItem<P> | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.entries.length - this.head;
  }

  push(entry: QueuedItem<P>): void {
    this.entries.push(entry);
  }

  peek(index: number): QueuedItem<P> | undefined {
    return this.entries[this.head + index];
  }

  shift(): QueuedItem<P> | undefined {
    if (this.head >= this.entries.length) return undefined;
    const entry = this.entries[this.head]!;
    this.entries[this.head] = undefined;
    this.head += 1;
    // Compact once the consumed prefix dominates, so memory follows the queue's length.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return entry;
  }
}
