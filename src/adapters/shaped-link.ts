import { LinkShaper, type LinkShape } from '../core/budget/link-shaper';
import type { NodeId } from '../core/ids';
import { MAX_FRAME_BYTES, type AcceptLink, type Link, type LinkHandler } from '../ports/transport';

/** A one-shot timer (the node's Scheduler shape: the adapter does not import src/node). */
export interface ShapeTimers {
  after(ms: number, fn: () => void): () => void;
}

export interface ShapedLinkStats {
  /** Messages handed to the shaped link, and their bytes (payload only). */
  messages: number;
  bytes: number;
  /** Messages the shaper dropped: none on a reliable shape (`resendAfterMs`), whose losses are resends. */
  dropped: number;
}

/**
 * How early a timer may fire and still deliver what it was set for: browser timers take whole
 * milliseconds (`setTimeout` truncates its delay), so one set for 9.6 ms may run at 9 ms.
 */
const TIMER_GRAIN_MS = 1;

/** A frame or relayed-signaling message waiting for its time on the thin wire. */
interface Held {
  readonly at: number;
  readonly payload: Uint8Array;
  readonly signal: boolean;
}

/**
 * A transport decorator that makes any link a thin one (docs/budgeter.md, "The link shaper"): each
 * frame sent waits for its fate from a seeded LinkShaper (serialised at the rate, then latency and
 * jitter, or lost) before the inner link gets it. For tests and benchmarks over the in-memory
 * transport, and for the app's real WebRTC links (`shapeLinks` on the automation handle). What
 * waits counts as the link's buffered amount, as it would on a real slow channel.
 *
 * Held messages wait in one queue ordered by their delivery time, with one timer for the head:
 * one timer per message would let a timer that rounds its delay down (a browser's) overtake an
 * earlier message due at the same time, and an ordered link must never reorder. Relayed signaling
 * (`sendSignal`) shares the queue, as it shares the data channel. The shape can change while the
 * link is open (`reshape`): what is already held keeps its time, what is sent later serialises
 * after it on the same wire (no burst at the change), and on an ordered shape (or none) nothing
 * sent later goes before it.
 */
export class ShapedLink implements Link {
  readonly stats: ShapedLinkStats = { messages: 0, bytes: 0, dropped: 0 };
  /** Called once when this end closes the link (LinkShaping forgets it). */
  onClose: (() => void) | undefined;
  private held = 0;
  private closed = false;
  private readonly queue: Held[] = [];
  private cancelTimer: (() => void) | undefined;
  private timerAt = Infinity;
  /** When the wire is free of what earlier shapes put on it (carried over a reshape). */
  private wireFreeAt = -Infinity;

  constructor(
    private readonly inner: Link,
    private shaper: LinkShaper | null,
    private readonly now: () => number,
    private readonly timers: ShapeTimers,
    private ordered = true,
  ) {}

  get peer(): Link['peer'] {
    return this.inner.peer;
  }

  get bufferedAmount(): number {
    return this.held + this.inner.bufferedAmount;
  }

  /**
   * Shapes what is sent from now on by `shaper` (`null`: unshaped); `ordered` as the shape says.
   * The new shape takes over the wire where the old one left it: what it sends serialises after
   * the frames still on the wire, so a reshape never lets a burst out (before, a fresh shaper
   * started with an idle wire and its first frames went out with the held ones, at once).
   */
  reshape(shaper: LinkShaper | null, ordered = true): void {
    this.wireFreeAt = Math.max(this.wireFreeAt, this.shaper?.freeAt() ?? -Infinity);
    shaper?.continueAfter(this.wireFreeAt);
    this.shaper = shaper;
    this.ordered = ordered;
  }

  send(frame: Uint8Array): void {
    // Thrown here, as the inner link would, not later from a timer.
    if (frame.byteLength > MAX_FRAME_BYTES) {
      throw new RangeError(`frame of ${frame.byteLength} bytes exceeds the ${MAX_FRAME_BYTES}-byte link limit`);
    }
    this.pass(frame, false);
  }

  /** Relayed signaling crosses the same wire as the frames, so it is shaped with them. */
  sendSignal(payload: Uint8Array): void {
    if (this.inner.sendSignal === undefined) return;
    this.pass(payload, true);
  }

  stalledMs(now: number): number {
    return this.inner.stalledMs?.(now) ?? 0;
  }

  close(reason: string): void {
    if (!this.closed) this.onClose?.();
    this.ended();
    this.inner.close(reason);
  }

  /** The far end closed the link: what is held will never cross, so drop it and its timer. */
  ended(): void {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = Infinity;
    this.queue.length = 0;
    this.held = 0;
  }

  private pass(payload: Uint8Array, signal: boolean): void {
    if (this.closed) return;
    this.stats.messages += 1;
    this.stats.bytes += payload.length;
    // Unshaped and nothing held: straight on, without reading the clock (the app's every link, every frame).
    if (this.shaper === null && this.queue.length === 0) return this.deliver(payload, signal);
    const now = this.now();
    let at = now;
    if (this.shaper !== null) {
      const fate = this.shaper.send(payload.length, now);
      if (fate.type === 'drop') {
        this.stats.dropped += 1;
        return;
      }
      at = fate.at;
    }
    // The caller may reuse its buffer once send returns.
    const item: Held = { at, payload: payload.slice(), signal };
    this.held += item.payload.length;
    const tail = this.queue[this.queue.length - 1];
    if (this.ordered || tail === undefined || tail.at <= at) {
      // Ordered: never before what is already held (a new shape starts with an idle wire).
      this.queue.push(tail === undefined || tail.at <= at ? item : { ...item, at: tail.at });
    } else {
      let i = this.queue.length;
      while (i > 0 && this.queue[i - 1]!.at > at) i--;
      this.queue.splice(i, 0, item);
    }
    this.arm();
  }

  /** One timer, for the head of the queue. */
  private arm(): void {
    const head = this.queue[0];
    if (head === undefined || head.at >= this.timerAt) return;
    this.cancelTimer?.();
    this.timerAt = head.at;
    this.cancelTimer = this.timers.after(Math.max(0, head.at - this.now()), () => this.due());
  }

  private due(): void {
    this.cancelTimer = undefined;
    this.timerAt = Infinity;
    const until = this.now() + TIMER_GRAIN_MS;
    while (!this.closed && this.queue.length > 0 && this.queue[0]!.at <= until) {
      const item = this.queue.shift()!;
      this.held -= item.payload.length;
      this.deliver(item.payload, item.signal);
    }
    if (!this.closed) this.arm();
  }

  private deliver(payload: Uint8Array, signal: boolean): void {
    if (signal) this.inner.sendSignal?.(payload);
    else this.inner.send(payload);
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
    const s = shape(link);
    const shaped = new ShapedLink(link, new LinkShaper(s), now, timers, s.ordered ?? true);
    onLink?.(shaped);
    return accept(shaped);
  };
}

/**
 * One shape for every link of a node, now and later (`window.lattice.shapeLinks`, a field exercise:
 * the node's links act as a thin radio hop). `accept` wraps a transport's AcceptLink so each link it
 * opens is a ShapedLink, unshaped until a shape is set; `set` reshapes every open link and the ones
 * to come, `null` lifting the shape. Each link draws its losses and jitter from its own seed (the
 * shape's seed mixed with the peer's id), so two links do not lose the same frames. Only what this
 * node sends is shaped: shape both ends for a hop that is thin both ways.
 */
export class LinkShaping {
  private shape: LinkShape | null = null;
  private readonly open = new Set<ShapedLink>();

  constructor(
    private readonly now: () => number,
    private readonly timers: ShapeTimers,
  ) {}

  /** The shape in force, `null` when links are not shaped. */
  get current(): LinkShape | null {
    return this.shape;
  }

  /** The open links, for their figures. */
  links(): readonly ShapedLink[] {
    return [...this.open];
  }

  set(shape: LinkShape | null): void {
    // Checked here, before any link takes it: a bad shape throws and changes nothing.
    if (shape !== null) new LinkShaper(shape);
    this.shape = shape;
    for (const link of this.open) link.reshape(this.shaperFor(link.peer), shape?.ordered ?? true);
  }

  accept(accept: AcceptLink): AcceptLink {
    return (link) => {
      const shaped = new ShapedLink(
        link,
        this.shaperFor(link.peer),
        this.now,
        this.timers,
        this.shape?.ordered ?? true,
      );
      this.open.add(shaped);
      shaped.onClose = () => this.open.delete(shaped);
      const handler = accept(shaped);
      const closed = (reason: string): void => {
        this.open.delete(shaped);
        shaped.ended();
        handler.closed(reason);
      };
      const wrapped: LinkHandler = {
        receive: (frame) => handler.receive(frame),
        closed,
        ...(handler.signal === undefined ? {} : { signal: (payload: Uint8Array) => handler.signal?.(payload) }),
      };
      return wrapped;
    };
  }

  private shaperFor(peer: NodeId): LinkShaper | null {
    if (this.shape === null) return null;
    return new LinkShaper({ ...this.shape, seed: mixSeed(this.shape.seed, peer) });
  }
}

/** The shape's seed mixed with the peer's id (FNV-1a): a seed of its own per link, the same every run. */
function mixSeed(seed: number, peer: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < peer.length; i++) h = Math.imul(h ^ peer.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
