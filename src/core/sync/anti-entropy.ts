import type { FingerprintKey } from '../reconcile/fingerprint';
import { TokenBucket } from '../budget/token-bucket';
import { hasHonestContext } from '../merge/knowledge';
import { expiryRefusal } from '../store/expiry-floor';
import type { Item } from '../reconcile/item';
import type { Version } from '../merge/version';
import { decodeVersions, IdCache, WireError } from '../wire';
import { IngestPacer } from './ingest-pacer';
import { ingestParts } from './ingest-parts';
import { Initiator } from './initiator';
import {
  LimitCounter,
  LimitName,
  APPLIED_BURST,
  MAX_VERSIONS_APPLIED_PER_SECOND,
  MAX_OVERTAKING_BYTES,
  MAX_OVERTAKING_VERSIONS,
  MAX_VERSIONS_PER_FRAME,
  SYNC_REQUEST_BURST,
  SYNC_REQUESTS_PER_MINUTE,
  type LimitCounts,
} from './limits';
import { LinkHoldBack } from './link-hold-back';
import { LinkRefusals } from './link-refusals';
import { LivePush } from './live-push';
import {
  MessageType,
  ReconcilePhase,
  SYNC_ID_BYTES,
  type ReconcileMessage,
  type VersionsMessage,
  type WantMessage,
} from './messages';
import { Outbox } from './outbox';
import { reconcileMessage } from './reconcile-message';
import { Responder } from './responder';
import { SentRecently } from './sent-recently';
import type { SessionIo } from './session-io';
import type { ResolvedSessionOptions, SessionHost, SessionRole, SyncSource, VerifyVerdict } from './session-types';
import { idKey, versionId } from './version-id';
import { VersionFramer } from './version-framer';
import { WantTracker } from './want-tracker';

/** Most bytes of a `want` besides its ids: version, type, request, flags, count. */
const WANT_HEADER_BYTES = 12;

/** What anti-entropy needs of its session besides the link (SessionIo). */
export interface RepairHost {
  /** Merges versions from the peer; returns those that changed the store. */
  apply(versions: readonly Version[], live: boolean): readonly Version[];
  /** A round completed; `applied` versions it brought changed the store. */
  synced(applied: number): void;
  /** Whether we may prune one more peer's live pushes. */
  mayPrune(): boolean;
  /** A version could not be encoded for the wire (dropped from the frame). */
  unsent(reason: string): void;
  /**
   * The peer lacks these versions (it wants them, or a round found it lacks them): called before
   * they are queued for it, so what it sends ahead of them (their authors' keys) goes first.
   */
  lacks?(versions: readonly Version[]): void;
  /**
   * Versions are about to go to the peer whole, live (framed now, or queued: never ones refused
   * for want of room, nor ids to a lazy peer): what it sends ahead of them (their authors' keys the
   * peer is not known to hold) goes first.
   */
  ahead?(versions: readonly Version[]): void;
  /** The link's frame size now (SessionHost.frameBytes); absent: repairFrameBytes alone. */
  frameBytes?(): number;
  /** Checks versions before they are merged (SessionHost.verify); absent: all accepted. */
  verify?: SessionHost['verify'];
  /** Merges a large frame in parts, later tasks (SessionHost.defer); absent: at once. */
  defer?: SessionHost['defer'];
  /** Runs a paced frame when its time comes (SessionHost.after); absent: tick() takes it. */
  after?: SessionHost['after'];
  /** Versions merged first when a frame is merged in parts (SessionHost.urgent). */
  urgent?: SessionHost['urgent'];
  /** Gathers a frame's parts into one storage commit (SessionHost.gather). */
  gather?: SessionHost['gather'];
}

/** Anti-entropy's part of a session's stats. */
export interface RepairReport {
  readonly role: SessionRole | undefined;
  readonly lastSyncAt: number | undefined;
  readonly verifiedAt: number | undefined;
  readonly progress: { readonly received: number; readonly needed: number };
  readonly versionsIn: number;
  readonly queued: number;
  /** Versions not encodable since the last round opened, and in all. */
  readonly unsentInRound: number;
  readonly unsent: number;
  readonly failures: number;
  readonly eager: boolean;
  readonly eagerIn: boolean;
  readonly prunes: number;
  readonly grafts: number;
  readonly pushSplits: number;
  readonly limitsHit: LimitCounts;
}

/**
 * Anti-entropy and live push over one link. The initiator (smaller node id) runs rounds
 * (initiator.ts), the other side answers them (responder.ts); this joins them to the queues both
 * directions share: wanted ids, versions to send, live pushes (live-push.ts), and what arrives.
 * Everything is idempotent, so a round cut off midway is simply run again later. PeerSession sees
 * only the methods and report() below.
 */
export class AntiEntropy {
  private roleNow: SessionRole | undefined;
  private readonly initiator: Initiator;
  private readonly responder: Responder;
  private readonly wants: WantTracker;
  private readonly repairOut: Outbox;
  private readonly live: LivePush;
  private readonly framer: VersionFramer;
  /** The bytes a frame of ours may take now (the link's frame size, at most repairFrameBytes). */
  private readonly frameTarget: () => number;
  private appliedSinceSync = 0;
  /** close() was called: a verdict that comes after it is dropped. */
  private closed = false;
  private done = false;
  private lastSyncAt: number | undefined;
  private verifiedAt: number | undefined;
  private versionsIn = 0;
  /** Versions the framer could not encode: since the last round opened (a round retries them), and in all. */
  private unsentInRound = 0;
  private unsent = 0;
  private readonly limits = new LimitCounter();
  /** This link's share of the merge (ingest-pacer.ts): a frame past it waits, holding the link. */
  private readonly pacer = new IngestPacer(MAX_VERSIONS_APPLIED_PER_SECOND, APPLIED_BURST);
  /** The frame waiting for the pacer (one at most: it holds the link), taken by tick() or the host's timer. */
  private paced: { readonly due: number; readonly take: (now: number) => void } | undefined;
  /**
   * The peer's pace, kept on our side: the versions we send it (live, relayed, repair) go at most
   * at the pace it takes them, so an honest sender never fills the peer's backlog (a node pushing
   * a catch-up it found the peer lacking is not slowed by the peer's `want`s). Urgent live
   * versions go at once and are charged.
   */
  private readonly sendPace = new IngestPacer(MAX_VERSIONS_APPLIED_PER_SECOND, APPLIED_BURST);
  /** The time of the call now sending (pump, pushLive): the send pace's clock. */
  private sendNow = 0;
  /** A pump is set on the host's timer for when the send pace allows the next frame. */
  private wakeSet = false;
  /** The link as the send queues see it: no room while the send pace waits; what goes is charged. */
  private readonly pacedIo: SessionIo;
  /** `request`s the peer may still make (limits.ts): each may start a round of ours. */
  private requests: TokenBucket | undefined;
  /**
   * `request`s we may still send as the responder: the peer's allowance (above) less one of its
   * burst, so an honest node never makes the peer count `syncRequests` (a frame delayed on the link
   * by up to one refill, 5 s, still arrives within it). One asked for past it waits (requestOwed)
   * until the allowance refills, or a round the peer opens makes it moot.
   */
  private ownRequests: TokenBucket | undefined;
  private requestOwed = false;
  /** Ids this link sent that were refused before their signature was checked (VerifyVerdict's `this-link`). */
  private readonly linkHeld = new LinkHoldBack((n) => this.limits.hit(LimitName.LinkHeldBack, n));
  /**
   * Id strings this link decoded, reused for the same ids in later frames (ascii-ids.ts), as
   * scenario 1 decodes: bounded by its entries (IdCache), so a peer sending ever new ids cannot grow it.
   */
  private readonly ids = new IdCache();
  /** Versions refused between us, each way, for the stuck count. */
  private readonly refusals = new LinkRefusals((n) => this.limits.hit(LimitName.TrackedRefusals, n));
  /** Ids this link asked for and was answered lately: a `want` repeated soon after draws nothing. */
  private readonly answered: SentRecently;

  constructor(
    private readonly o: ResolvedSessionOptions,
    private readonly source: SyncSource,
    private readonly host: RepairHost,
    private readonly io: SessionIo,
  ) {
    this.wants = new WantTracker(o.wantWindow, o.maxWanted);
    this.answered = new SentRecently(o.secret);
    this.repairOut = new Outbox(o.maxQueuedVersions, false, (versions) => host.lacks?.(versions));
    // Every versions frame we make (repair, answers, live on an unlimited link) within the link's frame size.
    const frameBytes = host.frameBytes?.bind(host);
    this.frameTarget =
      frameBytes === undefined
        ? (): number => o.repairFrameBytes
        : (): number => Math.min(o.repairFrameBytes, frameBytes());
    this.framer = new VersionFramer(this.frameTarget, undefined, (reason) => this.dropped(reason));
    this.pacedIo = {
      send: (m) => io.send(m),
      sendFrame: (frame, versions) => {
        if (versions > 0) this.sendPace.take(versions, this.sendNow);
        io.sendFrame(frame, versions);
      },
      room: () => io.room() && this.sendPace.waitMs(this.sendNow) === 0,
      invalid: (reason, detail, weight) => io.invalid(reason, detail, weight),
      late: (reason) => io.late(reason),
      hold: () => io.hold(),
      backlogged: () => io.backlogged(),
      log: (message, detail) => io.log(message, detail),
    };
    // Our own writes pass a send pace that relays keep spent, within a burst of debt as urgent ones
    // do (the peer takes them as it takes any frame): a hub's own writes are not starved by what it relays.
    this.live = new LivePush(
      o.maxQueuedVersions,
      this.pacedIo,
      this.framer,
      this.wants,
      () => host.mayPrune(),
      () => io.room() && this.sendPace.mayOvertake(this.sendNow),
      { ahead: (versions) => host.ahead?.(versions), lacks: (versions) => host.lacks?.(versions) },
    );
    const opened = (now: number): void => {
      this.done = false;
      this.requestOwed = false;
      this.refusals.opened(now, (ids) => this.source.lookup(ids).length);
      this.unsentInRound = 0;
      this.wants.resetProgress();
      // What the peer wants in a new round is needed again (it dropped what it was sent over its
      // own limits, or lost it): answered in full.
      this.answered.reset();
      // On a responder link the tracker holds only grafts: the peer's round now settles everything,
      // so what they still track is let go (it was never reset there, and grew with every graft).
      if (this.roleNow === 'responder') this.source.release(this.wants.reset());
    };
    // This link's rounds, both ways, count what we set aside from it as held (link-hold-back.ts).
    const linkSource = this.linkHeld.source(source);
    this.responder = new Responder(o, linkSource, this.repairOut, io, this.limits, {
      opened,
      offered: (ids) => this.refusals.offered(ids),
      pump: (now) => this.pump(now),
    });
    // Our rounds do not ask this link for what it is held back for (other links still may).
    this.initiator = new Initiator(o, linkSource, this.wants, this.repairOut, io, {
      opened,
      overflowed: () => this.live.markOverflowed(),
      offered: (ids) => this.refusals.offered(ids),
      flushWants: () => this.flushWants(),
      pump: (now) => this.pump(now),
      completed: (startedAt, now) => this.completed(startedAt, now),
    });
  }

  get role(): SessionRole | undefined {
    return this.roleNow;
  }

  /** A frame of the peer's waits for the link's pace (it holds the link). */
  get waitingForPace(): boolean {
    return this.paced !== undefined;
  }

  /** The last round completed (and no new one started since). */
  get synced(): boolean {
    return this.done;
  }

  /** Versions the peer needed that could not be encoded since the last round opened. */
  get stuck(): number {
    return this.unsentInRound + this.refusals.count;
  }

  /** The peer pushes versions to us live (we have not pruned it). */
  get eagerIn(): boolean {
    return this.live.eagerIn;
  }

  /** We push versions to the peer live (it has not pruned us); else relayed versions go as ids. */
  get eagerOut(): boolean {
    return this.live.eager;
  }

  /** Live versions queued for the link, not yet framed (flow control). */
  get liveQueued(): number {
    return this.live.queued;
  }

  report(): RepairReport {
    return {
      role: this.roleNow,
      lastSyncAt: this.lastSyncAt,
      verifiedAt: this.verifiedAt,
      progress: { received: this.wants.received, needed: this.wants.needed },
      versionsIn: this.versionsIn,
      queued: this.repairOut.queued + this.live.queued,
      unsentInRound: this.unsentInRound,
      unsent: this.unsent,
      failures: this.initiator.failures,
      eager: this.live.eager,
      eagerIn: this.live.eagerIn,
      prunes: this.live.prunes,
      grafts: this.live.grafts,
      pushSplits: this.responder.pushSplits,
      limitsHit: this.limitsHit(),
    };
  }

  /** Limits hit on this link (limits.ts), the send queues' skipped repeats included. */
  private limitsHit(): LimitCounts {
    const counts = this.limits.snapshot();
    return { ...counts, duplicateWants: counts.duplicateWants + this.repairOut.duplicates + this.live.repeatsSkipped };
  }

  /** The host hit a limit on this link's behalf (the announcement table's share). */
  limitHit(name: LimitName, n: number): void {
    this.limits.hit(name, n);
  }

  /** The peer pruned us: from now on we announce ids only. */
  onPrune(): void {
    this.live.prunedByPeer();
  }

  /** The handshake is done: the initiator syncs at once. `key`: the session's fingerprint key. */
  begin(role: SessionRole, now: number, key: FingerprintKey): void {
    this.roleNow = role;
    this.responder.begin(key);
    if (role === 'initiator') this.initiator.begin(now, key);
    this.tick(now);
  }

  syncNow(now: number): void {
    if (this.role === 'responder') {
      this.ownRequests ??= new TokenBucket(SYNC_REQUESTS_PER_MINUTE / 60, SYNC_REQUEST_BURST - 1, now);
      this.requestOwed = !this.ownRequests.take(now);
      if (!this.requestOwed) this.io.send(reconcileMessage(0, ReconcilePhase.Request));
    } else if (this.role === 'initiator') {
      this.initiator.syncNow(now);
    }
  }

  /** The peer asked for a round: within its allowance (limits.ts), and never past a failure's backoff. */
  private requested(now: number): void {
    this.requests ??= new TokenBucket(SYNC_REQUESTS_PER_MINUTE / 60, SYNC_REQUEST_BURST, now);
    if (!this.requests.take(now)) {
      // An honest peer's request is a hint: the next periodic round finds what it was for.
      this.limits.hit(LimitName.SyncRequests);
      this.io.log('sync request refused: too many requests on this link');
      return;
    }
    this.initiator.requested(now);
  }

  pushLive(versions: readonly Version[], now: number, relayed: boolean, urgent = false): void {
    if (this.role === undefined || versions.length === 0) return;
    this.sendNow = now;
    // Urgent versions go ahead of the send pace only while its debt is within a burst, the rule the
    // peer applies to them (IngestPacer.mayOvertake): past it they wait in order like the rest.
    // Unheld, relays of urgent versions that other peers pushed us at their own links' paces ran
    // the debt up without end: the peer's backlog behind its pace filled until it cut the link.
    this.live.push(versions, relayed, urgent && this.sendPace.mayOvertake(now));
    if (!this.live.empty) this.pump(now);
  }

  /** Announced versions that did not arrive by the tree: ask this peer for them. */
  graft(ids: readonly Uint8Array[], now: number): void {
    if (this.role === undefined || ids.length === 0) return;
    const refused = this.live.graft(ids);
    if (refused.length > 0) {
      this.limits.hit(LimitName.TrackedWants, refused.length);
      this.source.release(refused);
    }
    this.pump(now);
  }

  tick(now: number): void {
    // A paced frame whose time has come, for hosts without a timer (SessionHost.after).
    if (this.paced !== undefined && now >= this.paced.due) this.paced.take(now);
    this.linkHeld.expire(now);
    this.initiator.tick(now);
    this.responder.expire(now);
    if (this.requestOwed && this.role === 'responder') this.syncNow(now);
    if (this.role === 'initiator') this.initiator.maybeStart(now);
    this.flushWants();
    this.live.flushLazy();
    this.pump(now);
  }

  /**
   * Anti-entropy frames moved on the link without a message being read: one of ours left our
   * budgeter for the wire (PeerSession.wired), or a part of one of the peer's came. The rounds'
   * idle clocks (the initiator's no-progress timeout, the responder's expiry) restart: time a
   * round's frames spend waiting in a budgeter behind live traffic is not the other side's silence.
   */
  moved(now: number): void {
    this.initiator.progressed(now);
    this.responder.touch(now);
  }

  onReconcile(m: ReconcileMessage, now: number): void {
    switch (m.phase) {
      case ReconcilePhase.Open:
      case ReconcilePhase.Next:
        if (this.role !== 'responder') return this.io.invalid(`reconcile ${m.phase} sent to the initiator`);
        return this.responder.handle(m, now);
      case ReconcilePhase.Reply:
        return this.initiator.onReply(m, now);
      case ReconcilePhase.Done: {
        const openedAt = this.responder.finish(m.session, now);
        if (openedAt === undefined || this.role !== 'responder') return;
        this.completed(openedAt, now);
        return;
      }
      case ReconcilePhase.Abort:
        if (!this.initiator.aborted(m.session, now)) this.responder.finish(m.session, now);
        return;
      case ReconcilePhase.Request:
        if (this.role !== 'initiator') return this.io.invalid('sync request to the responder');
        return this.requested(now);
      default: {
        const never: never = m.phase;
        return this.io.invalid(`unknown phase ${String(never)}`);
      }
    }
  }

  onWant(m: WantMessage, now: number): void {
    // The peer is working through a round (ours or its own): its `want`s and repair versions
    // keep it alive while its next reconcile message waits in its own queue behind them.
    if (!m.graft) this.moved(now);
    // What this link was answered lately is not sent again (a want proves need once: an honest
    // peer asks again only after its next round finds the version still missing).
    const ids = m.ids.filter((id) => !this.answered.sentLately(id, now));
    if (ids.length < m.ids.length) this.limits.hit(LimitName.RepeatedWants, m.ids.length - ids.length);
    for (const id of ids) this.answered.sent(id, now);
    const versions = ids.length === 0 ? [] : this.source.lookup(ids);
    if (m.graft) {
      this.live.grafted(versions, m.request);
    } else {
      const refused = this.repairOut.enqueue(versions);
      if (refused > 0) this.io.log(`send queue full: ${refused} wanted versions left for the next round`);
      this.repairOut.complete(m.request);
    }
    this.pump(now);
  }

  /**
   * Whether a live frame holds only versions the host ranks urgent (SessionHost.urgent), at most
   * MAX_OVERTAKING_VERSIONS of them: such a frame may overtake the link's held frames. Decodes the
   * batch (a small one: the caller bounds its bytes); a batch that does not decode is not urgent
   * (it is refused in its turn).
   */
  urgentOnly(m: VersionsMessage, now: number): boolean {
    if (this.host.urgent === undefined || !m.live || m.completes !== 0 || m.batch.length === 0) return false;
    let versions: Version[];
    try {
      versions = decodeVersions(m.batch, { maxVersions: MAX_OVERTAKING_VERSIONS, ids: this.ids });
    } catch {
      return false;
    }
    return versions.length > 0 && this.urgentFrame(m, versions, now);
  }

  /**
   * Whether a decoded frame is small and urgent only, and the link's pace lets it pass (charged like
   * any frame: past a burst of debt, urgent frames wait in order too).
   */
  private urgentFrame(m: VersionsMessage, versions: readonly Version[], now: number): boolean {
    const urgent = this.host.urgent;
    if (urgent === undefined || !m.live || m.completes !== 0 || versions.length > MAX_OVERTAKING_VERSIONS) return false;
    if (m.batch.length > MAX_OVERTAKING_BYTES || !this.pacer.mayOvertake(now)) return false;
    return versions.every((v) => urgent(v));
  }

  /**
   * A versions frame: paced (the link's share of the merge), checked (host.verify), then merged.
   * The link's later frames wait until the merge is done (the link's order); an overtaking urgent
   * frame (PeerSession.receive) holds nothing, is not paced but is charged, and `release`s its
   * place among the overtaking when merged.
   */
  onVersions(m: VersionsMessage, now: number, release?: () => void): void {
    if (!m.live) this.moved(now);
    let versions: Version[] = [];
    if (m.batch.length > 0) {
      try {
        // Refused before anything is built: the count comes first in the batch.
        versions = decodeVersions(m.batch, { maxVersions: MAX_VERSIONS_PER_FRAME, ids: this.ids });
      } catch (error) {
        if (!(error instanceof WireError)) throw error;
        if (/versions exceeds the limit/.test(error.message)) this.limits.hit(LimitName.VersionsPerFrame);
        return this.io.invalid('bad versions batch', error.message);
      }
    }
    if (release !== undefined) {
      this.pacer.take(versions.length, now);
      return this.take(m, versions, now, () => release);
    }
    // Taken at once: a frame with no versions (it only completes wants), and a small urgent frame
    // while the debt is within a burst, as when it overtakes (urgentOnly): a decision or a HIGH
    // threat does not wait out the debt a catch-up left when nothing else holds the link.
    const wait = versions.length === 0 || this.urgentFrame(m, versions, now) ? 0 : this.pacer.waitMs(now);
    if (wait === 0) {
      this.pacer.take(versions.length, now);
      return this.take(m, versions, now, () => this.io.hold());
    }
    // Past the link's share: the frame waits whole (its batch signature covers all of it), and the
    // link's later frames behind it, until the pace allows it. Nothing is dropped. It is charged
    // now, not when taken: the urgent frames that overtake it meanwhile (mayOvertake) have what is
    // left of the burst. Charged when taken, it came on top of a burst of them, one frame past the
    // pace's bound (attack/paced-frame-overtaken.test.ts).
    this.limits.hit(LimitName.AppliedRate, versions.length);
    this.pacer.take(versions.length, now);
    const resume = this.io.hold();
    let taken = false;
    const take = (later: number): void => {
      if (taken) return;
      taken = true;
      this.paced = undefined;
      if (this.closed) return resume(later);
      try {
        this.take(m, versions, later, () => resume);
      } catch (error) {
        // Run from a timer or a tick, not from the frame's dispatch: the link must not stay held.
        resume(later);
        throw error;
      }
    };
    this.paced = { due: now + wait, take };
    this.host.after?.(wait, take);
  }

  /** A decoded frame the pacer let through: checked, then merged, under `hold`. */
  private take(m: VersionsMessage, decoded: Version[], now: number, hold: () => (now: number) => void): void {
    let versions = decoded;
    let ids = versions.map((v) => versionId(v));
    for (const id of ids) this.wants.arrived(idKey(id));
    this.versionsIn += versions.length;
    // Set aside here (the hold-back) and pushed again unasked by a peer's reconciliation: dropped
    // before any check, until the hold-back runs out.
    // The same for what this link alone is held back for.
    const held = (id: Uint8Array): boolean => this.source.isHeldBack(id, now) || this.linkHeld.has(id, now);
    if (ids.some(held)) {
      const keep = ids.map((id) => !held(id));
      versions = versions.filter((_, i) => keep[i]);
      ids = ids.filter((_, i) => keep[i]);
    }
    this.source.identified?.(versions, ids);
    // Frames after this one wait for the verdict and the last part of the merge, so the link's order holds.
    const resume = hold();
    const ingest = (verdict: VerifyVerdict, later: number): void => {
      if (this.closed) resume(later);
      else this.ingest(m, versions, ids, verdict, later, resume);
    };
    const verify = this.host.verify;
    if (verify === undefined || versions.length === 0) return ingest({ accepted: versions, rejected: [] }, now);
    verify(versions, ingest);
  }

  /** Merges what the verdict accepted, in parts when the frame is large (ingest-parts.ts), then `resume`s the link. */
  private ingest(
    m: VersionsMessage,
    versions: readonly Version[],
    ids: readonly Uint8Array[],
    verdict: VerifyVerdict,
    now: number,
    resume: (now: number) => void,
  ): void {
    if (verdict.rejected.length > 0 || (verdict.penalty ?? 0) > 0) this.refused(verdict, versions, ids, now);
    const defer = this.host.defer;
    const parts = ingestParts(verdict.accepted, defer !== undefined, this.host.urgent);
    // The parts' writes go to storage as one commit, after the last part (SessionHost.gather).
    const release = parts.length > 1 ? this.host.gather?.() : undefined;
    let index: Map<Version, number> | undefined;
    const idOf = (v: Version): Uint8Array => ids[(index ??= new Map(versions.map((x, i) => [x, i]))).get(v)!]!;
    let applied = 0;
    const step = (i: number, at: number): void => {
      // The link resumes after the last part, or after a part that threw (the host's fault: the
      // session counts it), so a failure never leaves the peer's later frames waiting for good.
      // Verified versions are merged even when the link closed meanwhile (only the link's own
      // bookkeeping is skipped): the peer that sent them may be the only one holding them.
      let more = false;
      try {
        for (; i < parts.length; i++) {
          if (this.closed) this.host.apply(parts[i]!, m.live);
          else applied += this.merge(parts[i]!, m.live, idOf, at);
          // The rest goes in a task of its own, unless the peer's frames waiting behind this
          // merge near the backlog's bound (an honest fast sender must not be cut for it).
          if (defer !== undefined && i + 1 < parts.length && (this.closed || !this.io.backlogged())) {
            const next = i + 1;
            defer((later) => step(next, later));
            more = true;
            return;
          }
        }
        if (!this.closed) this.ingested(m, verdict.accepted.length, applied, at);
      } finally {
        if (!more) {
          release?.();
          resume(at);
        }
      }
    };
    step(0, now);
  }

  /** One part of a frame through the host's merge; returns how many versions changed the store. */
  private merge(part: readonly Version[], live: boolean, idOf: (v: Version) => Uint8Array, now: number): number {
    const applied = this.host.apply(part, live);
    if (applied.length < part.length) {
      const changed = new Set(applied);
      const idle: Version[] = [];
      const refused: Uint8Array[] = [];
      for (const v of part) {
        if (changed.has(v)) continue;
        // Refused for what it is on every node alike: never worth asking for again.
        if (hasHonestContext(v) && expiryRefusal(v) === undefined) idle.push(v);
        else refused.push(idOf(v));
      }
      // Not applied now (held for skew, obsolete here) but it may be later: the one hold-back rule.
      const until = now + this.o.unappliedRetryMs;
      this.holdBack(
        idle.map((v) => idOf(v)),
        idle.map(() => until),
        idle,
      );
      if (refused.length > 0) this.source.refuse(refused);
    }
    return applied.length;
  }

  /** The frame is merged: its `accepted` versions of which `applied` changed the store. */
  private ingested(m: VersionsMessage, accepted: number, applied: number, now: number): void {
    if (!m.live) this.appliedSinceSync += applied;
    else if (accepted > 0) this.live.received(applied > 0);
    if (m.completes > 0) this.source.release(this.wants.complete(m.completes));
    this.initiator.progressed(now);
    this.flushWants();
    this.initiator.checkDone(now);
  }

  /**
   * Versions the host's verify refused. Never refused for good by id: a forged copy has the id of
   * the honest version (the id does not cover the signature), so that would let a forger hide it.
   * Those that prove the link at fault charge it (invalid input: cut, then backed off); the others
   * (an unknown author, whose key may come; an equivocation, the author's fault) are not asked for
   * again for a while.
   */
  private refused(verdict: VerifyVerdict, versions: readonly Version[], ids: readonly Uint8Array[], now: number): void {
    const index = new Map(versions.map((v, i) => [v, i]));
    const setAside: Aside = { ids: [], until: [], versions: [] };
    const linkAside: Aside = { ids: [], until: [], versions: [] };
    const reasons = new Map<string, number>();
    let penalty = verdict.penalty ?? 0;
    for (const r of verdict.rejected) {
      const i = index.get(r.version);
      if (i !== undefined) {
        // Until the verdict's time (when the author's bucket can take it), else the hold-back's length.
        const until = r.later === 'next-round' ? now : (r.until ?? now + this.o.unappliedRetryMs);
        const aside = r.later === 'hold-back' ? setAside : r.later === 'this-link' ? linkAside : undefined;
        aside?.ids.push(ids[i]!);
        aside?.until.push(until);
        aside?.versions.push(r.version);
        // Stuck between us until asked for again: at the next round, or once the hold-back runs out.
        this.refusals.refused([ids[i]!], until);
      }
      reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
      if (r.penalise) penalty += 1;
    }
    this.holdBack(setAside.ids, setAside.until, setAside.versions);
    if (linkAside.ids.length > 0) {
      this.linkHeld.hold(linkAside.ids, linkAside.until);
      this.linkHeld.countAsHeld(itemsOf(linkAside), linkAside.until);
    }
    const detail = Object.fromEntries(reasons);
    if (penalty > 0) this.io.invalid(`${penalty} versions refused`, detail, penalty);
    else this.io.log(`${verdict.rejected.length} versions refused`, detail);
  }

  /**
   * Versions from this link that may pass later but not at the next round (VerifyVerdict's
   * `hold-back`, and versions the store did not apply): not fetched from any peer until their
   * `until` (the verdict's, else `unappliedRetryMs` on), and counted as held in this link's rounds
   * meanwhile, so it does not push them again.
   */
  private holdBack(ids: readonly Uint8Array[], until: readonly number[], versions: readonly Version[]): void {
    if (ids.length === 0) return;
    for (let i = 0; i < ids.length;) {
      // Runs of one `until` (all of them, but for versions the author's bucket takes one by one).
      let j = i + 1;
      while (j < ids.length && until[j] === until[i]) j++;
      this.source.suppress(ids.slice(i, j), until[i]!);
      i = j;
    }
    this.linkHeld.countAsHeld(itemsOf({ ids, versions }), until);
  }

  pump(now: number): void {
    this.sendNow = now;
    const send = (f: Uint8Array, n: number): void => this.pacedIo.sendFrame(f, n);
    const room = (): boolean => this.pacedIo.room();
    let sent = this.live.pump(send, room);
    sent += this.repairOut.pump(this.framer, send, room);
    if (sent > 0) this.initiator.progressed(now);
    this.wakeForPace(now);
    // Versions were refused for lack of room: a reconciliation finds them again.
    if (this.repairOut.empty && this.live.takeOverflow()) this.syncNow(now);
    this.initiator.checkDone(now);
  }

  /** Versions our host sent the peer itself (a budgeted link's live versions): charged to its pace. */
  chargeSent(versions: number, now: number): void {
    this.sendPace.take(versions, now);
  }

  /** Ms until the peer's pace takes more of our versions. */
  paceWait(now: number): number {
    return this.sendPace.waitMs(now);
  }

  /** Versions wait for the send pace alone: pump again when it allows them (else the next tick does). */
  private wakeForPace(now: number): void {
    if (this.wakeSet || this.closed || (this.live.empty && this.repairOut.empty) || !this.io.room()) return;
    const wait = this.sendPace.waitMs(now);
    if (wait === 0 || this.host.after === undefined) return;
    this.wakeSet = true;
    this.host.after(wait, (later) => {
      this.wakeSet = false;
      if (!this.closed) this.pump(later);
    });
  }

  close(): void {
    this.source.release(this.wants.reset());
    this.repairOut.clear();
    this.closed = true;
    // A frame waiting for its pace is let go unchecked (the peer still holds it; a round fetches it).
    this.paced = undefined;
    this.live.close();
    this.responder.clear();
    this.initiator.close();
    this.linkHeld.clear();
    this.refusals.clear();
    this.roleNow = undefined;
  }

  private flushWants(): void {
    // Each want within the link's frame size: on a thin link a 4,096-id want (64 KiB) would hold
    // the wire for seconds, with HIGH changes and pings behind it.
    const ids = Math.floor((this.frameTarget() - WANT_HEADER_BYTES) / SYNC_ID_BYTES);
    for (let next = this.wants.next(ids); next !== undefined; next = this.wants.next(ids)) {
      this.io.send({ type: MessageType.Want, request: next.request, graft: false, ids: next.ids });
    }
  }

  private completed(verifiedAt: number, now: number): void {
    this.done = true;
    this.lastSyncAt = now;
    this.verifiedAt = Math.max(this.verifiedAt ?? verifiedAt, verifiedAt);
    const applied = this.appliedSinceSync;
    this.appliedSinceSync = 0;
    this.host.synced(applied);
  }

  private dropped(reason: string): void {
    this.unsentInRound += 1;
    this.unsent += 1;
    this.io.log('version not sent', reason);
    this.host.unsent(reason);
  }

  /** Whether the peer has been verified up to now (called for every frame while synced). */
  touch(now: number): void {
    if (this.done) this.verifiedAt = now;
  }
}

/** Refused versions set aside (one hold-back or the other): their ids, until when, the versions. */
interface Aside {
  readonly ids: Uint8Array[];
  readonly until: number[];
  readonly versions: Version[];
}

/** The reconciliation items of versions (SyncIndex's: ts = HLC ms, id = versionId). */
function itemsOf(aside: { readonly ids: readonly Uint8Array[]; readonly versions: readonly Version[] }): Item[] {
  return aside.versions.map((v, i) => ({ ts: v.ts.ms, id: aside.ids[i]! }));
}
