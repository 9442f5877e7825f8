import type { NodeId } from '../core/ids';
import { MAX_FRAME_BYTES, type AcceptLink, type Link, type LinkHandler } from '../ports/transport';
import { CHANNEL } from './webrtc/frame-channel';
import { clipReason, isToWorker, MAX_FRAMES_PER_MESSAGE, type FromWorker } from './port-link-messages';

/** Frames cross the port with the data channel's first byte, so the page forwards them untouched. */
const SYNC_CHANNEL = CHANNEL.sync;
const RELAY_CHANNEL = CHANNEL.relay;

/**
 * The page posts to the port at least every MeshTiming.reportMs (2 s) while the link is connected
 * (its buffered-amount report), besides every frame it relays: quiet for longer than this, the
 * page's main thread is stalled, and so is everything it relays for this link in both directions.
 */
export const RELAY_QUIET_MS = 3_000;

export interface PortLinkOptions {
  readonly peer: NodeId;
  readonly port: MessagePort;
  readonly accept: AcceptLink;
  readonly log: (message: string, detail?: unknown) => void;
  /** Clock for the relay's silence (default Date.now, the clock the mesh ticks with). */
  readonly now?: () => number;
}

/**
 * The worker's side of one WebRTC link: a `Link` over the MessagePort the page transferred for
 * it. The page owns the RTCDataChannel (none exists in a worker); this side only moves frames
 * and keeps bufferedAmount as the page last reported it plus what is still crossing the port.
 */
export class PortLink implements Link {
  readonly peer: NodeId;
  private readonly port: MessagePort;
  private readonly handler: LinkHandler;
  private readonly log: PortLinkOptions['log'];
  private ended = false;
  private posted = 0;
  private accepted = 0;
  private pageBuffered = 0;
  private readonly now: () => number;
  /** When the page last posted to this port. */
  private pageHeardAt: number;
  /** Frames sent in this turn, posted together at its end (one port message, not one each). */
  private outgoing: ArrayBuffer[] = [];

  constructor(options: PortLinkOptions) {
    this.peer = options.peer;
    this.port = options.port;
    this.log = options.log;
    this.now = options.now ?? (() => Date.now());
    this.pageHeardAt = this.now();
    this.handler = options.accept(this);
    this.port.onmessage = (event: MessageEvent<unknown>) => this.onMessage(event.data);
    this.port.onmessageerror = () => this.log(`link ${this.peer}: undecodable port message`);
  }

  get bufferedAmount(): number {
    return this.pageBuffered + Math.max(0, this.posted - this.accepted);
  }

  send(frame: Uint8Array): void {
    if (frame.byteLength > MAX_FRAME_BYTES) {
      throw new RangeError(`frame of ${frame.byteLength} bytes exceeds the ${MAX_FRAME_BYTES}-byte link limit`);
    }
    this.post(SYNC_CHANNEL, frame);
  }

  /** A relayed-signaling message the budget let go: back to the page, on the relay channel. */
  sendSignal(payload: Uint8Array): void {
    this.post(RELAY_CHANNEL, payload);
  }

  private post(channel: number, payload: Uint8Array): void {
    if (this.ended) return;
    const out = new Uint8Array(payload.byteLength + 1);
    out[0] = channel;
    out.set(payload, 1);
    this.posted += out.byteLength;
    if (this.outgoing.length === 0) queueMicrotask(() => this.flush());
    this.outgoing.push(out.buffer);
    if (this.outgoing.length >= MAX_FRAMES_PER_MESSAGE) this.flush();
  }

  /** Posts the frames of this turn: a burst of frames (a repair) costs one port message. */
  private flush(): void {
    const data = this.outgoing;
    this.outgoing = [];
    if (data.length === 0 || this.ended) return;
    const message: FromWorker = data.length === 1 ? { type: 'frame', data: data[0]! } : { type: 'frames', data };
    this.port.postMessage(message, data);
  }

  /** How long the page has been quiet beyond its reporting period (Link.stalledMs). */
  stalledMs(now: number): number {
    return Math.max(0, now - this.pageHeardAt - RELAY_QUIET_MS);
  }

  lingering(): void {
    if (this.ended) return;
    this.flush();
    const message: FromWorker = { type: 'lingering' };
    this.port.postMessage(message);
  }

  close(reason: string): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    const message: FromWorker = { type: 'close', reason: clipReason(reason) };
    this.port.postMessage(message);
    this.port.close();
  }

  private onMessage(data: unknown): void {
    if (this.ended) return;
    this.pageHeardAt = Math.max(this.pageHeardAt, this.now());
    if (!isToWorker(data)) {
      this.log(`link ${this.peer}: malformed port message dropped`);
      return;
    }
    switch (data.type) {
      case 'frame':
        if (new Uint8Array(data.data, 0, 1)[0] !== SYNC_CHANNEL) {
          this.log(`link ${this.peer}: frame for another channel dropped`);
          return;
        }
        return this.call('receive', () => this.handler.receive(new Uint8Array(data.data, 1)));
      case 'relay': {
        const payload = new Uint8Array(data.data);
        return this.call('signal', () => this.handler.signal?.(payload));
      }
      case 'buffered':
        this.pageBuffered = data.amount;
        this.accepted = Math.max(this.accepted, data.accepted);
        return;
      case 'closed':
        this.ended = true;
        this.port.close();
        return this.call('closed', () => this.handler.closed(data.reason));
      default: {
        const never: never = data;
        this.log(`link ${this.peer}: unknown message`, never);
      }
    }
  }

  /** The mesh's handler runs here: its failure is logged, never thrown into the port's event loop. */
  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log(`link ${this.peer}: ${what} handler failed`, error);
    }
  }
}
