import { FlowSender } from '../../adapters/webrtc/flow-sender';
import { CHANNEL } from '../../adapters/webrtc/frame-channel';
import { decodeControl, encodeControl } from '../../adapters/webrtc/link-control';
import type { PeerConnection, PeerEvents, PeerSignal } from '../../adapters/webrtc/peer-connection';
import type { NodeId } from '../../core/ids';
import type { SignalingKind } from '../../ports/signaling';
import type { ConnSlot } from './conn-slot';
import type { LinkState, LinkView, MeshTiming } from './mesh-types';
import type { BridgedLink, OpenBridge } from './worker-bridge';

/** Bytes we hold for a connection that has not reported `connect` yet. */
const MAX_EARLY_BYTES = 4 * 1024 * 1024;

/** What a link needs from its manager. */
export interface PeerLinkHooks {
  readonly timing: MeshTiming;
  readonly openBridge: OpenBridge;
  /** Wall clock (epoch ms) for `connectedSince`; RTT uses performance.now. */
  readonly now: () => number;
  readonly log: (message: string, detail?: unknown) => void;
  /** A trickle signal from this link's connection, to send to the peer. */
  sendSignal(link: PeerLink, signal: PeerSignal): void;
  connected(link: PeerLink): void;
  /** The connection ended by itself (remote close, ICE failure, dead, timeout, worker close). */
  ended(link: PeerLink, reason: string): void;
  relay(link: PeerLink, payload: Uint8Array): void;
  drop(reason: string): void;
}

export interface AttachOptions {
  readonly session: string;
  readonly initiator: boolean;
  /** Manual pairing: signals go to the pairing flow, and the person carrying them gets longer. */
  readonly manual?: (signal: PeerSignal) => void;
}

/**
 * The link to one remote node: at most one connection attempt at a time, its flow-controlled
 * sender, its bridge to the worker, its liveness pings and its counters.
 */
export class PeerLink {
  state: LinkState = 'disconnected';
  session: string | undefined;
  initiator = false;
  /** The remote's answer (or, for us as answerer, its offer) was applied to the connection. */
  described = false;
  incarnation: string | undefined;
  /** The peer's link count from its last announce. */
  peerLinks: number | undefined;
  attempts = 0;
  via: SignalingKind | undefined;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set when the peer said it left: no retries until it announces itself again. */
  dormant = false;
  lastError: string | undefined;
  private conn: PeerConnection | undefined;
  private slot: ConnSlot | undefined;
  private manual: AttachOptions['manual'];
  private sender: FlowSender | undefined;
  private bridge: BridgedLink | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private reportQueued = false;
  private bytesIn = 0;
  private bytesOut = 0;
  private bridgedBytes = 0;
  private connectedSince: number | undefined;
  private attemptStartedAt = 0;
  /**
   * Frames that arrived before our side reported `connect`: simple-peer announces it only after
   * polling the ICE stats, and the peer may already be sending. They are replayed, never dropped.
   */
  private early: Uint8Array[] = [];
  private earlyBytes = 0;
  private lastInAt = 0;
  private rttMs: number | undefined;

  constructor(
    readonly peer: NodeId,
    private readonly hooks: PeerLinkHooks,
  ) {}

  /** A connection attempt is under way or open. */
  get active(): boolean {
    return this.conn !== undefined;
  }

  get paired(): boolean {
    return this.manual !== undefined;
  }

  /** Takes a new connection (made by the manager or by pairing) as this link's attempt. */
  attach(conn: PeerConnection, slot: ConnSlot, options: AttachOptions): void {
    this.stop('superseded');
    this.conn = conn;
    this.slot = slot;
    this.session = options.session;
    this.initiator = options.initiator;
    this.manual = options.manual;
    this.described = false;
    this.state = 'connecting';
    this.attemptStartedAt = performance.now();
    this.dormant = false;
    this.clearRetry();
    slot.target = this.events();
    const timeout = options.manual ? this.hooks.timing.pairingTimeoutMs : this.hooks.timing.connectTimeoutMs;
    this.connectTimer = setTimeout(() => this.end('timeout'), timeout);
  }

  /** Applies a remote offer, answer or candidate to the current attempt. */
  signal(signal: PeerSignal): void {
    if (signal.type !== 'candidate') this.described = true;
    this.conn?.signal(signal);
  }

  /** Sends one whole data-channel message (channel byte included); false if the link cannot. */
  send(bytes: Uint8Array): boolean {
    if (this.sender === undefined) return false;
    let result;
    try {
      result = this.sender.enqueue(bytes);
    } catch (error) {
      // The channel closed under us; its close event follows, but do not wait for it.
      this.hooks.log(`link ${this.peer}: send failed`, error);
      this.end('send-failed');
      return false;
    }
    switch (result) {
      case 'sent':
      case 'queued':
        this.bytesOut += bytes.byteLength;
        this.scheduleReport();
        return true;
      case 'too-large':
        this.hooks.drop('frame-too-large');
        return false;
      case 'overflow':
        // The producer ignores backpressure: cut the link rather than drop data silently.
        this.end('send-queue-overflow');
        return false;
      default: {
        const never: never = result;
        throw new Error(`unexpected enqueue result ${String(never)}`);
      }
    }
  }

  /** Ends the current attempt or connection at our initiative; no hook is called. */
  stop(reason: string): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.connectTimer = this.pingTimer = undefined;
    if (this.slot !== undefined) this.slot.target = undefined;
    const conn = this.conn;
    this.conn = this.slot = this.sender = undefined;
    this.bridge?.close(reason);
    this.bridge = undefined;
    this.connectedSince = undefined;
    this.manual = undefined;
    this.early = [];
    this.earlyBytes = 0;
    if (conn === undefined) return;
    this.lastError = reason;
    if (this.state !== 'refused') this.state = 'disconnected';
    try {
      conn.destroy();
    } catch (error) {
      this.hooks.log(`link ${this.peer}: destroy failed`, error);
    }
  }

  /** An automatic attempt (not pairing) that has been connecting for longer than `ms`. */
  stuck(ms: number): boolean {
    return this.state === 'connecting' && !this.paired && performance.now() - this.attemptStartedAt > ms;
  }

  clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  view(): LinkView {
    return {
      id: this.peer,
      state: this.state,
      rttMs: this.rttMs === undefined ? undefined : Math.round(this.rttMs * 10) / 10,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      connectedSince: this.connectedSince,
      bufferedAmount: this.sender?.bufferedAmount ?? 0,
      initiator: this.initiator,
      attempts: this.attempts,
      via: this.paired ? 'pairing' : this.via,
      lastError: this.lastError,
      paired: this.paired,
    };
  }

  private events(): PeerEvents {
    return {
      signal: (signal) => (this.manual ? this.manual(signal) : this.hooks.sendSignal(this, signal)),
      connect: () => this.onConnect(),
      data: (bytes) => this.onData(bytes),
      bufferedLow: () => {
        this.sender?.drain();
        this.scheduleReport();
      },
      close: (reason) => this.end(reason),
    };
  }

  /** The connection is over on its own: clean up, then let the manager decide about retrying. */
  private end(reason: string): void {
    if (this.conn === undefined) return;
    this.stop(reason);
    this.hooks.ended(this, reason);
  }

  private onConnect(): void {
    const conn = this.conn;
    if (conn === undefined) return;
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.state = 'connected';
    this.connectedSince = this.hooks.now();
    this.lastInAt = performance.now();
    this.attempts = 0;
    this.lastError = undefined;
    this.sender = new FlowSender(conn);
    this.bridge = this.hooks.openBridge(this.peer, {
      frame: (bytes) => {
        this.bridgedBytes += bytes.byteLength;
        this.send(bytes);
      },
      close: (reason) => this.end(`worker: ${reason}`),
    });
    this.pingTimer = setInterval(() => this.tick(), this.hooks.timing.pingMs);
    this.send(encodeControl({ kind: 'ping', sentAt: performance.now() }));
    this.hooks.connected(this);
    const early = this.early;
    this.early = [];
    this.earlyBytes = 0;
    for (const bytes of early) if (this.conn === conn) this.onData(bytes);
  }

  private onData(bytes: Uint8Array): void {
    if (this.state !== 'connected') {
      this.earlyBytes += bytes.byteLength;
      if (this.earlyBytes > MAX_EARLY_BYTES) return this.end('early-overflow');
      this.early.push(bytes);
      return;
    }
    this.bytesIn += bytes.byteLength;
    this.lastInAt = performance.now();
    switch (bytes[0]) {
      case CHANNEL.sync:
        return this.bridge?.deliver(bytes);
      case CHANNEL.relay:
        return this.hooks.relay(this, bytes.subarray(1));
      case CHANNEL.control:
        return this.onControl(bytes);
      default:
        return this.hooks.drop('unknown-channel');
    }
  }

  private onControl(bytes: Uint8Array): void {
    const frame = decodeControl(bytes);
    if (frame === undefined) return this.hooks.drop('bad-control');
    if (frame.kind === 'ping') {
      this.send(encodeControl({ kind: 'pong', sentAt: frame.sentAt }));
      return;
    }
    const sample = performance.now() - frame.sentAt;
    if (sample < 0 || sample > 120_000) return this.hooks.drop('bad-pong');
    this.rttMs = this.rttMs === undefined ? sample : this.rttMs * 0.8 + sample * 0.2;
  }

  private tick(): void {
    if (performance.now() - this.lastInAt > this.hooks.timing.deadMs) {
      this.end('dead');
      return;
    }
    this.send(encodeControl({ kind: 'ping', sentAt: performance.now() }));
    this.report();
  }

  /** One buffered-amount report per burst of frames (a microtask later). */
  private scheduleReport(): void {
    if (this.reportQueued || this.bridge === undefined) return;
    this.reportQueued = true;
    queueMicrotask(() => {
      this.reportQueued = false;
      this.report();
    });
  }

  private report(): void {
    if (this.sender !== undefined) this.bridge?.report(this.sender.bufferedAmount, this.bridgedBytes);
  }
}
