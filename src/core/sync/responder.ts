import type { FingerprintKey } from '../reconcile/fingerprint';
import type { TokenBucket } from '../budget/token-bucket';
import { ReconcileError } from '../reconcile/errors';
import type { ReconcileResult, Reconciler } from '../reconcile/reconciler';
import { encodeMessage } from './codec';
import { EndedSessions } from './ended-sessions';
import {
  LimitName,
  PUSH_FLOOR_VERSIONS,
  PUSH_VERSIONS_PER_REQUEST_BYTE,
  RECONCILE_OPEN_MIN_ITEMS,
  RECONCILE_WALK_BUDGET,
  REPLY_BYTES_PER_REQUEST_BYTE,
  REPLY_FLOOR_BYTES,
  type LimitCounter,
} from './limits';
import { ReconcilePhase, type ReconcileMessage } from './messages';
import { openAllowance, openCharge } from './open-allowances';
import type { Outbox } from './outbox';
import { reconcileMessage } from './reconcile-message';
import { ResponderRounds } from './rounds';
import type { SessionIo } from './session-io';
import type { ResolvedSessionOptions, SyncSource } from './session-types';

/**
 * The responder's side of anti-entropy: answers each `open`/`next` from its snapshot of the set,
 * sending the versions the initiator lacks right before the reply itself (the reconciler's push
 * mode): the reply only counts them, so they cost neither ids in the reply nor a `want` round trip.
 */
export class Responder {
  private readonly rounds: ResponderRounds;
  /**
   * Opens the peer may still make (limits.ts): each is charged by our set's size (openCharge), for
   * its whole-set pass of the session's keyed fingerprints and its pushes.
   */
  private opens: TokenBucket | undefined;
  /** Sessions we dropped while the initiator may still be in them (its `next` may be on its way). */
  private readonly ended = new EndedSessions();
  /** The session's fingerprint key (fingerprint-key.ts), from begin(). */
  private key: FingerprintKey | undefined;
  /** Replies that split a range the peer lacks for want of push room (PeerStats.pushSplits). */
  private splits = 0;
  /** The peer's newest open, held while another link's round has the node's turn (round-turns.ts). */
  private heldOpen: ReconcileMessage | undefined;
  private readonly answerHeld = (now: number): void => {
    const m = this.heldOpen;
    this.heldOpen = undefined;
    if (m !== undefined) this.handle(m, now);
    else this.leaveTurn(now);
  };

  constructor(
    private readonly o: ResolvedSessionOptions,
    private readonly source: SyncSource,
    private readonly repairOut: Outbox,
    private readonly io: SessionIo,
    private readonly limits: LimitCounter,
    private readonly hooks: {
      opened(now: number): void;
      /** The round found the peer lacking these versions of ours (link-refusals.ts). */
      offered(ids: readonly Uint8Array[]): void;
      pump(now: number): void;
    },
  ) {
    this.rounds = new ResponderRounds(o.reconcileFrameBytes, (id) => this.ended.add(id));
  }

  /** The handshake is done: rounds the peer opens reconcile under the session's key. */
  begin(key: FingerprintKey): void {
    this.key = key;
  }

  handle(m: ReconcileMessage, now: number): void {
    try {
      this.answer(m, now);
    } finally {
      // A round refused, aborted or ended here gives the node's turn back.
      this.leaveTurn(now);
    }
  }

  private answer(m: ReconcileMessage, now: number): void {
    let reconciler: Reconciler | undefined;
    if (m.phase === ReconcilePhase.Open) {
      // One link's round at a time fills the node (round-turns.ts): this one waits its turn.
      const turns = this.o.responderTurns;
      if (turns !== undefined && !turns.enter(this, now, this.answerHeld)) {
        this.heldOpen = m;
        return;
      }
      this.heldOpen = undefined;
      this.opens ??= this.o.openAllowance?.(now) ?? openAllowance(now);
      // The set as this link's rounds see it (the snapshot's size, without building it).
      if (!this.opens.take(now, openCharge(this.source.size))) {
        // Not the peer's fault necessarily (a burst of retries): refuse the round, it backs off.
        this.limits.hit(LimitName.ReconcileOpens);
        this.io.log('reconcile open refused: too many opens from this peer');
        this.io.send(reconcileMessage(m.session, ReconcilePhase.Abort));
        return;
      }
      this.ended.forget(m.session);
      const key = this.key;
      if (key === undefined) throw new Error('a round before the handshake gave the session its key');
      reconciler = this.rounds.open(m.session, this.source.storage(), now, key);
      this.hooks.opened(now);
    } else reconciler = this.rounds.get(m.session, now);
    if (reconciler === undefined) {
      // A session we let go while the initiator was still in it (its `next` waited in its queue,
      // or ours waited in ours): not its fault. The abort tells it to stop; it retries later.
      if (this.ended.late(m.session)) {
        this.io.late('next of a session we dropped');
        this.io.send(reconcileMessage(m.session, ReconcilePhase.Abort));
        return;
      }
      return this.abort(m.session, 'unknown reconcile session');
    }
    // The open paid for the session, not for every `next` of it: one that finds its walk budget
    // spent (limits.ts RECONCILE_WALK_BUDGET) ends it, and the peer must open again (charged).
    if (reconciler.walked >= RECONCILE_WALK_BUDGET * Math.max(reconciler.size, RECONCILE_OPEN_MIN_ITEMS)) {
      this.rounds.finish(m.session);
      this.ended.add(m.session);
      this.limits.hit(LimitName.ReconcileWalk);
      this.io.log('reconcile session aborted: it walked its budget');
      this.io.send(reconcileMessage(m.session, ReconcilePhase.Abort));
      return;
    }
    let result: ReconcileResult;
    // Pushes are bounded by the send queue's room and by a multiple of the message answered
    // (limits.ts); beyond, the reply lists ids the peer must want by name.
    const ratioRoom = PUSH_FLOOR_VERSIONS + PUSH_VERSIONS_PER_REQUEST_BYTE * m.payload.length;
    try {
      const replyLimit = REPLY_FLOOR_BYTES + REPLY_BYTES_PER_REQUEST_BYTE * m.payload.length;
      result = reconciler.reconcile(m.payload, Math.min(this.repairOut.room, ratioRoom), replyLimit);
    } catch (error) {
      if (!(error instanceof ReconcileError)) throw error;
      this.rounds.finish(m.session);
      return this.abort(m.session, 'bad reconcile message', error.message);
    }
    // Not a limit hit: splitting what would not fit is how every catch-up past the floor goes (an
    // empty peer's 4-byte open gets 2,064 versions and the rest as child ranges to descend into),
    // whatever the peer. Its amplification stays bounded per message, and its descent costs it
    // `next`s, which the walk budget bounds (docs/security.md, "Per-link limits").
    if (result.unpushed > 0) this.splits += 1;
    if (result.replyCut) this.limits.hit(LimitName.ReplyBytes);
    if (result.push.length > 0) this.hooks.offered(result.push);
    if (result.reply === null) return;
    const frame = encodeMessage(reconcileMessage(m.session, ReconcilePhase.Reply, result.reply));
    // (a version superseded since the snapshot is gone: the peer gets what superseded it instead)
    const pushed = this.source.lookup(result.push);
    if (pushed.length === 0 && this.repairOut.empty) return this.io.sendFrame(frame, 0);
    // What the peer lacks goes first, so it is applied before the reply is read.
    const refused = this.repairOut.enqueue(pushed);
    this.repairOut.frame(frame);
    if (refused > 0) {
      // Cannot happen while pushes stay within the room given; if it does, a new round finds them.
      this.io.log(`send queue full: ${refused} pushed versions left for the next round`);
      this.repairOut.frame(encodeMessage(reconcileMessage(0, ReconcilePhase.Request)));
    }
    this.hooks.pump(now);
  }

  /** Replies that split a range the peer lacks, for want of push room (the ratio or the send queue). */
  get pushSplits(): number {
    return this.splits;
  }

  /** The initiator finished (done) or dropped (abort) a session; returns when it was opened. */
  finish(session: number, now?: number): number | undefined {
    const openedAt = this.rounds.finish(session);
    // An open the initiator gave up on while it waited for the turn is not answered later.
    if (this.heldOpen?.session === session) this.heldOpen = undefined;
    this.leaveTurn(now);
    return openedAt;
  }

  /** Drops idle sessions; a held open asks for the turn again (its holder may be past its time). */
  expire(now: number): void {
    this.rounds.expire(now, 2 * this.o.roundTimeoutMs);
    const held = this.heldOpen;
    if (held !== undefined && this.o.responderTurns?.enter(this, now, this.answerHeld) === true) {
      this.heldOpen = undefined;
      this.handle(held, now);
    } else this.leaveTurn(now);
  }

  /** The open sessions' frames moved (AntiEntropy.moved): time waiting in a queue is not idleness. */
  touch(now: number): void {
    this.rounds.touch(now);
  }

  clear(): void {
    this.rounds.clear();
    this.ended.clear();
    this.heldOpen = undefined;
    this.o.responderTurns?.leave(this);
  }

  /** No round of ours is open and none is held: the node's turn goes to the next link waiting. */
  private leaveTurn(now?: number): void {
    if (this.rounds.active === 0 && this.heldOpen === undefined) this.o.responderTurns?.leave(this, now);
  }

  private abort(session: number, reason: string, detail?: unknown): void {
    this.io.invalid(reason, detail);
    this.io.send(reconcileMessage(session, ReconcilePhase.Abort));
  }
}
