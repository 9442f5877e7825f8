/**
 * Reconcile sessions this side of one link ended on its own (the initiator's round timed out; the
 * responder let an idle session go), whose peer may not have heard yet: its frame for the session
 * may already be on its way, or waiting in its own budgeter behind a flood (docs/budgeter.md,
 * "Anti-entropy rounds under a flood"). Such a frame is late, not invalid: an honest peer must not
 * be charged for it (docs/security.md, invalid input backs a link off and cuts it).
 *
 * Bounded so that it cannot shelter a hostile peer's garbage: only ids this side itself ended, on
 * this link, the last MAX_ENDED_SESSIONS of them, each excusing at most LATE_FRAMES_PER_SESSION
 * frames (an honest peer has at most one reconcile message of a session in flight: it waits for
 * the answer before sending the next). A session ends this way at most once per round timeout, and
 * the peer's opens are rate-limited (RECONCILE_OPENS_PER_MINUTE), so late frames stay a trickle.
 */
export const MAX_ENDED_SESSIONS = 4;
export const LATE_FRAMES_PER_SESSION = 1;

export class EndedSessions {
  /** Session id → late frames it may still excuse; oldest first. */
  private readonly ended = new Map<number, number>();

  /** This side ended session `id` without the peer's word. */
  add(id: number): void {
    this.ended.delete(id);
    this.ended.set(id, LATE_FRAMES_PER_SESSION);
    while (this.ended.size > MAX_ENDED_SESSIONS) this.ended.delete(this.ended.keys().next().value as number);
  }

  /** A frame of session `id` came after it ended: true (and one excuse used) if it is late, not invalid. */
  late(id: number): boolean {
    const left = this.ended.get(id);
    if (left === undefined || left <= 0) return false;
    this.ended.set(id, left - 1);
    return true;
  }

  /** The session id is in use again (a new round with the same id): its frames are no longer late. */
  forget(id: number): void {
    this.ended.delete(id);
  }

  clear(): void {
    this.ended.clear();
  }
}
