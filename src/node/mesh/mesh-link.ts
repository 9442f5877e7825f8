import { leadsClass } from '../../core/budget/class-of';
import type { PriorityClass } from '../../core/budget/priority-classes';
import { Emitter } from '../../core/events/emitter';
import type { NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import {
  encodeMessage,
  MessageType,
  PeerSession,
  SessionState,
  type SessionHost,
  type SessionOptions,
  type SyncSource,
} from '../../core/sync';
import type { Link, LinkHandler } from '../../ports/transport';
import type { Scheduler } from '../scheduler';
import type { FrameSigner } from './frame-signer';
import { LinkSender } from './link-sender';
import type { BudgetedLink, MeshBudget } from './mesh-budget';
import { sessionFrameClass } from './outgoing';
import { VersionClasses } from './version-classes';

export interface MeshLinkEvents {
  /** The link is gone (either side closed it); fired once. */
  closed(reason: string): void;
}

/** What a link needs of the mesh for its budget. */
export interface LinkBudgetDeps {
  readonly budget: MeshBudget;
  readonly classes: VersionClasses;
  readonly scheduler?: Scheduler;
  /** Signs weighted live frames of our own versions as frame batches (docs/budgeter.md, "Frame batches"). */
  readonly frameSigner?: FrameSigner;
}

/**
 * One transport link bound to its PeerSession (the worker's view of a peer). It is the
 * LinkHandler the transport calls, so nothing thrown inside ever reaches the transport's callback;
 * the session's frames go out on the link through its budgeter (LinkSender) and its end closes it;
 * closing is idempotent from either side. The mesh subscribes to `session` for what the sync does
 * and to `on('closed')`.
 */
export class MeshLink implements LinkHandler {
  readonly session: PeerSession;
  private readonly sender: LinkSender;
  private readonly budgeted: BudgetedLink;
  private readonly events = new Emitter<MeshLinkEvents>((error, event) =>
    this.log(`link ${this.link.peer}: ${String(event)} listener failed`, error),
  );
  private done = false;
  /** shut() is under way: a send failing meanwhile must not shut again. */
  private closing = false;

  constructor(
    readonly link: Link,
    options: SessionOptions,
    source: SyncSource,
    host: Required<Omit<SessionHost, 'bufferedAmount' | 'frameBytes' | 'defer' | 'after' | 'urgent'>>,
    private readonly now: () => number,
    private readonly log: (message: string, detail?: unknown) => void,
    private readonly budget: LinkBudgetDeps,
  ) {
    const scheduler = budget.scheduler;
    const sessionHost: SessionHost = {
      // What waits in our budgeter is as good as buffered: the session's flow control sees both.
      bufferedAmount: () => this.buffered() + this.sender.queuedBytes(),
      // Repair frames no larger than the budget's frames: one big frame would hold pings behind it.
      frameBytes: () => this.sender.budgeter.frameTarget(),
      apply: (versions, live) => host.apply(versions, live),
      mayPrune: () => host.mayPrune(),
      held: () => host.held(),
      hello: (key, node, done) => host.hello(key, node, done),
      prove: (bytes, done) => host.prove(bytes, done),
      checkProof: (key, bytes, sig, node, done) => host.checkProof(key, bytes, sig, node, done),
      admit: (peer, invitation, done) => host.admit(peer, invitation, done),
      refusedWith: (proof) => host.refusedWith(proof),
      authorKey: (author) => host.authorKey(author),
      learnKeys: (keys, done) => host.learnKeys(keys, done),
      verify: (versions, done) => host.verify(versions, done),
      // A large frame is merged in parts, gate changes first, with the worker's other work (the
      // approvals cue to the page) between them (docs/c2-pipeline.md, "The priority lane").
      urgent: (v) => isUrgent(v, this.budget.classes.classOf(v)),
      gather: () => host.gather(),
      ...(scheduler === undefined
        ? {}
        : {
            defer: (next) => this.defer(scheduler, next),
            after: (ms, next) => {
              scheduler.after(ms, () => this.guard('paced frame', () => next(this.now())));
            },
          }),
    };
    const budgeter = budget.budget.budgeter(link.peer);
    this.budgeted = { peer: link.peer, budgeter, pumpOne: (heldUntil) => this.pumpOne(heldUntil) };
    this.sender = new LinkSender({
      budgeter,
      send: (frame) => this.send(frame),
      sendSignal: (payload) => this.sendSignal(payload),
      counted: (bytes, versions) => this.session.countSent(bytes, versions, this.now()),
      // An anti-entropy frame left our queue: its round's idle clocks count from now, not from
      // when the session made it (a flooded link's `sync` share can hold it for tens of seconds).
      left: (frame) => {
        if (sessionFrameClass(frame) === 'sync') this.session.wired(this.now());
      },
      now,
      ...(budget.scheduler === undefined ? {} : { scheduler: budget.scheduler }),
      ...(budget.frameSigner === undefined ? {} : { frameSigner: budget.frameSigner.forLink(link.peer) }),
      wake: () => this.budget.budget.wake(this.budgeted),
      log: (m, d) => this.log(`link ${this.link.peer}: ${m}`, d),
    });
    this.session = new PeerSession(options, source, sessionHost, now());
    this.session.on('message', (frame) => this.sender.frame(frame, sessionFrameClass(frame)));
    this.session.on('end', (reason) => this.shut(reason));
    // The page counts the link out of its open ones (docs/security.md, "A removed device").
    this.session.on('lingering', () => this.guard('link.lingering', () => this.link.lingering?.()));
  }

  get peer(): NodeId {
    return this.link.peer;
  }

  /** The link's sender (figures of its signing pipeline, tests). */
  get out(): LinkSender {
    return this.sender;
  }

  /**
   * Nothing we sent waits on this side any more: not in the session's live queue, the budgeter,
   * the signing pipeline nor the transport's buffer (bufferedAmount: for a data channel, what it
   * has not handed to the network yet).
   */
  get drained(): boolean {
    return this.session.liveQueued === 0 && this.sender.queuedBytes() === 0 && this.buffered() === 0;
  }

  get isClosed(): boolean {
    return this.done;
  }

  /** We refused the peer at admission and only wait for it to close (REFUSAL_LINGER_MS). */
  get lingering(): boolean {
    return !this.done && this.session.isLingering;
  }

  /** Lingering after a refusal that carried the proof of the peer's removal (its one way to learn it). */
  get lingersWithProof(): boolean {
    return !this.done && this.session.lingersWithProof;
  }

  on<K extends keyof MeshLinkEvents>(name: K, listener: MeshLinkEvents[K]): () => void {
    return this.events.on(name, listener);
  }

  start(): void {
    this.budget.budget.add(this.budgeted);
    this.guard('start', () => this.session.start(this.now()));
  }

  /** The session's tick, told whether this end's relay of the link is stalled (Link.stalledMs). */
  tick(now: number): void {
    if (this.done) return;
    let stalled = 0;
    this.guard('stalled', () => (stalled = this.link.stalledMs?.(now) ?? 0));
    this.session.tick(now, stalled > 0);
  }

  receive(frame: Uint8Array): void {
    if (this.done) return;
    this.guard('receive', () => this.session.receive(frame, this.now()));
  }

  /** A relayed-signaling message the transport wants on this link: it goes through the budget. */
  signal(payload: Uint8Array): void {
    if (this.done) return;
    this.guard('signal', () => this.sender.signal(payload));
  }

  /**
   * Live push of versions that changed our store (`relayed`: another peer pushed them to us). On
   * an unlimited link the session frames them as it always did (the fast path); on a budgeted one
   * each version is an item of its own class, so the budgeter can rank and coalesce them. A link
   * the peer pruned gets ids only, which the session sends.
   */
  pushLive(versions: readonly Version[], relayed: boolean): void {
    if (this.done || versions.length === 0) return;
    this.guard('live push', () => {
      const now = this.now();
      if (this.sender.budgeter.unlimited || (relayed && !this.session.eagerOut)) {
        // No budgeter ranks them here: changes of the urgent classes other than motion (decisions,
        // HIGH threats, deletes: few and small) skip the session's live queue, which a flood of
        // positions fills whenever the link (or, in the browser, the page relaying it) is slower.
        const urgent: Version[] = [];
        const rest: Version[] = [];
        for (const v of versions) (isUrgent(v, this.budget.classes.classOf(v)) ? urgent : rest).push(v);
        if (urgent.length > 0) this.session.localVersions(urgent, now, relayed, true);
        if (rest.length > 0) this.session.localVersions(rest, now, relayed);
        return;
      }
      const state = this.session.state;
      if (state !== SessionState.Syncing && state !== SessionState.Synced) return;
      // Decisions, threat changes and deletes lead their class: a HIGH track's motion shares `high`
      // with them and, many tracks moving at once, keeps it full at the debt bound (docs/budgeter.md).
      const items: { version: Version; cls: PriorityClass; key: string; lead: boolean }[] = [];
      for (const v of versions) {
        const cls = this.budget.classes.classOf(v);
        items.push({ version: v, cls, key: VersionClasses.keyOf(v), lead: isUrgent(v, cls) });
      }
      // Their authors' keys the peer lacks go first (`control`, ahead of every versions class),
      // for the versions the budgeter took only (a deferred one goes by a round, its key with it).
      this.sender.versions(items, (queued) => this.session.ahead(queued));
    });
  }

  /**
   * Sends the next frame if the budget allows it now (the bytes sent, or 0); once the live queues have drained after
   * versions were deferred, asks anti-entropy for the round that carries them.
   */
  pumpOne(heldUntil?: number): number {
    if (this.done) return 0;
    let sent = 0;
    this.guard('pump', () => {
      // The peer's pace (docs/security.md, "Versions applied per second"): while it is spent, our
      // weighted frames wait as for the node's fair queue; urgent ones still go, charged.
      const now = this.now();
      const pace = this.session.paceWait(now);
      sent = this.sender.pumpOne(pace > 0 ? Math.max(heldUntil ?? 0, now + pace) : heldUntil);
      if (sent === 0 && this.sender.takeRepairOwed()) this.session.syncNow(this.now());
    });
    return sent;
  }

  /** The transport reports the link closed. */
  closed(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.release();
    this.guard('close', () => this.session.close());
    this.events.emit('closed', reason);
  }

  /**
   * Refuses a link before its session starts (mesh full, backing off): the peer gets a `bye`
   * through the link's budget like every other byte we send, then the link closes.
   */
  refuse(reason: string): void {
    if (this.done) return;
    this.guard('refuse', () => this.sender.frame(encodeMessage({ type: MessageType.Bye, reason }), 'control'));
    this.shut(reason);
  }

  /** We close the link (session over, operator, replaced). */
  shut(reason: string): void {
    if (this.done || this.closing) return;
    this.closing = true;
    // A bye the session just queued goes out first, if the budget lets it.
    this.guard('pump', () => this.sender.pump());
    this.done = true;
    this.release();
    this.guard('close', () => this.session.close());
    this.guard('link.close', () => this.link.close(reason));
    this.events.emit('closed', reason);
  }

  private release(): void {
    this.sender.close();
    this.budget.budget.remove(this.budgeted);
  }

  /** One message to the data channel; false if the channel failed (the link is then shut). */
  private send(frame: Uint8Array): boolean {
    if (this.done) return false;
    try {
      this.link.send(frame);
      return true;
    } catch (error) {
      // A channel that fails to send is as good as closed.
      this.log(`send to ${this.peer} failed`, error);
      this.shut('send failed');
      return false;
    }
  }

  /** One relayed-signaling message to the link (a link that carries none drops it). */
  private sendSignal(payload: Uint8Array): void {
    if (this.done) return;
    this.guard('sendSignal', () => this.link.sendSignal?.(payload));
  }

  /** The next part of a frame's merge, in a later task; a failure is logged like the link's others. */
  private defer(scheduler: Scheduler, next: (now: number) => void): void {
    const run = (): void => this.guard('merge', () => next(this.now()));
    // Not a nested 0 ms timer where the host has better: from the fifth, each waited 4 ms, and a
    // 10k-version repair is 40 parts (docs/benchmarks.md, scenario 7).
    if (scheduler.soon !== undefined) scheduler.soon(run);
    else scheduler.after(0, run);
  }

  private buffered(): number {
    try {
      return this.link.bufferedAmount;
    } catch {
      return 0;
    }
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log(`link ${this.peer}: ${what} failed`, error);
    }
  }
}

/** A delete, a decision or a threat change (leadsClass): never a HIGH track's motion or its other kinds. */
function isUrgent(v: Version, cls: PriorityClass): boolean {
  return leadsClass(v.kind, cls);
}
