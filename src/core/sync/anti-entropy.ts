import type { Version } from '../merge/version';
import { ReconcileError } from '../reconcile/errors';
import { backoffDelay } from '../retry/backoff';
import { Reconciler } from '../reconcile/reconciler';
import { decodeVersions, WireError } from '../wire';
import { LivePush } from './live-push';
import { MessageType, ReconcilePhase, type ReconcileMessage, type VersionsMessage, type WantMessage } from './messages';
import { Outbox } from './outbox';
import { reconcileMessage } from './reconcile-message';
import { Responder } from './responder';
import type { InitiatorRound } from './rounds';
import type { SessionIo } from './session-io';
import type { ResolvedSessionOptions, SessionRole, SyncSource } from './session-types';
import { idKey, versionId } from './version-id';
import { VersionFramer } from './version-framer';
import { WantTracker } from './want-tracker';

/** What anti-entropy needs of its session besides the link (SessionIo). */
export interface RepairHost {
  /** Merges versions from the peer; returns those that changed the store. */
  apply(versions: readonly Version[], live: boolean): readonly Version[];
  /** A round completed; `applied` versions it brought changed the store. */
  synced(applied: number): void;
  /** Whether we may prune one more peer's live pushes. */
  mayPrune(): boolean;
}

/** Anti-entropy's part of a session's stats. */
export interface RepairReport {
  readonly role: SessionRole | undefined;
  readonly lastSyncAt: number | undefined;
  readonly verifiedAt: number | undefined;
  readonly progress: { readonly received: number; readonly needed: number };
  readonly versionsIn: number;
  readonly queued: number;
  readonly failures: number;
  readonly eager: boolean;
  readonly eagerIn: boolean;
  readonly prunes: number;
  readonly grafts: number;
}

/**
 * Anti-entropy and live push over one link. The initiator (smaller node id) runs rounds: a
 * reconciliation of the two version sets (src/core/reconcile), then `want`s for what it lacks while
 * it sends what the peer lacks, then `done`. Everything is idempotent, so a round cut off midway is
 * simply run again later; failed rounds back off exponentially.
 */
export class AntiEntropy {
  private roleNow: SessionRole | undefined;
  private round: InitiatorRound | undefined;
  private readonly responder: Responder;
  private readonly wants: WantTracker;
  private readonly repairOut: Outbox;
  private readonly live: LivePush;
  private readonly framer: VersionFramer;
  private lastRoundId = 0;
  private nextSyncAt = Number.POSITIVE_INFINITY;
  private again = false;
  private appliedSinceSync = 0;
  private failures = 0;
  private done = false;
  private lastSyncAt: number | undefined;
  private verifiedAt: number | undefined;
  private versionsIn = 0;

  constructor(
    private readonly o: ResolvedSessionOptions,
    private readonly source: SyncSource,
    private readonly host: RepairHost,
    private readonly io: SessionIo,
  ) {
    this.wants = new WantTracker(o.wantWindow, o.maxWanted);
    this.repairOut = new Outbox(o.maxQueuedVersions, false);
    this.framer = new VersionFramer(o.repairFrameBytes, undefined, (reason) => io.log('version not sent', reason));
    this.live = new LivePush(o.maxQueuedVersions, io, this.framer, this.wants, () => host.mayPrune());
    this.responder = new Responder(o, source, this.repairOut, io, {
      opened: () => {
        this.done = false;
        this.wants.resetProgress();
      },
      pump: (now) => this.pump(now),
    });
  }

  get role(): SessionRole | undefined {
    return this.roleNow;
  }

  /** The last round completed (and no new one started since). */
  get synced(): boolean {
    return this.done;
  }

  /** The peer pushes versions to us live (we have not pruned it). */
  get eagerIn(): boolean {
    return !this.live.pruned;
  }

  report(): RepairReport {
    return {
      role: this.roleNow,
      lastSyncAt: this.lastSyncAt,
      verifiedAt: this.verifiedAt,
      progress: { received: this.wants.received, needed: this.wants.needed },
      versionsIn: this.versionsIn,
      queued: this.repairOut.queued + this.live.out.queued,
      failures: this.failures,
      eager: this.live.eager,
      eagerIn: !this.live.pruned,
      prunes: this.live.prunes,
      grafts: this.live.grafts,
    };
  }

  /** The peer pruned us: from now on we announce ids only. */
  onPrune(): void {
    this.live.prunedByPeer();
  }

  /** The handshake is done: the initiator syncs at once. */
  begin(role: SessionRole, now: number): void {
    this.roleNow = role;
    if (role === 'initiator') this.nextSyncAt = now;
    this.tick(now);
  }

  syncNow(now: number): void {
    if (this.role === 'responder') {
      this.io.send(reconcileMessage(0, ReconcilePhase.Request));
    } else if (this.role === 'initiator') {
      if (this.round !== undefined) this.again = true;
      else this.nextSyncAt = now;
      this.maybeStart(now);
    }
  }

  pushLive(versions: readonly Version[], now: number, relayed: boolean): void {
    if (this.role === undefined || versions.length === 0) return;
    this.live.push(versions, relayed);
    if (!this.live.out.empty) this.pump(now);
  }

  /** Announced versions that did not arrive by the tree: ask this peer for them. */
  graft(ids: readonly Uint8Array[], now: number): void {
    if (this.role === undefined || ids.length === 0) return;
    this.live.graft(ids);
    this.pump(now);
  }

  tick(now: number): void {
    if (this.round !== undefined && now - this.round.lastProgressAt > this.o.roundTimeoutMs) {
      this.fail(now, `no progress for ${this.o.roundTimeoutMs} ms`, true);
    }
    this.responder.expire(now);
    this.maybeStart(now);
    this.flushWants();
    this.live.flushLazy();
    this.pump(now);
  }

  onReconcile(m: ReconcileMessage, now: number): void {
    switch (m.phase) {
      case ReconcilePhase.Open:
      case ReconcilePhase.Next:
        if (this.role !== 'responder') return this.io.invalid(`reconcile ${m.phase} sent to the initiator`);
        return this.responder.handle(m, now);
      case ReconcilePhase.Reply:
        return this.onReply(m, now);
      case ReconcilePhase.Done: {
        const openedAt = this.responder.finish(m.session);
        if (openedAt === undefined || this.role !== 'responder') return;
        this.completed(openedAt, now);
        return;
      }
      case ReconcilePhase.Abort:
        if (this.round?.id === m.session) this.fail(now, 'the peer aborted the round', false);
        else this.responder.finish(m.session);
        return;
      case ReconcilePhase.Request:
        if (this.role !== 'initiator') return this.io.invalid('sync request to the responder');
        return this.syncNow(now);
      default: {
        const never: never = m.phase;
        return this.io.invalid(`unknown phase ${String(never)}`);
      }
    }
  }

  onWant(m: WantMessage, now: number): void {
    const versions = this.source.lookup(m.ids);
    if (m.graft) this.live.grafted(versions, m.request);
    else {
      const refused = this.repairOut.enqueue(versions);
      if (refused > 0) this.io.log(`send queue full: ${refused} wanted versions left for the next round`);
      this.repairOut.complete(m.request);
    }
    this.pump(now);
  }

  onVersions(m: VersionsMessage, now: number): void {
    let versions: Version[] = [];
    if (m.batch.length > 0) {
      try {
        versions = decodeVersions(m.batch);
      } catch (error) {
        if (error instanceof WireError) return this.io.invalid('bad versions batch', error.message);
        throw error;
      }
    }
    const ids = versions.map((v) => versionId(v));
    for (const id of ids) this.wants.arrived(idKey(id));
    this.versionsIn += versions.length;
    const applied = versions.length > 0 ? this.host.apply(versions, m.live) : [];
    if (applied.length < versions.length) {
      const changed = new Set(applied);
      const idle = ids.filter((_, i) => !changed.has(versions[i]!));
      this.source.suppress(idle, now + this.o.unappliedRetryMs);
    }
    if (!m.live) this.appliedSinceSync += applied.length;
    else if (versions.length > 0) this.live.received(applied.length > 0);
    if (m.completes > 0) this.source.release(this.wants.complete(m.completes));
    if (this.round !== undefined) this.round.lastProgressAt = now;
    this.flushWants();
    this.checkDone(now);
  }

  pump(now: number): void {
    let sent = this.live.out.pump(
      this.framer,
      (f, n) => this.io.sendFrame(f, n),
      () => this.io.room(),
    );
    sent += this.repairOut.pump(
      this.framer,
      (f, n) => this.io.sendFrame(f, n),
      () => this.io.room(),
    );
    if (sent > 0 && this.round !== undefined) this.round.lastProgressAt = now;
    if (this.live.overflowed && this.live.out.empty && this.repairOut.empty) {
      // Versions were refused for lack of room: a reconciliation finds them again.
      this.live.overflowed = false;
      this.syncNow(now);
    }
    this.checkDone(now);
  }

  close(): void {
    this.source.release(this.wants.reset());
    this.repairOut.clear();
    this.live.close();
    this.responder.clear();
    this.round = undefined;
    this.roleNow = undefined;
  }

  private maybeStart(now: number): void {
    if (this.role === 'initiator' && this.round === undefined && now >= this.nextSyncAt) this.start(now);
  }

  private start(now: number): void {
    const reconciler = new Reconciler(this.source.storage(), { frameSizeLimit: this.o.reconcileFrameBytes });
    const id = (this.lastRoundId = (this.lastRoundId % 0xffff_fffe) + 1);
    this.round = { id, reconciler, startedAt: now, lastProgressAt: now, reconciled: false };
    this.done = false;
    this.again = false;
    this.wants.resetProgress();
    this.io.send(reconcileMessage(id, ReconcilePhase.Open, reconciler.initiate()));
  }

  private onReply(m: ReconcileMessage, now: number): void {
    const round = this.round;
    if (round === undefined || round.id !== m.session || round.reconciled)
      return this.io.invalid('reply to no open round');
    let result;
    try {
      result = round.reconciler.reconcile(m.payload);
    } catch (error) {
      if (!(error instanceof ReconcileError)) throw error;
      this.io.invalid('bad reconcile reply', error.message);
      return this.fail(now, 'bad reconcile reply', true);
    }
    round.lastProgressAt = now;
    if (result.have.length > 0 && this.repairOut.enqueue(this.source.lookup(result.have)) > 0)
      this.live.overflowed = true;
    if (result.need.length > 0) {
      // Most arrived right before the reply; only what did not is asked for.
      const claimed = this.source.claim(result.need, now, now + this.o.roundTimeoutMs);
      this.wants.pushed(result.need.length - claimed.length);
      const refused = this.wants.add(claimed);
      if (refused.length > 0) {
        this.source.release(refused);
        this.again = true;
      }
    }
    if (result.reply !== null) {
      this.io.send(reconcileMessage(round.id, ReconcilePhase.Next, result.reply));
    } else round.reconciled = true;
    this.flushWants();
    this.pump(now);
  }

  private flushWants(): void {
    for (let next = this.wants.next(); next !== undefined; next = this.wants.next()) {
      this.io.send({ type: MessageType.Want, request: next.request, graft: false, ids: next.ids });
    }
  }

  private checkDone(now: number): void {
    const round = this.round;
    if (round === undefined || !round.reconciled || !this.wants.idle || !this.repairOut.empty) return;
    this.io.send(reconcileMessage(round.id, ReconcilePhase.Done));
    this.round = undefined;
    this.failures = 0;
    this.nextSyncAt = this.again ? now : now + this.o.syncIntervalMs;
    this.completed(round.startedAt, now);
  }

  private completed(verifiedAt: number, now: number): void {
    this.done = true;
    this.lastSyncAt = now;
    this.verifiedAt = Math.max(this.verifiedAt ?? verifiedAt, verifiedAt);
    const applied = this.appliedSinceSync;
    this.appliedSinceSync = 0;
    this.host.synced(applied);
  }

  private fail(now: number, reason: string, notify: boolean): void {
    const round = this.round;
    if (round === undefined) return;
    this.io.log(`sync round failed: ${reason}`);
    this.source.release(this.wants.reset());
    if (notify) this.io.send(reconcileMessage(round.id, ReconcilePhase.Abort));
    this.round = undefined;
    this.failures += 1;
    this.nextSyncAt = now + backoffDelay(this.failures, { baseMs: this.o.backoffBaseMs, maxMs: this.o.backoffMaxMs });
  }

  /** Whether the peer has been verified up to now (called for every frame while synced). */
  touch(now: number): void {
    if (this.done) this.verifiedAt = now;
  }
}
