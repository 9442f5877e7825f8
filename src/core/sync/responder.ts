import { ReconcileError } from '../reconcile/errors';
import type { Reconciler } from '../reconcile/reconciler';
import { encodeMessage } from './codec';
import { ReconcilePhase, type ReconcileMessage } from './messages';
import type { Outbox } from './outbox';
import { reconcileMessage } from './reconcile-message';
import { idsPeerLacks } from './reply-ids';
import { ResponderRounds } from './rounds';
import type { SessionIo } from './session-io';
import type { ResolvedSessionOptions, SyncSource } from './session-types';

/**
 * The responder's side of anti-entropy: answers each `open`/`next` from its snapshot of the set,
 * sending the versions its reply shows the initiator lacks right before the reply itself.
 */
export class Responder {
  private readonly rounds: ResponderRounds;

  constructor(
    private readonly o: ResolvedSessionOptions,
    private readonly source: SyncSource,
    private readonly repairOut: Outbox,
    private readonly io: SessionIo,
    private readonly hooks: { opened(): void; pump(now: number): void },
  ) {
    this.rounds = new ResponderRounds(o.reconcileFrameBytes);
  }

  handle(m: ReconcileMessage, now: number): void {
    let reconciler: Reconciler | undefined;
    if (m.phase === ReconcilePhase.Open) {
      reconciler = this.rounds.open(m.session, this.source.storage(), now);
      this.hooks.opened();
    } else reconciler = this.rounds.get(m.session, now);
    if (reconciler === undefined) return this.abort(m.session, 'unknown reconcile session');
    let reply: Uint8Array | null;
    try {
      reply = reconciler.reconcile(m.payload).reply;
    } catch (error) {
      if (!(error instanceof ReconcileError)) throw error;
      this.rounds.finish(m.session);
      return this.abort(m.session, 'bad reconcile message', error.message);
    }
    if (reply === null) return;
    const frame = encodeMessage(reconcileMessage(m.session, ReconcilePhase.Reply, reply));
    const pushed = this.source.lookup(idsPeerLacks(reply, this.o.reconcileFrameBytes));
    if (pushed.length === 0 && this.repairOut.empty) return this.io.sendFrame(frame, 0);
    // What the peer lacks goes first, so it is applied before the reply is read (no `want` needed).
    if (this.repairOut.enqueue(pushed) > 0) this.io.log('send queue full: the peer will ask for the rest');
    this.repairOut.frame(frame);
    this.hooks.pump(now);
  }

  /** The initiator finished (done) or dropped (abort) a session; returns when it was opened. */
  finish(session: number): number | undefined {
    return this.rounds.finish(session);
  }

  expire(now: number): void {
    this.rounds.expire(now, 2 * this.o.roundTimeoutMs);
  }

  clear(): void {
    this.rounds.clear();
  }

  private abort(session: number, reason: string, detail?: unknown): void {
    this.io.invalid(reason, detail);
    this.io.send(reconcileMessage(session, ReconcilePhase.Abort));
  }
}
