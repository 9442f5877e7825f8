import type { RelaySignaling } from '../../adapters/signaling/relay-signaling';
import type { CreatePeer } from '../../adapters/webrtc/peer-connection';
import type { NodeId } from '../../core/ids';
import {
  randomToken,
  type AnnounceSignal,
  type SignalingKind,
  type SignalingStats,
  type SignalingTransport,
} from '../../ports/signaling';
import { MAX_LINKS } from '../../ports/transport';
import { Admission } from './admission';
import { ConnSlot } from './conn-slot';
import { DropCounters } from './drop-counters';
import { LinkTable } from './link-table';
import { DEFAULT_TIMING, LOW_WATER_MARK, TARGET_LINKS, type LinkView, type MeshTiming } from './mesh-types';
import { Reconnect } from './reconnect';
import { Refusals } from './refusals';
import { RtcLink, type RtcLinkHooks } from './rtc-link';
import { SignalHandler } from './signal-handler';
import { SignalRouter } from './signal-router';
import { Signals } from './signals';
import { systemClock, type MeshClock } from './timers';
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
  /** Clock and timers (default the system's). */
  readonly clock?: MeshClock;
  readonly random?: () => number;
  readonly log?: (message: string, detail?: unknown) => void;
}

/**
 * The page's side of the mesh: one WebRTC connection per remote node, found and opened through
 * the signaling paths. The lower node id opens (no glare); at most `maxLinks` links, and existing
 * ones are never dropped for new ones; lost links come back with backoff and jitter; a partition
 * closes links and refuses the peer at the listener until healed. This class wires the parts:
 * the link records (LinkTable, RtcLink), how many to take (Admission), incoming signals
 * (SignalHandler), retries (Reconnect), partitions (Refusals) and the drop counters.
 */
export class LinkManager {
  readonly self: NodeId;
  readonly lattice: string;
  /** Random per page load: peers tell a reload of this node from a stale link to it. */
  readonly incarnation: string;
  private readonly router: SignalRouter;
  private readonly timing: MeshTiming;
  /** The clock and timers every part of the page mesh uses (pairing too). */
  readonly clock: MeshClock;
  private readonly random: () => number;
  private readonly log: (message: string, detail?: unknown) => void;
  private readonly refusals = new Refusals();
  private readonly drops = new DropCounters();
  private readonly table: LinkTable;
  private readonly admission: Admission;
  private readonly signals: Signals;
  private readonly reconnect: Reconnect;
  private readonly handler: SignalHandler;
  private stopReannouncing: (() => void) | undefined;
  private started = false;

  constructor(private readonly options: LinkManagerOptions) {
    this.self = options.self;
    this.lattice = options.lattice;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? ((m, d) => console.warn(`[lattice mesh] ${m}`, d ?? ''));
    this.incarnation = randomToken(this.random);
    this.router = new SignalRouter(options.transports, () => this.clock.now());
    const hooks: RtcLinkHooks = {
      timing: this.timing,
      clock: this.clock,
      openBridge: options.openBridge,
      log: this.log,
      sendSignal: (link, signal) => {
        const session = link.session;
        if (session === undefined) return;
        if (!this.router.send(this.signals.peer(link.peer, session, signal))) this.drops.drop('no-signaling-path');
      },
      connected: (link) => this.onConnected(link),
      ended: (link, reason) => this.onEnded(link, reason),
      relay: (link, payload) => options.relay?.receiveFrame(link.peer, payload),
      drop: (reason) => this.drops.drop(reason),
    };
    this.table = new LinkTable(
      (peer) => new RtcLink(peer, hooks),
      this.refusals,
      () => this.drops.drop('known-peers-full'),
    );
    const maxLinks = options.maxLinks ?? MAX_LINKS;
    this.admission = new Admission(this.table, maxLinks, Math.min(maxLinks, options.targetLinks ?? TARGET_LINKS));
    this.signals = new Signals(
      this.self,
      this.lattice,
      this.incarnation,
      () => this.table.activeCount(),
      () => this.clock.now(),
    );
    this.reconnect = new Reconnect({
      self: this.self,
      timing: this.timing,
      random: this.random,
      refusals: this.refusals,
      admission: this.admission,
      running: () => this.started,
      announce: (peer) => this.router.send(this.signals.announce(peer)),
      open: (link) => {
        const { conn, slot } = this.newConnection(true, true);
        link.attach(conn, slot, { session: randomToken(this.random), initiator: true });
      },
    });
    this.handler = new SignalHandler({
      self: this.self,
      lattice: this.lattice,
      timing: this.timing,
      table: this.table,
      admission: this.admission,
      refusals: this.refusals,
      reconnect: this.reconnect,
      signals: this.signals,
      drops: this.drops,
      send: (signal, only) => this.router.send(signal, only),
      heard: (peer, via) => this.router.heard(peer, via),
      answer: (link, session) => {
        const { conn, slot } = this.newConnection(false, true);
        link.attach(conn, slot, { session, initiator: false });
      },
    });
  }

  /** Connection attempts outside any link yet (a pairing offer waiting for its answer). */
  get pendingOutside(): number {
    return this.admission.pendingOutside;
  }

  set pendingOutside(n: number) {
    this.admission.pendingOutside = n;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.router.start((signal, via) => {
      try {
        this.handler.handle(signal, via);
      } catch (error) {
        // A peer's message must never take the mesh down.
        this.log('signal handler failed', error);
        this.drops.drop('handler-error');
      }
    });
    this.announce(undefined);
    this.stopReannouncing = this.clock.every(this.timing.reannounceMs, () => {
      if (this.admission.seeking()) this.announce(undefined, ['broadcast', 'websocket']);
    });
  }

  /** Leaves: tells the lattice, closes every connection, stops signaling. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.stopReannouncing?.();
    this.router.send(this.signals.bye(undefined, 'left'), ['broadcast', 'websocket']);
    for (const link of this.table.all()) {
      link.clearRetry();
      link.stop('left');
    }
    this.router.close();
  }

  peers(): LinkView[] {
    return this.table.all().map((l) => l.view());
  }

  connectedPeers(): NodeId[] {
    return this.table
      .all()
      .filter((l) => l.state === 'connected')
      .map((l) => l.peer);
  }

  signaling(): SignalingStats[] {
    return this.router.stats();
  }

  dropped(): Readonly<Record<string, number>> {
    return this.drops.snapshot();
  }

  /** Cuts the link to `peer` (or every link) and refuses it until heal(). */
  partition(peer?: NodeId): void {
    this.refusals.add(peer);
    const targets = peer === undefined ? this.table.all() : [this.table.linkFor(peer)];
    for (const link of targets) {
      if (link === undefined) continue;
      // Tell the peer this very connection is over: it need not wait for the dead-link timeout.
      if (link.active && link.session !== undefined) {
        this.router.send(this.signals.bye(link.peer, 'refused', link.session));
      }
      link.clearRetry();
      link.refuse();
      link.stop('partition');
    }
  }

  /** Lifts a partition and reconnects at once. heal() lifts every refusal; heal(peer) that peer's own. */
  heal(peer?: NodeId): void {
    this.refusals.lift(peer);
    for (const link of this.table.all()) {
      if ((peer !== undefined && link.peer !== peer) || this.refusals.has(link.peer)) continue;
      if (link.unrefuse()) this.reconnect.retry(link);
    }
    if (peer === undefined) this.announce(undefined);
  }

  /** partition() without a peer is in force: every peer is refused. */
  get isolated(): boolean {
    return this.refusals.everyone;
  }

  isRefused(peer: NodeId): boolean {
    return this.refusals.has(peer);
  }

  hasCapacity(): boolean {
    return this.admission.hasCapacity();
  }

  /** The link record for a peer, made if there is room for one. */
  linkFor(peer: NodeId): RtcLink | undefined {
    return this.table.linkFor(peer);
  }

  /** A new connection for pairing or glare-free opening, with its event slot. */
  newConnection(initiator: boolean, trickle: boolean): { conn: ReturnType<CreatePeer>; slot: ConnSlot } {
    const slot = new ConnSlot();
    const conn = this.options.createPeer({ initiator, trickle, lowWaterMark: LOW_WATER_MARK }, slot);
    return { conn, slot };
  }

  /** Sends a relay payload to a connected neighbour (RelayNetwork). */
  sendRelay(peer: NodeId, payload: Uint8Array): boolean {
    const link = this.table.get(peer);
    if (link === undefined || link.state !== 'connected') return false;
    return link.sendRelay(payload);
  }

  announceSignal(to: NodeId | undefined): AnnounceSignal {
    return this.signals.announce(to);
  }

  private announce(to: NodeId | undefined, only?: readonly SignalingKind[]): void {
    this.router.send(this.signals.announce(to), only);
  }

  private onConnected(link: RtcLink): void {
    // Through this new neighbour, the rest of its mesh learns of us (relay signaling).
    this.options.relay?.sendTo(link.peer, this.signals.announce(undefined));
  }

  private onEnded(link: RtcLink, reason: string): void {
    this.options.relay?.linkDown(link.peer);
    if (this.refusals.has(link.peer)) {
      link.refuse();
      return;
    }
    this.log(`link to ${link.peer} ended: ${reason}`);
    this.reconnect.schedule(link);
  }
}
