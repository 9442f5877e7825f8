import { FlowSender } from '../../adapters/webrtc/flow-sender';
import { CHANNEL, RETIRED_PING_CHANNEL } from '../../adapters/webrtc/frame-channel';
import type { PeerConnection, PeerEvents, PeerSignal } from '../../adapters/webrtc/peer-connection';
import type { NodeId } from '../../core/ids';
import type { SignalingKind } from '../../ports/signaling';
import type { ConnSlot } from './conn-slot';
import type { LinkState, LinkView, MeshTiming } from './mesh-types';
import type { MeshClock } from './timers';
import type { BridgedLink, OpenBridge } from './worker-bridge';

/** Bytes we hold for a connection that has not reported `connect` yet. */
const MAX_EARLY_BYTES = 4 * 1024 * 1024;

/** What a link needs from its manager. */
export interface RtcLinkHooks {
  readonly timing: MeshTiming;
  readonly clock: MeshClock;
  readonly openBridge: OpenBridge;
  readonly log: (message: string, detail?: unknown) => void;
  /** A trickle signal from this link's connection, to send to the peer. */
  sendSignal(link: RtcLink, signal: PeerSignal): void;
  connected(link: RtcLink): void;
  /** The connection ended by itself (remote close, ICE failure, timeout, worker close). */
  ended(link: RtcLink, reason: string): void;
  relay(link: RtcLink, payload: Uint8Array): void;
  drop(reason: string): void;
}

export interface AttachOptions {
  readonly session: string;
  readonly initiator: boolean;
  /** Manual pairing: signals go to the pairing flow, and the person carrying them gets longer. */
  readonly manual?: (signal: PeerSignal) => void;
}

/**
 * The page's link to one remote node: at most one WebRTC connection attempt at a time, its
 * flow-controlled sender, its bridge to the worker, and what we know of the peer. Liveness and
 * round-trip time are the sync session's (its heartbeat runs in the worker, over this link): a
 * silent peer is declared dead there, and the worker closes the bridge. Its state changes only
 * through its own methods.
 */
export class RtcLink {
  private linkState: LinkState = 'disconnected';
  private sessionId: string | undefined;
  private opener = false;
  private remoteDescribed = false;
  private latestStamp: number | undefined;
  private peerIncarnation: string | undefined;
  private announcedLinks: number | undefined;
  private failedAttempts = 0;
  private path: SignalingKind | undefined;
  private sleeping = false;
  private refusedByPeer = false;
  private error: string | undefined;
  private conn: PeerConnection | undefined;
  private slot: ConnSlot | undefined;
  private manual: AttachOptions['manual'];
  private sender: FlowSender | undefined;
  private bridge: BridgedLink | undefined;
  private cancelConnectTimer: (() => void) | undefined;
  private cancelRetry: (() => void) | undefined;
  private cancelReports: (() => void) | undefined;
  private reportQueued = false;
  private bytesIn = 0;
  private bytesOut = 0;
  private bridgedBytes = 0;
  /** The worker refused the peer and only waits for it to close (BridgeEvents.lingering). */
  private refusedWaiting = false;
  private connectedSince: number | undefined;
  private attemptStartedAt = 0;
  private cancelStable: (() => void) | undefined;
  /**
   * Frames that arrived before our side reported `connect`: simple-peer announces it only after
   * polling the ICE stats, and the peer may already be sending. They are replayed, never dropped.
   */
  private early: Uint8Array[] = [];
  private earlyBytes = 0;

  constructor(
    readonly peer: NodeId,
    private readonly hooks: RtcLinkHooks,
  ) {}

  get state(): LinkState {
    return this.linkState;
  }
  /** The current attempt's id (signals of other attempts are stale). */
  get session(): string | undefined {
    return this.sessionId;
  }
  get initiator(): boolean {
    return this.opener;
  }
  /** The remote's answer (or, for us as answerer, its offer) was applied to the connection. */
  get described(): boolean {
    return this.remoteDescribed;
  }
  get incarnation(): string | undefined {
    return this.peerIncarnation;
  }
  /** The peer's link count from its last announce. */
  get peerLinks(): number | undefined {
    return this.announcedLinks;
  }
  /** Failed attempts since the last success (drives the backoff). */
  get attempts(): number {
    return this.failedAttempts;
  }
  /** Set when the peer said it left (or went silent): no retries until it announces itself again. */
  get dormant(): boolean {
    return this.sleeping;
  }
  get lastError(): string | undefined {
    return this.error;
  }

  /** A connection attempt is under way or open. */
  get active(): boolean {
    return this.conn !== undefined;
  }

  /**
   * Open, but the worker refused the peer at admission and only waits for it to close (at most
   * REFUSAL_LINGER_MS): it holds none of our link slots (LinkTable.activeCount).
   */
  get lingering(): boolean {
    return this.conn !== undefined && this.refusedWaiting;
  }

  get paired(): boolean {
    return this.manual !== undefined;
  }

  /** The latest sender clock of an announce or offer taken from the peer (its own clock, ms). */
  get peerStamp(): number | undefined {
    return this.latestStamp;
  }

  /**
   * Records the stamp of an announce or offer taken from the peer: the latest is kept while a link
   * is live; with none (`fresh`), a stamped signal starts the stamp over, so a peer whose clock went
   * back after a reload can still link. An unstamped signal leaves it as it is.
   */
  stamped(at: number | undefined, fresh = false): void {
    if (at === undefined) return;
    if (fresh || this.latestStamp === undefined || at > this.latestStamp) this.latestStamp = at;
  }

  /**
   * Whether an announce of another incarnation or an offer of another session, stamped `at`, must
   * leave the live link alone (docs/security.md, "Stale offers and announces"): only a stamped signal
   * can supersede a live link, and only if it is not older than the latest stamp taken from the peer.
   * This build stamps every announce and offer (Signals), so an unstamped one is an older client's
   * or a replay of one; either may still open a link when none is live, never end one. Stamps are
   * compared only with the same peer's own stamps, so clock skew between nodes does not matter.
   */
  isStale(at: number | undefined): boolean {
    if (at === undefined) return true;
    return this.latestStamp !== undefined && at < this.latestStamp;
  }

  /** What the peer's announce told us. */
  announced(incarnation: string, links: number | undefined): void {
    this.peerIncarnation = incarnation;
    this.announcedLinks = links;
  }

  /** The signaling path the peer last reached us by. */
  reachedVia(via: SignalingKind): void {
    this.path = via;
  }

  /** Counts one more failed attempt; returns the count. */
  failed(): number {
    return ++this.failedAttempts;
  }

  resetAttempts(): void {
    this.failedAttempts = 0;
  }

  /** No retries until the peer announces itself again. */
  sleep(): void {
    this.sleeping = true;
  }

  wake(): void {
    this.sleeping = false;
  }

  /**
   * The peer refused our latest attempt (it is partitioned from us). It signals nothing while
   * refusing; its next announce addressed to us says it healed (Reconnect, SignalHandler).
   */
  get refusedUs(): boolean {
    return this.refusedByPeer;
  }

  peerRefused(): void {
    this.refusedByPeer = true;
  }

  /** Partitioned from this peer: the link shows as refused (stop() keeps it so). */
  refuse(): void {
    this.linkState = 'refused';
  }

  /** The partition is lifted: retry from scratch. False if the link was not refused. */
  unrefuse(): boolean {
    if (this.linkState !== 'refused') return false;
    this.linkState = 'disconnected';
    this.failedAttempts = 0;
    this.sleeping = false;
    return true;
  }

  /** Runs `fn` after `ms` unless cleared (or replaced) first: at most one retry is pending. */
  retryIn(ms: number, fn: () => void): void {
    this.clearRetry();
    this.cancelRetry = this.hooks.clock.after(ms, () => {
      this.cancelRetry = undefined;
      fn();
    });
  }

  clearRetry(): void {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
  }

  /** As the higher id we wait for the peer's offer (no connection of ours yet). */
  awaitingOffer(): void {
    this.linkState = 'connecting';
  }

  /** No offer came in time: true if we were still waiting for one. */
  offerMissed(): boolean {
    if (this.active || this.linkState !== 'connecting') return false;
    this.linkState = 'disconnected';
    this.error = 'no-offer';
    return true;
  }

  /** Takes a new connection (made by the manager or by pairing) as this link's attempt. */
  attach(conn: PeerConnection, slot: ConnSlot, options: AttachOptions): void {
    this.stop('superseded');
    this.conn = conn;
    this.slot = slot;
    this.sessionId = options.session;
    this.opener = options.initiator;
    this.manual = options.manual;
    this.remoteDescribed = false;
    this.refusedByPeer = false;
    this.linkState = 'connecting';
    this.attemptStartedAt = this.hooks.clock.monotonic();
    this.sleeping = false;
    this.clearRetry();
    slot.target = this.events();
    const timeout = options.manual ? this.hooks.timing.pairingTimeoutMs : this.hooks.timing.connectTimeoutMs;
    this.cancelConnectTimer = this.hooks.clock.after(timeout, () => this.end('timeout'));
  }

  /** Applies a remote offer, answer or candidate to the current attempt. */
  signal(signal: PeerSignal, via?: SignalingKind): void {
    if (via !== undefined) this.path = via;
    if (signal.type !== 'candidate') this.remoteDescribed = true;
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

  /**
   * Sends a relayed-signaling message to the peer through the worker, whose budget for this link
   * carries every byte on it (docs/budgeter.md); false if the link is not connected.
   */
  sendRelay(payload: Uint8Array): boolean {
    if (this.sender === undefined || this.bridge === undefined) return false;
    this.bridge.signal(payload);
    return true;
  }

  /** Ends the current attempt or connection at our initiative; no hook is called. */
  stop(reason: string): void {
    this.cancelConnectTimer?.();
    this.cancelReports?.();
    this.cancelStable?.();
    this.cancelConnectTimer = this.cancelReports = this.cancelStable = undefined;
    if (this.slot !== undefined) this.slot.target = undefined;
    const conn = this.conn;
    this.conn = this.slot = this.sender = undefined;
    this.bridge?.close(reason);
    this.bridge = undefined;
    this.refusedWaiting = false;
    this.connectedSince = undefined;
    this.manual = undefined;
    this.early = [];
    this.earlyBytes = 0;
    if (conn === undefined) return;
    this.error = reason;
    if (this.linkState !== 'refused') this.linkState = 'disconnected';
    try {
      conn.destroy();
    } catch (error) {
      this.hooks.log(`link ${this.peer}: destroy failed`, error);
    }
  }

  /** An automatic attempt (not pairing) that has been connecting for longer than `ms`. */
  stuck(ms: number): boolean {
    return this.linkState === 'connecting' && !this.paired && this.hooks.clock.monotonic() - this.attemptStartedAt > ms;
  }

  /** What the page reports of this link; the RTT is the sync session's (mesh-handle joins them). */
  view(): LinkView {
    return {
      id: this.peer,
      state: this.linkState,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      connectedSince: this.connectedSince,
      bufferedAmount: this.sender?.bufferedAmount ?? 0,
      initiator: this.opener,
      attempts: this.failedAttempts,
      via: this.paired ? 'pairing' : this.path,
      lastError: this.error,
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
    this.cancelConnectTimer?.();
    this.cancelConnectTimer = undefined;
    this.linkState = 'connected';
    this.connectedSince = this.hooks.clock.now();
    this.error = undefined;
    // Opening is not success: a peer whose session ends at once would otherwise reset the backoff
    // on every connect. The failed attempts are forgotten once the connection has stayed up.
    this.cancelStable = this.hooks.clock.after(this.hooks.timing.stableMs, () => {
      this.cancelStable = undefined;
      this.failedAttempts = 0;
    });
    this.sender = new FlowSender(conn);
    this.bridge = this.hooks.openBridge(this.peer, {
      frame: (bytes) => {
        this.bridgedBytes += bytes.byteLength;
        this.send(bytes);
      },
      close: (reason) => this.end(`worker: ${reason}`),
      lingering: () => void (this.refusedWaiting = true),
    });
    // Besides the report after each burst: the worker's flow control must not wait on a quiet link.
    this.cancelReports = this.hooks.clock.every(this.hooks.timing.reportMs, () => this.report());
    this.hooks.connected(this);
    const early = this.early;
    this.early = [];
    this.earlyBytes = 0;
    for (const bytes of early) if (this.conn === conn) this.onData(bytes);
  }

  private onData(bytes: Uint8Array): void {
    if (this.linkState !== 'connected') {
      this.earlyBytes += bytes.byteLength;
      if (this.earlyBytes > MAX_EARLY_BYTES) return this.end('early-overflow');
      this.early.push(bytes);
      return;
    }
    this.bytesIn += bytes.byteLength;
    switch (bytes[0]) {
      case CHANNEL.sync:
        return this.bridge?.deliver(bytes);
      case CHANNEL.relay:
        return this.hooks.relay(this, bytes.subarray(1));
      case RETIRED_PING_CHANNEL:
        // Page pings from peers a release behind: the sync session's heartbeat replaced them.
        return;
      default:
        return this.hooks.drop('unknown-channel');
    }
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
