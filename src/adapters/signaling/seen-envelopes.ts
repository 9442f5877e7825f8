import type { NodeId } from '../../core/ids';

/**
 * Envelope ids remembered, verified ones only (so junk cannot push a genuine one out), keyed by
 * sender and id: another node reusing an id under its own key does not hide the genuine envelope.
 */
export const SEEN_CAP = 16_384;

/** Senders whose floors are kept; the least recently raised go first. */
export const MAX_FLOORS = 4_096;

/**
 * The relayed envelopes already taken (docs/security.md, "Relayed signals"). A replay is refused
 * either by its id (while remembered) or by its time: past SEEN_CAP the oldest are forgotten, and
 * the latest `at` forgotten of each sender becomes that sender's floor: an envelope of it stamped
 * at or before it is refused, so a flood that turns the memory over inside RELAY_SIGNAL_MAX_AGE_MS
 * cannot make an old one new again. The floor is per sender: a sender stamping its own envelopes
 * ahead of time raises its own floor only.
 */
export class SeenEnvelopes {
  /** sender + id → the envelope's sender and `at`, in insertion order for eviction. */
  private readonly seen = new Map<string, { readonly from: NodeId; readonly at: number }>();
  /** sender → the latest `at` forgotten, least recently raised first. */
  private readonly floors = new Map<NodeId, number>();

  constructor(private readonly cap = SEEN_CAP) {}

  has(from: NodeId, id: string): boolean {
    return this.seen.has(key(from, id));
  }

  /** Whether an envelope of `from` stamped `at` is no newer than the newest of its forgotten ones. */
  belowFloor(from: NodeId, at: number): boolean {
    const floor = this.floors.get(from);
    return floor !== undefined && at <= floor;
  }

  remember(from: NodeId, id: string, at: number): void {
    this.seen.set(key(from, id), { from, at });
    while (this.seen.size > this.cap) {
      const [oldest, forgotten] = this.seen.entries().next().value!;
      this.seen.delete(oldest);
      this.raise(forgotten.from, forgotten.at);
    }
  }

  private raise(from: NodeId, at: number): void {
    const floor = Math.max(at, this.floors.get(from) ?? -Infinity);
    this.floors.delete(from);
    this.floors.set(from, floor);
    if (this.floors.size > MAX_FLOORS) this.floors.delete(this.floors.keys().next().value!);
  }

  get size(): number {
    return this.seen.size;
  }
}

function key(from: NodeId, id: string): string {
  return `${from}\n${id}`;
}
