import type { RelaySignaling } from '../../adapters/signaling/relay-signaling';
import { CHANNEL, withChannel } from '../../adapters/webrtc/frame-channel';
import type { CreatePeer, PeerSignal } from '../../adapters/webrtc/peer-connection';
import type { NodeId } from '../../core/ids';
import { backoffDelay } from '../../core/retry/backoff';
import {
  RECONNECT_BACKOFF,
  randomToken,
  type AnnounceSignal,
  type ByeReason,
  type ByeSignal,
  type Signal,
  type SignalingKind,
  type SignalingStats,
  type SignalingTransport,
} from '../../ports/signaling';
import { MAX_LINKS } from '../../ports/transport';
import { ConnSlot } from './conn-slot';
import { DEFAULT_TIMING, LOW_WATER_MARK, MAX_KNOWN, TARGET_LINKS, type LinkView, type MeshTiming } from './mesh-types';
import { PeerLink, type PeerLinkHooks } from './peer-link';
import { SignalRouter } from './signal-router';
import type { OpenBridge } from './worker-bridge';

export interface LinkManagerOptions {
  readonly self: NodeId;
  readonly lattice: string;
  /** Every signaling path; the relay, if present, is also fed frames from the links. */
  readonly transports: readonly SignalingTransport[];
  readonly relay?: RelaySignaling;
  readonly createPeer: CreatePeer;
  readonly openBridge: OpenBridge;
  readonly maxLinks?: number;
  /** Links sought by this node; beyond, only nodes short of links are taken (up to maxLinks). */
  readonly targetLinks?: number;
  readonly timing?: Partial<MeshTiming>;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly log?: (message: string, detail?: unknown) => void;
}

/**
 * The page's side of the mesh: one WebRTC connection per remote node, found and opened through
 * the signaling paths. The lower node id opens (no glare); at most `maxLinks` links, and existing
 * ones are never dropped for new ones; lost links come back with backoff and jitter; a partition
 * closes links and refuses the peer at the listener until healed.
 */
export class LinkManager {
  readonly self: NodeId;
  readonly lattice: string;
  /** Random per page load: peers tell a reload of this node from a stale link to it. */
  readonly incarnation: string;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly refused = new Set<NodeId>();
  private refuseAll = false;
  private readonly router: SignalRouter;
  private readonly timing: MeshTiming;
  private readonly maxLinks: number;
  private readonly targetLinks: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: (message: string, detail?: unknown) => void;
  private readonly hooks: PeerLinkHooks;
  private readonly drops: Record<string, number> = {};
  private reannounceTimer: ReturnType<typeof setInterval> | undefined;
  private started = false;
  /** Connection attempts outside any link yet (a pairing offer waiting for its answer). */
  pendingOutside = 0;

  constructor(private readonly options: LinkManagerOptions) {
    this.self = options.self;
    this.lattice = options.lattice;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.maxLinks = options.maxLinks ?? MAX_LINKS;
    this.targetLinks = Math.min(this.maxLinks, options.targetLinks ?? TARGET_LINKS);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? ((m, d) => console.warn(`[lattice mesh] ${m}`, d ?? ''));
    this.incarnation = randomToken(this.random);
    this.router = new SignalRouter(options.transports, this.now);
    this.hooks = {
      timing: this.timing,
      openBridge: options.openBridge,
      now: this.now,
      log: this.log,
      sendSignal: (link, signal) => this.sendPeerSignal(link, signal),
      connected: (link) => this.onConnected(link),
      ended: (link, reason) => this.onEnded(link, reason),
      relay: (link, payload) => options.relay?.receiveFrame(link.peer, payload),
      drop: (reason) => this.drop(reason),
    };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.router.start((signal, via) => {
      try {
        this.onSignal(signal, via);
      } catch (error) {
        // A peer's message must never take the mesh down.
        this.log('signal handler failed', error);
        this.drop('handler-error');
      }
    });
    this.announce(undefined);
    this.reannounceTimer = setInterval(() => {
      if (this.activeCount() < this.targetLinks) this.announce(undefined, ['broadcast', 'websocket']);
    }, this.timing.reannounceMs);
  }

  /** Leaves: tells the lattice, closes every connection, stops signaling. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    if (this.reannounceTimer !== undefined) clearInterval(this.reannounceTimer);
    this.router.send(this.bye(undefined, 'left'), ['broadcast', 'websocket']);
    for (const link of this.links.values()) {
      link.clearRetry();
      link.stop('left');
    }
    this.router.close();
  }

  peers(): LinkView[] {
    return [...this.links.values()].map((l) => l.view());
  }

  connectedPeers(): NodeId[] {
    return [...this.links.values()].filter((l) => l.state === 'connected').map((l) => l.peer);
  }

  signaling(): SignalingStats[] {
    return this.router.stats();
  }

  dropped(): Readonly<Record<string, number>> {
    return { ...this.drops };
  }

  /** Cuts the link to `peer` (or every link) and refuses it until heal(). */
  partition(peer?: NodeId): void {
    if (peer === undefined) this.refuseAll = true;
    else this.refused.add(peer);
    const targets = peer === undefined ? [...this.links.values()] : [this.linkFor(peer)];
    for (const link of targets) {
      if (link === undefined) continue;
      // Tell the peer this very connection is over: it need not wait for the dead-link timeout.
      if (link.active && link.session !== undefined) this.router.send(this.bye(link.peer, 'refused', link.session));
      link.clearRetry();
      link.state = 'refused';
      link.stop('partition');
    }
  }

  /** Lifts a partition and reconnects at once. heal() lifts every refusal; heal(peer) that peer's own. */
  heal(peer?: NodeId): void {
    if (peer === undefined) {
      this.refuseAll = false;
      this.refused.clear();
    } else {
      this.refused.delete(peer);
    }
    for (const link of this.links.values()) {
      if ((peer !== undefined && link.peer !== peer) || this.isRefused(link.peer)) continue;
      if (link.state !== 'refused') continue;
      link.state = 'disconnected';
      link.attempts = 0;
      link.dormant = false;
      this.retry(link);
    }
    if (peer === undefined) this.announce(undefined);
  }

  /** partition() without a peer is in force: every peer is refused. */
  get isolated(): boolean {
    return this.refuseAll;
  }

  isRefused(peer: NodeId): boolean {
    return this.refuseAll || this.refused.has(peer);
  }

  hasCapacity(): boolean {
    return this.activeCount() + this.pendingOutside < this.maxLinks;
  }

  /** Whether to link with a peer that has `theirLinks` links: below our target, or it is short of links. */
  private wantsLink(theirLinks: number): boolean {
    const ours = this.activeCount() + this.pendingOutside;
    return ours < this.targetLinks || (ours < this.maxLinks && theirLinks < this.targetLinks);
  }

  /** The link record for a peer, made if there is room for one. */
  linkFor(peer: NodeId): PeerLink | undefined {
    let link = this.links.get(peer);
    if (link === undefined) {
      if (this.links.size >= MAX_KNOWN && !this.forgetOne()) return undefined;
      link = new PeerLink(peer, this.hooks);
      if (this.isRefused(peer)) link.state = 'refused';
      this.links.set(peer, link);
    }
    return link;
  }

  /** A new connection for pairing or glare-free opening, with its event slot. */
  newConnection(initiator: boolean, trickle: boolean): { conn: ReturnType<CreatePeer>; slot: ConnSlot } {
    const slot = new ConnSlot();
    const conn = this.options.createPeer({ initiator, trickle, lowWaterMark: LOW_WATER_MARK }, slot);
    return { conn, slot };
  }

  private activeCount(): number {
    let n = 0;
    for (const link of this.links.values()) if (link.active) n++;
    return n;
  }

  private onSignal(signal: Signal, via: SignalingKind): void {
    if (signal.from === this.self || signal.lattice !== this.lattice) return;
    if (signal.to !== undefined && signal.to !== this.self) return;
    this.router.heard(signal.from, via);
    if (this.isRefused(signal.from)) {
      // The listener-level refusal that makes a partition hold: nothing from this peer gets in.
      // An offer is answered with a bye, so the peer backs off instead of waiting out its timeout.
      this.drop('refused');
      if (signal.type === 'offer') this.router.send(this.bye(signal.from, 'refused', signal.data.session));
      return;
    }
    switch (signal.type) {
      case 'announce':
        return this.onAnnounce(signal, via);
      case 'offer': {
        const link = this.acceptOffer(signal.from, signal.data.session);
        if (link === undefined) return;
        link.via = via;
        return link.signal({ type: 'offer', sdp: signal.data.sdp });
      }
      case 'answer': {
        const link = this.links.get(signal.from);
        if (link === undefined || !link.active || !link.initiator || link.session !== signal.data.session) {
          return this.drop('stale-answer');
        }
        if (link.described) return; // the same answer over a second path
        return link.signal({ type: 'answer', sdp: signal.data.sdp });
      }
      case 'candidate': {
        const link = this.links.get(signal.from);
        if (link === undefined || !link.active || link.session !== signal.data.session) {
          return this.drop('stale-candidate');
        }
        const { candidate, sdpMid, sdpMLineIndex } = signal.data;
        return link.signal({ type: 'candidate', candidate, sdpMid, sdpMLineIndex });
      }
      case 'bye':
        return this.onBye(signal);
      default: {
        const never: never = signal;
        this.drop(`unknown-${String(never)}`);
      }
    }
  }

  private onAnnounce(signal: AnnounceSignal, via: SignalingKind): void {
    const existing = this.links.get(signal.from);
    const restarted = existing?.incarnation !== undefined && existing.incarnation !== signal.data.incarnation;
    if (existing?.active) {
      // A reloaded peer announces with a new incarnation: the link we hold to its old page is dead.
      // An attempt stuck connecting is retried at once: the peer is there, our offer was lost.
      if (restarted) existing.stop('peer-restarted');
      else if (existing.stuck(this.timing.stuckMs)) existing.stop('stuck');
      else return;
    }
    if (existing !== undefined) {
      existing.incarnation = signal.data.incarnation;
      existing.peerLinks = signal.data.links;
    }
    if (!this.wantsLink(signal.data.links ?? 0)) return;
    const link = this.linkFor(signal.from);
    if (link === undefined) return;
    link.incarnation = signal.data.incarnation;
    link.peerLinks = signal.data.links;
    link.via = via;
    link.dormant = false;
    if (this.self < signal.from) {
      link.attempts = 0;
      this.connect(link);
    } else if (signal.to === undefined || restarted) {
      // The lower id opens: tell it we are here (it may not have heard our announce).
      this.announce(signal.from);
      this.awaitOffer(link);
    }
  }

  /** Finds or makes the link that answers an offer; undefined if refused. */
  private acceptOffer(from: NodeId, session: string): PeerLink | undefined {
    const existing = this.links.get(from);
    if (existing?.active) {
      if (existing.session === session) return undefined; // the same offer over a second path
      if (existing.initiator && existing.state === 'connecting' && this.self < from) {
        this.drop('glare'); // both opened at once: ours wins, theirs will be answered by our offer
        return undefined;
      }
      existing.stop('superseded');
    } else if (!this.wantsLink(existing?.peerLinks ?? this.targetLinks)) {
      // Beyond our target we take only nodes short of links; a burst of offers to a newcomer
      // must not fill every slot of the mesh.
      this.router.send(this.bye(from, 'full', session));
      return undefined;
    }
    const link = this.linkFor(from);
    if (link === undefined) return undefined;
    const { conn, slot } = this.newConnection(false, true);
    link.attach(conn, slot, { session, initiator: false });
    return link;
  }

  private onBye(signal: ByeSignal): void {
    const link = this.links.get(signal.from);
    if (link === undefined) return;
    const session = signal.data.session;
    if (session !== undefined && link.session !== session) return;
    const reason = signal.data.reason;
    if (session !== undefined && link.active) {
      // The peer ended this very connection (e.g. it partitioned us): close our side now.
      link.stop(reason);
      if (reason === 'left' || reason === 'gone') link.dormant = true;
      return this.scheduleRetry(link);
    }
    switch (reason) {
      case 'left':
        link.clearRetry();
        link.dormant = true;
        return link.stop('left');
      case 'gone':
        // Its signaling socket is gone, not necessarily the node: an open link stays.
        if (link.state === 'connected') return;
        link.clearRetry();
        link.dormant = true;
        return link.stop('gone');
      case 'full':
        // It has links enough: wait for it to announce that it wants more.
        if (link.state === 'connected') return;
        link.clearRetry();
        link.dormant = true;
        return link.stop(reason);
      case 'refused':
        if (link.state === 'connected') return;
        link.stop(reason);
        return this.scheduleRetry(link);
      default: {
        const never: never = reason;
        this.drop(`bye-${String(never)}`);
      }
    }
  }

  private connect(link: PeerLink): void {
    if (link.active || this.isRefused(link.peer)) return;
    if (!this.hasCapacity()) return this.scheduleRetry(link);
    link.clearRetry();
    const { conn, slot } = this.newConnection(true, true);
    link.attach(conn, slot, { session: randomToken(this.random), initiator: true });
  }

  /** As the higher id we wait for the peer's offer; if none comes, we nudge it again later. */
  private awaitOffer(link: PeerLink): void {
    link.clearRetry();
    link.state = 'connecting';
    link.retryTimer = setTimeout(() => {
      link.retryTimer = undefined;
      if (link.active || link.state !== 'connecting') return;
      link.state = 'disconnected';
      link.lastError = 'no-offer';
      this.scheduleRetry(link);
    }, this.timing.connectTimeoutMs);
  }

  private retry(link: PeerLink): void {
    if (link.active || this.isRefused(link.peer) || !this.started) return;
    if (this.self < link.peer) return this.connect(link);
    this.announce(link.peer);
    this.awaitOffer(link);
  }

  private scheduleRetry(link: PeerLink): void {
    link.clearRetry();
    if (this.isRefused(link.peer) || link.dormant || !this.started) return;
    if (link.attempts >= this.timing.maxAttempts) {
      // A peer silent this long is waited for: its next announce opens the link again.
      link.dormant = true;
      return;
    }
    const delay = backoffDelay(++link.attempts, RECONNECT_BACKOFF, this.random);
    link.retryTimer = setTimeout(() => {
      link.retryTimer = undefined;
      this.retry(link);
    }, delay);
  }

  private onConnected(link: PeerLink): void {
    // Through this new neighbour, the rest of its mesh learns of us (relay signaling).
    this.options.relay?.sendTo(link.peer, this.announceSignal(undefined));
  }

  private onEnded(link: PeerLink, reason: string): void {
    this.options.relay?.linkDown(link.peer);
    if (this.isRefused(link.peer)) {
      link.state = 'refused';
      return;
    }
    this.log(`link to ${link.peer} ended: ${reason}`);
    this.scheduleRetry(link);
  }

  private sendPeerSignal(link: PeerLink, signal: PeerSignal): void {
    const session = link.session;
    if (session === undefined) return;
    const base = { from: this.self, to: link.peer, lattice: this.lattice };
    const message: Signal =
      signal.type === 'candidate'
        ? {
            type: 'candidate',
            ...base,
            data: {
              session,
              candidate: signal.candidate,
              sdpMid: signal.sdpMid,
              sdpMLineIndex: signal.sdpMLineIndex,
            },
          }
        : { type: signal.type, ...base, data: { session, sdp: signal.sdp } };
    if (!this.router.send(message)) this.drop('no-signaling-path');
  }

  /** Sends a relay payload to a connected neighbour (RelayNetwork). */
  sendRelay(peer: NodeId, payload: Uint8Array): boolean {
    const link = this.links.get(peer);
    if (link === undefined || link.state !== 'connected') return false;
    return link.send(withChannel(CHANNEL.relay, payload));
  }

  announceSignal(to: NodeId | undefined): AnnounceSignal {
    return {
      type: 'announce',
      from: this.self,
      lattice: this.lattice,
      ...(to === undefined ? {} : { to }),
      data: { incarnation: this.incarnation, links: this.activeCount() },
    };
  }

  private announce(to: NodeId | undefined, only?: readonly SignalingKind[]): void {
    this.router.send(this.announceSignal(to), only);
  }

  private bye(to: NodeId | undefined, reason: ByeReason, session?: string): ByeSignal {
    return {
      type: 'bye',
      from: this.self,
      lattice: this.lattice,
      ...(to === undefined ? {} : { to }),
      data: { reason, ...(session === undefined ? {} : { session }) },
    };
  }

  private drop(reason: string): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  /** Forgets one long-silent peer to make room for a new one. */
  private forgetOne(): boolean {
    for (const [peer, link] of this.links) {
      if (!link.active && link.dormant && link.state !== 'refused') {
        this.links.delete(peer);
        return true;
      }
    }
    return false;
  }
}
