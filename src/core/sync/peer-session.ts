import type { FingerprintKey } from '../reconcile/fingerprint';
import { Emitter } from '../events/emitter';
import type { NodeId } from '../ids';
import type { Version } from '../merge/version';
import { AntiEntropy } from './anti-entropy';
import { decodeMessage, encodeMessage, peekMessage } from './codec';
import { ProtocolError, ProtocolErrorCode } from './errors';
import { Handshake, NOT_ADMITTED } from './handshake';
import { Heartbeat } from './heartbeat';
import { INVALID_INPUT_REASON, LimitName, MAX_BACKLOG_BYTES, MAX_OVERTAKING, MAX_OVERTAKING_BYTES } from './limits';
import { PartAssembler } from './parts';
import { PeerKeys } from './peer-keys';
import type { SessionIo } from './session-io';
import {
  MAX_KEYS_PER_MESSAGE,
  MessageType,
  REFUSAL_LINGER_MS,
  SYNC_PROTOCOL_VERSION,
  type HelloMessage,
  type SyncMessage,
  type RefusalProof,
} from './messages';
import {
  resolveSessionOptions,
  SessionState,
  type PeerStats,
  type ResolvedSessionOptions,
  type SessionEvents,
  type SessionHost,
  type SessionOptions,
  type SyncSource,
} from './session-types';

/** How a link's end reason begins when the peer ended it with a bye (`peer said bye: <its reason>`). */
export const PEER_BYE = 'peer said bye: ';

/**
 * The sync protocol on one link, as a pure state machine: frames and time go in (receive, tick),
 * frames and effects come out as events (`on`); the host only answers questions (merge these,
 * how full is the link). No timers, no I/O of its own; nothing a peer sends can make it throw.
 * Lifecycle: handshake (hellos, proofs, admission: handshake.ts) → syncing ⇄ synced → dead | closed.
 */
export class PeerSession {
  private readonly o: ResolvedSessionOptions;
  private readonly ae: AntiEntropy;
  private readonly heartbeat: Heartbeat;
  private readonly handshake: Handshake;
  /** Joins the peer's `part` frames (parts.ts). */
  private readonly parts = new PartAssembler();
  /** Keys the peer holds: not sent to it again (peer-keys.ts). */
  private readonly peerKeys = new PeerKeys();
  private status: SessionState = SessionState.Handshake;
  /** The latest time a frame, a tick or a push brought (when a key was last sent again: peer-keys.ts). */
  private clock: number;
  /**
   * We refused the peer at admission and wait for it to close (REFUSAL_LINGER_MS): our end reason,
   * and when we close all the same.
   */
  private lingering: { readonly reason: string; readonly until: number; readonly proof: boolean } | undefined;
  /** We refused the peer and wait for it to close (REFUSAL_LINGER_MS): nothing flows any more. */
  get isLingering(): boolean {
    return this.lingering !== undefined;
  }

  /** We linger after a refusal whose bye carried the proof of the peer's removal. */
  get lingersWithProof(): boolean {
    return this.lingering?.proof === true;
  }
  private peerId: NodeId | undefined;
  private peerItems: number | undefined;
  /**
   * A frame is being checked asynchronously (hold): later frames wait in `backlog`. The latest
   * hold's token: a hold taken inside an earlier one's answer (the handshake's steps) takes over.
   */
  private holder: object | undefined;
  private backlog: Uint8Array[] = [];
  private backlogBytes = 0;
  /** Keys frames and parts (which may be of one) in the backlog: an urgent frame waits behind them. */
  private backlogOthers = 0;
  /** Urgent frames being checked or merged beside the held one (overtake). */
  private overtaking = 0;
  /** The type of the message being dispatched (what a hold taken now holds for). */
  private dispatching: MessageType | undefined;
  /**
   * The hold is a versions frame's check or merge: an urgent frame may overtake it. Never a
   * handshake step or a `keys` frame, whose keys the versions after it may need.
   */
  private holdsVersions = false;
  private readonly counts = {
    bytesIn: 0,
    bytesOut: 0,
    framesIn: 0,
    framesOut: 0,
    invalid: 0,
    late: 0,
    versionsOut: 0,
    hostErrors: 0,
  };
  private readonly events = new Emitter<SessionEvents>((error, event) => {
    // A subscriber's failure is ours, not the peer's: count it, log it, carry on.
    this.counts.hostErrors += 1;
    this.log(`${String(event)} listener failed`, error);
  });

  constructor(
    options: SessionOptions,
    private readonly source: SyncSource,
    private readonly host: SessionHost,
    now: number,
  ) {
    this.o = resolveSessionOptions(options);
    this.clock = now;
    this.peerId = options.peer;
    this.heartbeat = new Heartbeat(now, this.o.heartbeatMs, this.o.deadAfterMs, this.o.pongWithinMs);
    const io: SessionIo = {
      send: (m) => this.send(m),
      sendFrame: (frame, versions) => this.sendFrame(frame, versions),
      room: () => this.host.bufferedAmount() < this.o.highWaterMark,
      invalid: (reason, detail, weight) => this.invalid(reason, detail, weight),
      late: () => {
        this.counts.late += 1;
      },
      hold: () => this.hold(),
      backlogged: () => this.backlogBytes > MAX_BACKLOG_BYTES / 2,
      log: (message, detail) => this.log(message, detail),
    };
    this.handshake = new Handshake(this.o, host, {
      send: (m) => this.send(m),
      hold: () => this.hold(),
      invalid: (reason) => this.invalid(reason),
      bye: (reason) => this.bye(reason),
      refuse: (reason, proof, now) => this.refuse(reason, proof, now),
      isOpen: () => this.open,
      done: (peer, now, key) => this.begin(peer, now, key),
    });
    this.ae = new AntiEntropy(
      this.o,
      source,
      {
        apply: (versions, live) => this.apply(versions, live),
        synced: (applied) => this.events.emit('synced', applied),
        mayPrune: () => this.host.mayPrune?.() ?? true,
        unsent: (reason) => this.events.emit('unsent', reason),
        lacks: (versions) => this.lacks(versions),
        ahead: (versions) => this.ahead(versions),
        ...(host.frameBytes === undefined ? {} : { frameBytes: host.frameBytes.bind(host) }),
        ...(host.verify === undefined ? {} : { verify: host.verify.bind(host) }),
        ...(host.defer === undefined ? {} : { defer: host.defer.bind(host) }),
        ...(host.after === undefined ? {} : { after: host.after.bind(host) }),
        ...(host.urgent === undefined ? {} : { urgent: host.urgent.bind(host) }),
        ...(host.gather === undefined ? {} : { gather: host.gather.bind(host) }),
      },
      io,
    );
  }

  /** Subscribes to what the session does (send a frame, versions merged, round done, over). */
  on<K extends keyof SessionEvents>(name: K, listener: SessionEvents[K]): () => void {
    return this.events.on(name, listener);
  }

  get state(): SessionState {
    if (this.status === SessionState.Syncing && this.ae.synced && this.stuck() === 0) return SessionState.Synced;
    return this.status;
  }

  /** See PeerStats.stuck. */
  private stuck(): number {
    return this.ae.stuck + (this.host.held?.() ?? 0);
  }

  /** Live versions waiting for room on the link, not yet framed. */
  get liveQueued(): number {
    return this.ae.liveQueued;
  }

  /** The peer pushes versions to us live (we have not pruned it). */
  get eagerIn(): boolean {
    return this.ae.eagerIn;
  }

  /** We push versions to the peer live (it has not pruned us); else relayed versions go as ids. */
  get eagerOut(): boolean {
    return this.ae.eagerOut;
  }

  /**
   * Counts live versions the host framed and sent itself (the link's budgeter packs live pushes
   * per version when the link is budgeted): the traffic figures stay whole.
   */
  countSent(bytes: number, versions: number, now?: number): void {
    this.counts.bytesOut += bytes;
    this.counts.framesOut += 1;
    this.counts.versionsOut += versions;
    // Live versions the host's budgeter sent are charged to the peer's pace like the session's own.
    if (versions > 0 && now !== undefined) this.ae.chargeSent(versions, now);
  }

  /**
   * Ms until the peer's pace takes more of our versions (0: now): a host that sends live versions
   * itself (a budgeted link) holds its weighted frames that long, as the session holds its own.
   */
  paceWait(now: number): number {
    return this.ae.paceWait(now);
  }

  get open(): boolean {
    return this.status !== SessionState.Dead && this.status !== SessionState.Closed;
  }

  /** Sends our hello; call once, right after the link opened. */
  start(now: number): void {
    this.send(this.handshake.hello(now, this.source.size, this.source.newest));
  }

  receive(frame: Uint8Array, now: number): void {
    if (!this.open && this.lingering === undefined) return;
    this.clock = now;
    this.counts.bytesIn += frame.length;
    this.counts.framesIn += 1;
    if (this.lingering !== undefined) return this.lingered(frame);
    if (this.holder !== undefined) {
      if (this.overtake(frame, now)) return;
      // An earlier frame is being checked (signatures): this one waits its turn, in order.
      if (this.backlogBytes + frame.length > MAX_BACKLOG_BYTES) {
        this.ae.limitHit(LimitName.VerifyBacklog, 1);
        return this.invalid('frames sent faster than their signatures can be checked');
      }
      this.backlog.push(frame);
      this.backlogBytes += frame.length;
      if (blocksOvertaking(frame)) this.backlogOthers += 1;
      if (this.status !== SessionState.Handshake) this.heartbeat.heard(now);
      return;
    }
    this.process(frame, now);
  }

  /**
   * A small live frame of urgent versions only (a decision, a task, a HIGH threat: the host's
   * `urgent`, anti-entropy's urgentOnly) does not wait behind the frame being checked or merged in
   * parts, which under a flood of positions is thousands of versions (docs/c2-pipeline.md, "The
   * priority lane"): it is checked and merged at once, by the same verify and merge as any frame
   * (nothing merged unchecked, a bad signature charged to the link), holding nothing. Bounded:
   * MAX_OVERTAKING_BYTES and MAX_OVERTAKING_VERSIONS a frame, MAX_OVERTAKING frames in flight;
   * past that, behind a waiting frame that is not versions (a keys frame vouching for their authors),
   * and for any other frame, the link's order. Versions merge in any order (the store's
   * causal contexts), so only the link's bookkeeping could mind, and a live frame completes no request.
   */
  private overtake(frame: Uint8Array, now: number): boolean {
    if (!this.holdsVersions || this.status === SessionState.Handshake || !this.handshake.complete) return false;
    if (frame.length > MAX_OVERTAKING_BYTES) return false;
    let m: SyncMessage;
    try {
      m = decodeMessage(frame);
    } catch {
      return false; // refused in its turn
    }
    // A ping or pong does not wait behind a frame waiting for the link's pace (up to a couple of
    // seconds): the round trip and the clock offset it measures would count the wait. It carries
    // nothing the versions' order could matter to. (Behind a check or a merge it waits its turn.)
    if ((m.type === MessageType.Ping || m.type === MessageType.Pong) && this.ae.waitingForPace) {
      try {
        this.dispatch(m, now);
      } catch (error) {
        this.refused(error);
      }
      this.heartbeat.heard(now);
      return true;
    }
    // Never past a keys frame the peer sent before it (or a part, which may be of one): it vouches
    // for the authors of the versions after it, so an urgent decision of a new member would be refused.
    if (this.backlogOthers > 0 || this.overtaking >= MAX_OVERTAKING) return false;
    if (m.type !== MessageType.Versions || !this.ae.urgentOnly(m, now)) return false;
    this.ae.touch(now);
    const invalid = this.counts.invalid;
    this.overtaking += 1;
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      this.overtaking -= 1;
    };
    try {
      this.ae.onVersions(m, now, release);
    } catch (error) {
      release();
      this.refused(error);
    }
    if (this.counts.invalid === invalid) this.heartbeat.heard(now);
    return true;
  }

  private process(frame: Uint8Array, now: number): void {
    let message: SyncMessage | undefined;
    try {
      message = decodeMessage(frame);
      // A piece of a larger frame: the whole is taken once its last piece is in. A reconcile
      // message crossing a thin link in parts is a round moving, not idle.
      if (message.type === MessageType.Part) {
        message = this.parts.add(message);
        if (this.status !== SessionState.Handshake) this.ae.moved(now);
      }
    } catch (error) {
      return this.refused(error);
    }
    const handshaking = this.status === SessionState.Handshake;
    if (!handshaking) this.ae.touch(now);
    const invalid = this.counts.invalid;
    try {
      this.dispatching = message?.type;
      if (message !== undefined) this.dispatch(message, now);
    } catch (error) {
      this.refused(error);
    } finally {
      this.dispatching = undefined;
    }
    // Liveness counts valid frames after the handshake only: garbage, or frames before the
    // handshake completed, prove nothing and must not hold a link open (its end counts, in begin).
    if (!handshaking && this.counts.invalid === invalid) this.heartbeat.heard(now);
  }

  /**
   * Frames wait until `resume`, which then takes those that came meanwhile (until the next hold).
   * A hold taken before an earlier one resumed (in its answer) takes over: the earlier resume is
   * then a no-op, and the later one releases the backlog.
   */
  private hold(): (now: number) => void {
    const token = {};
    this.holder = token;
    this.holdsVersions = this.dispatching === MessageType.Versions;
    let resumed = false;
    return (now) => {
      if (resumed || this.holder !== token) return;
      resumed = true;
      this.holder = undefined;
      while (this.holder === undefined && this.open && this.backlog.length > 0) {
        const frame = this.backlog.shift()!;
        this.backlogBytes -= frame.length;
        if (blocksOvertaking(frame)) this.backlogOthers -= 1;
        try {
          this.process(frame, now);
        } catch (error) {
          this.log('failed to handle a frame', error);
        }
      }
      if (!this.open) {
        this.backlog = [];
        this.backlogBytes = 0;
        this.backlogOthers = 0;
      }
    };
  }

  /** A frame we could not take: the peer's fault if it is a ProtocolError, else ours (a host effect, our encoder). */
  private refused(error: unknown): void {
    if (!(error instanceof ProtocolError)) {
      // Not the peer's fault: log it, count it as ours, keep the session.
      this.counts.hostErrors += 1;
      this.log('failed to handle a frame', error);
    } else if (error.code === ProtocolErrorCode.UnsupportedVersion && this.status === SessionState.Handshake) {
      this.bye(`unsupported protocol version (we speak ${SYNC_PROTOCOL_VERSION})`);
    } else this.invalid(error.message);
  }

  /**
   * Heartbeats, timeouts, rounds. `relayStalled`: the host's own relay of this link's frames is
   * stalled (Link.stalledMs), so nothing heard from the peer meanwhile proves nothing about it.
   */
  tick(now: number, relayStalled = false): void {
    if (this.lingering !== undefined && now >= this.lingering.until) return this.endLinger(this.lingering.reason);
    if (!this.open) return;
    this.clock = now;
    try {
      if (relayStalled && this.status !== SessionState.Handshake) this.heartbeat.deaf(now);
      const dead = this.heartbeat.deadReason(now, this.status === SessionState.Handshake);
      if (dead !== undefined) {
        this.status = SessionState.Dead;
        this.ae.close();
        this.events.emit('end', dead);
        return;
      }
      if (this.status === SessionState.Handshake) return;
      this.ping(now);
      this.ae.tick(now);
    } catch (error) {
      this.log('tick failed', error);
    }
  }

  /**
   * Live push of versions that changed our store: our own writes, or (`relayed`) versions another
   * peer pushed to us. Relayed versions follow the link's eager/lazy state; our own always go in full.
   * `urgent` ones skip the live queue (LivePush.push).
   */
  localVersions(versions: readonly Version[], now: number, relayed = false, urgent = false): void {
    if (this.status !== SessionState.Syncing) return;
    this.clock = now;
    try {
      // Whole versions need their authors' keys ahead of them (live-push.ts sends them with those
      // it frames or queues); ids (a peer that pruned us) do not.
      this.ae.pushLive(versions, now, relayed, urgent);
    } catch (error) {
      this.log('live push failed', error);
    }
  }

  /** Asks the peer for versions it announced that did not arrive by another path (Plumtree graft). */
  graft(ids: readonly Uint8Array[], now: number): void {
    if (this.status !== SessionState.Syncing) return;
    try {
      this.ae.graft(ids, now);
    } catch (error) {
      this.log('graft failed', error);
    }
  }

  /** The host refused `n` items of this peer's input at a limit it keeps (the announcement table's share). */
  limitHit(name: LimitName, n: number): void {
    if (n > 0) this.ae.limitHit(name, n);
  }

  /**
   * One of our anti-entropy frames (a `sync`-class frame: reconcile, want, repair versions, or a
   * part of one) left the host's queue for the wire after waiting there (a budgeted link,
   * docs/budgeter.md): the open rounds' idle clocks restart from now, so a round is not timed out,
   * nor a session dropped, for time spent in our own queue behind live traffic.
   */
  wired(now: number): void {
    if (this.status === SessionState.Syncing) this.ae.moved(now);
  }

  /** Reconcile now (the initiator starts a round; the responder asks for one). */
  syncNow(now: number): void {
    if (this.status === SessionState.Syncing) this.ae.syncNow(now);
  }

  /** The link closed (or the host is closing it): forget everything. */
  close(): void {
    this.lingering = undefined;
    if (this.open) {
      this.status = SessionState.Closed;
      // A refusal held behind a frame still being checked here (our admission of the peer, its
      // proof's signature) would be lost with the link, and with it the proof of our removal: it
      // is taken now. Its content is verified by the host all the same (refusedWith).
      this.heldRefusal();
    }
    this.parts.reset();
    this.ae.close();
  }

  stats(now: number): PeerStats {
    const repair = this.ae.report();
    const verified = repair.verifiedAt;
    return {
      peer: (this.peerId ?? '') as NodeId,
      state: this.state,
      role: repair.role,
      rttMs: this.heartbeat.rttMs,
      clockSkewMs: this.heartbeat.skewMs,
      pictureAgeMs: verified === undefined ? undefined : Math.max(0, now - verified),
      lastSyncAt: repair.lastSyncAt,
      progress: repair.progress,
      bytesIn: this.counts.bytesIn,
      bytesOut: this.counts.bytesOut,
      framesIn: this.counts.framesIn,
      framesOut: this.counts.framesOut,
      invalidFrames: this.counts.invalid,
      lateFrames: this.counts.late,
      hostErrors: this.counts.hostErrors,
      pingsIgnored: this.heartbeat.pingsIgnored,
      versionsIn: repair.versionsIn,
      versionsOut: this.counts.versionsOut,
      queued: repair.queued,
      stuck: this.stuck(),
      unsent: repair.unsent,
      failures: repair.failures,
      peerItems: this.peerItems,
      eager: repair.eager,
      eagerIn: repair.eagerIn,
      prunes: repair.prunes,
      grafts: repair.grafts,
      pushSplits: repair.pushSplits,
      limitsHit: repair.limitsHit,
    };
  }

  private dispatch(m: SyncMessage, now: number): void {
    if (m.type === MessageType.Bye) {
      this.log(`${PEER_BYE}${m.reason}`);
      this.close();
      // Only a refusal at admission carries a proof; the host verifies it as any ingest.
      if (m.proof !== undefined && m.reason.startsWith(NOT_ADMITTED)) this.host.refusedWith?.(m.proof);
      this.events.emit('end', `${PEER_BYE}${m.reason}`);
      return;
    }
    if (m.type === MessageType.Hello) return this.handshake.onHello(m);
    if (m.type === MessageType.Proof) return this.handshake.onProof(m, now);
    // Nothing flows before the peer proved its key and was admitted: not applied, counted.
    if (!this.handshake.complete) return this.invalid(`${m.type} before the handshake completed`);
    switch (m.type) {
      case MessageType.Ping:
        // Answered at most once per half heartbeat: a ping flood must not make us send a pong flood.
        if (this.heartbeat.pongAllowed(now)) this.send({ type: MessageType.Pong, echo: m.time, time: now });
        return;
      case MessageType.Pong:
        this.heartbeat.pong(m, now, this.o.monotonic?.() ?? now);
        return;
      case MessageType.Reconcile:
        return this.ae.onReconcile(m, now);
      case MessageType.Want:
        return this.ae.onWant(m, now);
      case MessageType.Versions:
        return this.ae.onVersions(m, now);
      case MessageType.IHave:
        this.events.emit('announced', m.ids);
        return;
      case MessageType.Prune:
        return this.ae.onPrune();
      case MessageType.Part:
        // PartAssembler never hands back a part.
        return this.invalid('a part inside a part');
      case MessageType.Keys: {
        this.peerKeys.note(m.keys);
        const learn = this.host.learnKeys;
        if (learn === undefined) return;
        const resume = this.hold();
        learn.call(this.host, m.keys, resume);
        return;
      }
      default: {
        const never: never = m;
        return this.invalid(`unexpected message ${String(never)}`);
      }
    }
  }

  /** A refusal's proof in the backlog (whole, or in parts), handed to the host; the rest is dropped. */
  private heldRefusal(): void {
    for (const frame of this.backlog) {
      const type = peekMessage(frame)?.type;
      if (type !== MessageType.Bye && type !== MessageType.Part) continue;
      let m: SyncMessage | undefined;
      try {
        m = decodeMessage(frame);
        if (m.type === MessageType.Part) m = this.parts.add(m);
      } catch {
        return;
      }
      if (m?.type !== MessageType.Bye) continue;
      if (m.proof !== undefined && m.reason.startsWith(NOT_ADMITTED)) this.host.refusedWith?.(m.proof);
      return;
    }
  }

  /** The handshake is complete (the peer's key proven, the peer admitted): data may flow. */
  private begin(m: HelloMessage, now: number, key: FingerprintKey): void {
    this.peerId = m.node;
    this.peerItems = m.items;
    this.heartbeat.hello(m.time, now);
    this.status = SessionState.Syncing;
    // Its key and ours each hello carried; any other key goes just ahead of its author's first
    // version on this link (ahead).
    this.peerKeys.noteHello(this.o.key === undefined ? [m.key] : [m.key, this.o.key]);
    // The first ping goes out ahead of the first round: on an ordered link its pong comes back
    // before the round can complete, so a synced link always reports its RTT.
    this.ping(now);
    this.ae.begin(this.o.self < m.node ? 'initiator' : 'responder', now, key);
  }

  /**
   * Versions are about to go to the peer whole (a live push, an answer, a repair): the keys of
   * their authors it is not known to hold go first, in one `keys` frame ahead of them (budgeter
   * class `control`, ahead of every versions class), and count as held from then on
   * (docs/security.md, "Keys on the wire"). Before, each vouched key went on every link at the
   * handshake and again at its first vouch, whether versions of its author followed there or not.
   * Only for versions that go (framed now, or queued): never for one a full queue refused
   * (outbox.ts, live-push.ts, the host's budgeter), which a later round carries, key and all.
   */
  ahead(versions: readonly Version[]): void {
    const keyOf = this.host.authorKey;
    if (keyOf === undefined || this.status !== SessionState.Syncing || versions.length === 0) return;
    let authors: Set<NodeId> | undefined;
    let send: Uint8Array[] | undefined;
    let last: NodeId | undefined;
    for (const v of versions) {
      const author = v.ts.node;
      // Most frames are runs of one author's versions: each author is looked at once.
      if (author === last || authors?.has(author) === true) continue;
      last = author;
      (authors ??= new Set()).add(author);
      const key = keyOf.call(this.host, author);
      if (key !== undefined && !this.peerKeys.holds(key)) (send ??= []).push(key);
    }
    if (send !== undefined) this.sendKeyFrames(send);
  }

  /**
   * The peer lacks these versions (it wants them, or a round found it lacks them), about to be
   * queued for it: the keys of their authors no longer count as held (but the two the hellos
   * carried), and go again ahead of them. Its ring may have evicted such a key since (4,096 made-up
   * keys push it out), or a `keys` frame may have been lost (a lossy test network), refusing the
   * author's versions as `unknown-author`, which no frame tells us; this is what carries the key
   * again (there is no periodic resend of keys any more). At most once per KEY_AGAIN_MS per key
   * (peer-keys.ts).
   */
  private lacks(versions: readonly Version[]): void {
    const keyOf = this.host.authorKey;
    if (keyOf === undefined || this.status !== SessionState.Syncing || versions.length === 0) return;
    const authors = new Set<NodeId>();
    for (const v of versions) {
      const author = v.ts.node;
      if (authors.has(author)) continue;
      authors.add(author);
      const key = keyOf.call(this.host, author);
      if (key !== undefined) this.peerKeys.forget(key, this.clock);
    }
    this.ahead(versions);
  }

  private sendKeyFrames(keys: readonly Uint8Array[]): void {
    this.peerKeys.note(keys);
    for (let i = 0; i < keys.length; i += MAX_KEYS_PER_MESSAGE) {
      this.send({ type: MessageType.Keys, keys: keys.slice(i, i + MAX_KEYS_PER_MESSAGE) });
    }
  }

  private ping(now: number): void {
    const time = this.heartbeat.pingDue(now, this.o.monotonic?.() ?? now);
    if (time !== undefined) this.send({ type: MessageType.Ping, time });
  }

  private send(m: SyncMessage): void {
    this.sendFrame(encodeMessage(m), 0);
  }

  private sendFrame(frame: Uint8Array, versions: number): void {
    if (!this.open) return;
    this.counts.bytesOut += frame.length;
    this.counts.framesOut += 1;
    this.counts.versionsOut += versions;
    this.events.emit('message', frame);
  }

  /** Merges through the host, and tells the mesh what changed the store (it relays live versions). */
  private apply(versions: readonly Version[], live: boolean): readonly Version[] {
    const applied = this.host.apply(versions, live);
    if (applied.length > 0) this.events.emit('versions', applied, live);
    return applied;
  }

  private invalid(reason: string, detail?: unknown, weight = 1): void {
    this.counts.invalid += weight;
    this.log(`invalid frame from ${this.peerId ?? 'peer'}: ${reason}`, detail);
    if (this.counts.invalid > this.o.maxInvalidFrames) this.bye(INVALID_INPUT_REASON);
  }

  private bye(reason: string): void {
    if (!this.open) return;
    this.send({ type: MessageType.Bye, reason });
    this.close();
    this.events.emit('end', reason);
  }

  /**
   * Admission refused the peer: our bye (with the proof of its removal, if any) goes, and we leave
   * the close to the peer for up to REFUSAL_LINGER_MS (docs/security.md, "A removed device"). A
   * transport that loses what is in flight at a close would lose the bye if we closed now; and the
   * peer may be refusing us at the same time (it does not know us), its bye carrying the proof of
   * our removal: that one we still read, here or from the frames held behind our admission.
   */
  private refuse(reason: string, proof: RefusalProof | undefined, now: number): void {
    if (!this.open) return;
    this.send({ type: MessageType.Bye, reason, ...(proof === undefined ? {} : { proof }) });
    this.status = SessionState.Closed;
    this.ae.close();
    this.lingering = { reason, until: now + REFUSAL_LINGER_MS, proof: proof !== undefined };
    this.events.emit('lingering');
    const held = this.backlog;
    this.backlog = [];
    this.backlogBytes = 0;
    this.backlogOthers = 0;
    for (const frame of held) {
      if (this.lingering === undefined) break;
      this.lingered(frame);
    }
  }

  /**
   * A frame while we wait for the peer to close after refusing it: its bye (whole or in parts) ends
   * the link, a refusal of us with a proof handed to the host; anything else it sent before it
   * heard our refusal is dropped, uncounted.
   */
  private lingered(frame: Uint8Array): void {
    const lingering = this.lingering;
    if (lingering === undefined) return;
    const type = peekMessage(frame)?.type;
    if (type !== MessageType.Bye && type !== MessageType.Part) return;
    let m: SyncMessage | undefined;
    try {
      m = decodeMessage(frame);
      if (m.type === MessageType.Part) m = this.parts.add(m);
    } catch {
      return this.endLinger(lingering.reason);
    }
    if (m?.type !== MessageType.Bye) return;
    this.log(`${PEER_BYE}${m.reason}`);
    const refusal = m.reason.startsWith(NOT_ADMITTED);
    if (refusal && m.proof !== undefined) this.host.refusedWith?.(m.proof);
    // The peer's refusal of us is the news for this side (the peers panel's last error).
    this.endLinger(refusal ? `${PEER_BYE}${m.reason}` : lingering.reason);
  }

  private endLinger(reason: string): void {
    this.lingering = undefined;
    this.parts.reset();
    this.events.emit('end', reason);
  }

  private log(message: string, detail?: unknown): void {
    this.o.log?.(message, detail);
  }
}

/** A waiting frame an urgent one may not overtake: keys (they vouch for the authors of later versions), or a part of a frame. */
function blocksOvertaking(frame: Uint8Array): boolean {
  const type = peekMessage(frame)?.type;
  return type === MessageType.Keys || type === MessageType.Part;
}
