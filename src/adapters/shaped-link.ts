import { LinkShaper, type LinkShape } from '../core/budget/link-shaper';
import type { AcceptLink, Link } from '../ports/transport';

/** A one-shot timer (the node's Scheduler shape: the adapter does not import src/node). */
export interface ShapeTimers {
  after(ms: number, fn: () => void): () => void;
}

export interface ShapedLinkStats {
  /** Messages handed to the shaped link, and their bytes (payload only). */
  messages: number;
  bytes: number;
  /** Messages the shaper lost. */
  dropped: number;
}

/**
 * A transport decorator that makes any link a thin one (docs/budgeter.md, "The link shaper"): each
 * frame sent waits for its fate from a seeded LinkShaper (serialised at the rate, then latency and
 * jitter, or lost) before the inner link gets it. For tests and benchmarks, over the in-memory
 * transport or a real WebRTC link. What waits counts as the link's buffered amount, as it would on
 * a real slow channel.
 */
export class ShapedLink implements Link {
  readonly stats: ShapedLinkStats = { messages: 0, bytes: 0, dropped: 0 };
  private held = 0;
  private closed = false;
  private readonly pending = new Set<() => void>();

  constructor(
    private readonly inner: Link,
    private readonly shaper: LinkShaper,
    private readonly now: () => number,
    private readonly timers: ShapeTimers,
  ) {}

  get peer(): Link['peer'] {
    return this.inner.peer;
  }

  get bufferedAmount(): number {
    return this.held + this.inner.bufferedAmount;
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    this.stats.messages += 1;
    this.stats.bytes += frame.length;
    const now = this.now();
    const fate = this.shaper.send(frame.length, now);
    if (fate.type === 'drop') {
      this.stats.dropped += 1;
      return;
    }
    // The caller may reuse its buffer once send returns.
    const copy = frame.slice();
    this.held += copy.length;
    const cancel = this.timers.after(Math.max(0, fate.at - now), () => {
      this.pending.delete(cancel);
      this.held -= copy.length;
      if (!this.closed) this.inner.send(copy);
    });
    this.pending.add(cancel);
  }

  close(reason: string): void {
    this.closed = true;
    for (const cancel of this.pending) cancel();
    this.pending.clear();
    this.held = 0;
    this.inner.close(reason);
  }
}

/** Wraps an AcceptLink so every link it accepts sends through a shaper of its own. */
export function shapedAccept(
  accept: AcceptLink,
  shape: (link: Link) => LinkShape,
  now: () => number,
  timers: ShapeTimers,
  onLink?: (link: ShapedLink) => void,
): AcceptLink {
  return (link) => {
    const shaped = new ShapedLink(link, new LinkShaper(shape(link)), now, timers);
    onLink?.(shaped);
    return accept(shaped);
  };
}
