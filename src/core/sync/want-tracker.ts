import { MAX_TRACKED_WANTS } from './limits';
import { MAX_WANT_IDS } from './messages';
import { idKey } from './version-id';

/**
 * The ids one reconciliation found we lack, asked for in `want`s of at most 4,096 ids (fewer on a thin
 * link: a want fits the link's frame size) with a bounded
 * number in flight; each arrival or "answer complete" marker settles them. Counts the round's progress.
 */
export class WantTracker {
  private queue: Uint8Array[] = [];
  private head = 0;
  private readonly inflight = new Map<string, { readonly id: Uint8Array; readonly request: number }>();
  private readonly requests = new Map<number, string[]>();
  private lastRequest = 0;
  /** This round: versions asked for, and arrived. */
  needed = 0;
  received = 0;

  constructor(
    private readonly window: number,
    private readonly maxQueued: number,
  ) {}

  /** Queues ids to ask for; returns those refused (over the bound) so their claims can be released. */
  add(ids: readonly Uint8Array[]): Uint8Array[] {
    const room = Math.max(0, this.maxQueued - (this.queue.length - this.head) - this.inflight.size);
    const taken = ids.slice(0, room);
    for (const id of taken) this.queue.push(id);
    this.needed += taken.length;
    return ids.slice(room);
  }

  /** Versions of this round that the peer sent unasked (they count as needed and received). */
  pushed(n: number): void {
    this.needed += n;
    this.received += n;
  }

  get waiting(): number {
    return this.queue.length - this.head + this.inflight.size;
  }

  get idle(): boolean {
    return this.waiting === 0;
  }

  /** The next `want` to send, of at most `maxIds` ids (the link's frame size), if the window has room. */
  next(maxIds: number = MAX_WANT_IDS): { request: number; ids: Uint8Array[] } | undefined {
    const room = Math.min(MAX_WANT_IDS, Math.max(1, Math.floor(maxIds)), this.window - this.inflight.size);
    if (room <= 0 || this.head >= this.queue.length) return undefined;
    const ids = this.queue.slice(this.head, this.head + room);
    this.head += ids.length;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return { request: this.track(ids), ids };
  }

  /** Ids that may still be tracked outside the window (grafts): MAX_TRACKED_WANTS in flight per link. */
  get trackRoom(): number {
    return Math.max(0, MAX_TRACKED_WANTS - this.inflight.size);
  }

  /** Registers ids asked for at once, outside the window (a graft); returns the request number. */
  track(ids: readonly Uint8Array[]): number {
    const request = ++this.lastRequest;
    const keys: string[] = [];
    for (const id of ids) {
      const key = idKey(id);
      this.inflight.set(key, { id, request });
      keys.push(key);
    }
    this.requests.set(request, keys);
    return request;
  }

  /** A version arrived (by any route); true if it was wanted. */
  arrived(key: string): boolean {
    if (!this.inflight.delete(key)) return false;
    this.received += 1;
    return true;
  }

  /** The peer finished answering `request`; returns the ids it did not send (it no longer has them). */
  complete(request: number): Uint8Array[] {
    const keys = this.requests.get(request);
    if (keys === undefined) return [];
    this.requests.delete(request);
    const missing: Uint8Array[] = [];
    for (const key of keys) {
      const e = this.inflight.get(key);
      if (e !== undefined && e.request === request) {
        this.inflight.delete(key);
        missing.push(e.id);
      }
    }
    return missing;
  }

  /** Forgets everything (round over or failed); returns the ids still outstanding. */
  reset(): Uint8Array[] {
    const out = this.queue.slice(this.head);
    for (const e of this.inflight.values()) out.push(e.id);
    this.queue = [];
    this.head = 0;
    this.inflight.clear();
    this.requests.clear();
    return out;
  }

  /** A new round: progress counts start again. */
  resetProgress(): void {
    this.needed = 0;
    this.received = 0;
  }
}
