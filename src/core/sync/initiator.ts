import type { FingerprintKey } from '../reconcile/fingerprint';
import { ReconcileError } from '../reconcile/errors';
import { Reconciler } from '../reconcile/reconciler';
import { backoffDelay } from '../retry/backoff';
import { EndedSessions } from './ended-sessions';
import { ReconcilePhase, type ReconcileMessage } from './messages';
import type { Outbox } from './outbox';
import { reconcileMessage } from './reconcile-message';
import type { InitiatorRound } from './rounds';
import type { SessionIo } from './session-io';
import type { ResolvedSessionOptions, SyncSource } from './session-types';
import type { WantTracker } from './want-tracker';

/** What the initiator's rounds need of the rest of anti-entropy. */
export interface InitiatorHooks {
  /** A round opened: the link is no longer synced, and progress counts from zero. */
  opened(now: number): void;
  /** The round found the peer lacking these versions of ours (link-refusals.ts). */
  offered(ids: readonly Uint8Array[]): void;
  /** Versions the peer lacks found no room in the queue: a later round must find them. */
  overflowed(): void;
  flushWants(): void;
  pump(now: number): void;
  /** The round completed: everything we held at `startedAt` is now settled with the peer. */
  completed(startedAt: number, now: number): void;
}

/**
 * The initiator's side of anti-entropy (the smaller node id runs it; Responder is the other):
 * one round at a time, each a reconciliation of the two version sets, then `want`s for what we
 * lack while what the peer lacks is sent, then `done`. A round that stops progressing, or that the
 * peer aborts, fails and the next waits with backoff; a completed one schedules the next after
 * syncIntervalMs (or at once if a sync was asked for meanwhile).
 */
export class Initiator {
  private round: InitiatorRound | undefined;
  private lastRoundId = 0;
  private nextSyncAt = Number.POSITIVE_INFINITY;
  /** Until when the last failed round's backoff holds (no failure since the last completed round: -∞). */
  private backoffUntil = Number.NEGATIVE_INFINITY;
  private again = false;
  private failed = 0;
  /** The session's fingerprint key (fingerprint-key.ts), from begin(). */
  private key: FingerprintKey | undefined;
  /** Rounds we gave up on (timeout) while the peer may still be answering them. */
  private readonly ended = new EndedSessions();
  /** Our turn came (round-turns.ts): the round starts if it is still due. */
  private readonly turnCame = (now: number): void => {
    // Through the turns again: the turn may have gone on to another link while the commits landed.
    if (this.round === undefined && this.key !== undefined && now >= this.nextSyncAt) this.maybeStart(now);
    else this.leaveTurn(now);
  };

  constructor(
    private readonly o: ResolvedSessionOptions,
    private readonly source: SyncSource,
    private readonly wants: WantTracker,
    private readonly repairOut: Outbox,
    private readonly io: SessionIo,
    private readonly hooks: InitiatorHooks,
  ) {}

  /** Consecutive failed rounds (drives the backoff). */
  get failures(): number {
    return this.failed;
  }

  /** The handshake made us the initiator: the first round starts at once, under the session's key. */
  begin(now: number, key: FingerprintKey): void {
    this.key = key;
    this.nextSyncAt = now;
  }

  /** Starts a round now, or right after the one running. */
  syncNow(now: number): void {
    if (this.round !== undefined) this.again = true;
    else this.nextSyncAt = now;
    this.maybeStart(now);
  }

  /**
   * The peer asked for a round (`request`): now, or right after the one running, but never before
   * a failed round's backoff ends. A peer that aborts our rounds cannot ask for the next at once.
   */
  requested(now: number): void {
    if (this.round !== undefined) this.again = true;
    else this.nextSyncAt = Math.min(this.nextSyncAt, Math.max(now, this.backoffUntil));
    this.maybeStart(now);
  }

  maybeStart(now: number): void {
    if (this.round !== undefined || this.key === undefined || now < this.nextSyncAt) return;
    // One round at a time fills the node (round-turns.ts): the responder pushes what we lack.
    if (this.o.initiatorTurns?.enter(this, now, this.turnCame) === false) return;
    this.start(now);
  }

  /** Something moved for the open round (frames in or out). */
  progressed(now: number): void {
    if (this.round !== undefined) this.round.lastProgressAt = now;
  }

  tick(now: number): void {
    const round = this.round;
    if (round !== undefined && now - round.lastProgressAt > this.o.roundTimeoutMs) {
      this.fail(now, `no progress for ${this.o.roundTimeoutMs} ms`, true);
      // The peer's answer may already be on its way, or waiting in its budgeter: late when it comes.
      this.ended.add(round.id);
    }
  }

  /** The peer aborted session `session`: true if it was our open round. */
  aborted(session: number, now: number): boolean {
    if (this.round?.id !== session) return false;
    this.fail(now, 'the peer aborted the round', false);
    return true;
  }

  onReply(m: ReconcileMessage, now: number): void {
    const round = this.round;
    if (round === undefined || round.id !== m.session || round.reconciled) {
      // The answer to a round we timed out: it crossed our abort, or waited in the peer's queue.
      if (round?.id !== m.session && this.ended.late(m.session)) return this.io.late('reply to a round we ended');
      return this.io.invalid('reply to no open round');
    }
    let result;
    try {
      result = round.reconciler.reconcile(m.payload);
    } catch (error) {
      if (!(error instanceof ReconcileError)) throw error;
      this.io.invalid('bad reconcile reply', error.message);
      return this.fail(now, 'bad reconcile reply', true);
    }
    round.lastProgressAt = now;
    // Versions the responder pushed ahead of this reply: they count as needed and arrived.
    if (result.pushed > 0) this.wants.pushed(result.pushed);
    if (result.have.length > 0) this.hooks.offered(result.have);
    if (result.have.length > 0 && this.repairOut.enqueue(this.source.lookup(result.have)) > 0) this.hooks.overflowed();
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
    this.hooks.flushWants();
    this.hooks.pump(now);
  }

  /** Completes the round once reconciled, nothing is wanted and nothing waits to be sent. */
  checkDone(now: number): void {
    const round = this.round;
    if (round === undefined || !round.reconciled || !this.wants.idle || !this.repairOut.empty) return;
    this.io.send(reconcileMessage(round.id, ReconcilePhase.Done));
    this.round = undefined;
    this.failed = 0;
    this.backoffUntil = Number.NEGATIVE_INFINITY;
    this.nextSyncAt = this.again ? now : now + this.o.syncIntervalMs;
    this.leaveTurn(now);
    this.hooks.completed(round.startedAt, now);
  }

  close(): void {
    this.round = undefined;
    // A turn handed to this link while its commits landed must not start a round on a closed link.
    this.key = undefined;
    this.nextSyncAt = Number.POSITIVE_INFINITY;
    this.ended.clear();
    this.o.initiatorTurns?.leave(this);
  }

  /** No round of ours open: the node's turn goes to the next link waiting for it. */
  private leaveTurn(now: number): void {
    if (this.round === undefined) this.o.initiatorTurns?.leave(this, now);
  }

  private start(now: number): void {
    const key = this.key;
    if (key === undefined) throw new Error('a round before the handshake gave the session its key');
    const reconciler = new Reconciler(this.source.storage(), { frameSizeLimit: this.o.reconcileFrameBytes, key });
    const id = (this.lastRoundId = (this.lastRoundId % 0xffff_fffe) + 1);
    this.round = { id, reconciler, startedAt: now, lastProgressAt: now, reconciled: false };
    this.ended.forget(id);
    this.again = false;
    this.hooks.opened(now);
    this.io.send(reconcileMessage(id, ReconcilePhase.Open, reconciler.initiate()));
  }

  private fail(now: number, reason: string, notify: boolean): void {
    const round = this.round;
    if (round === undefined) return;
    this.io.log(`sync round failed: ${reason}`);
    this.source.release(this.wants.reset());
    if (notify) this.io.send(reconcileMessage(round.id, ReconcilePhase.Abort));
    this.round = undefined;
    this.failed += 1;
    this.nextSyncAt = this.backoffUntil =
      now + backoffDelay(this.failed, { baseMs: this.o.backoffBaseMs, maxMs: this.o.backoffMaxMs });
    this.leaveTurn(now);
  }
}
