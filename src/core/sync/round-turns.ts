/**
 * How long one link's responder round keeps the node's turn before a held open may take it anyway:
 * the most a peer that opens a round and stalls can delay the rounds other peers open with us.
 */
export const ROUND_TURN_MS = 1_000;

/**
 * One node's responder rounds, one at a time (docs/architecture.md, "One responder round at a
 * time"). After a heal every link between the halves opens a round with us in the same step, and
 * each initiator pushes what we lack: several send the same versions at once, and none can tell
 * another's push is on its way. Opens that find another link's round answering are held (one per
 * link, the newest) and answered in turn, once the round before has ended and what it brought is
 * durable: the next initiator then finds it in our set and does not send it again. A holder keeps
 * the turn at most ROUND_TURN_MS: a peer that stalls its round delays the others by that much,
 * never keeps a version from us (its round's versions still come by the rounds after it).
 *
 * The turn goes to waiting owners in the order they first asked, never to whoever asks first once
 * a holder's time is up: else a peer whose open lands just after that moment (two sybil links
 * taking turns) kept another link's open from ever being answered. A handed-over turn is not
 * used before the host's `defer` ran its answer (the last round's commits landed), or its time is
 * up (then it answers at once, whoever asks): the holder's own tick must not answer early, while
 * what the last round brought is still out of our set. One `defer` waits at a time.
 *
 * The owners are links' responders or initiators (at most one entry each, so bounded by the
 * node's links).
 */
export class RoundTurns<Owner> {
  /**
   * `ready`: the holder may answer (false from a handover until its wake ran or its time was up);
   * `answer`: what answers it then; `handover`: which handover gave it the turn.
   */
  private holder:
    { owner: Owner; since: number; ready: boolean; answer: (now: number) => void; handover: number } | undefined;
  /** Owners holding an open, in the order they first asked, each with what answers it. */
  private readonly waiting = new Map<Owner, (now: number) => void>();
  /** The latest time seen: a link that closes (no time given) hands the turn over as of then. */
  private lastNow = Number.NEGATIVE_INFINITY;
  /** Handovers so far; the one the pending wake (at most one) covers, or -1: none pending. */
  private handovers = 0;
  private wakeFor = -1;

  constructor(
    private readonly defer: (run: (now: number) => void) => void,
    private readonly turnMs = ROUND_TURN_MS,
  ) {}

  /**
   * May `owner` answer an open now? If so it holds the turn from `now`; if not, `answer` runs when
   * the turn comes to it (the owner also asks again on its ticks, for a holder past its time).
   */
  enter(owner: Owner, now: number, answer: (now: number) => void): boolean {
    this.lastNow = Math.max(this.lastNow, now);
    const h = this.holder;
    if (h === undefined) {
      this.holder = { owner, since: now, ready: true, answer, handover: this.handovers };
      this.waiting.delete(owner);
      return true;
    }
    const over = now - h.since >= this.turnMs;
    if (h.owner === owner) {
      if (!h.ready) {
        // Handed over, it waits for its wake (the last round durable), but not past its time
        // (commits that never land must not stop every round): then it answers, from now.
        if (!over) {
          h.answer = answer;
          return false;
        }
        h.ready = true;
        h.since = now;
        return true;
      }
      // The holder's later opens keep its turn from when it took it: opening again buys no more
      // time. Past its time with others waiting, it goes behind them.
      if (!over || this.waiting.size === 0) return true;
      this.waiting.set(owner, answer);
      this.handOver(now);
      return false;
    }
    // Kept in the order it first asked: asking again (a newer open) does not move it ahead.
    this.waiting.set(owner, answer);
    if (!over) return false;
    if (!h.ready) {
      // A holder handed the turn whose commits did not land in its time answers now, from now:
      // passed over, it could be handed the turn and passed over for good.
      h.ready = true;
      h.since = now;
      h.answer(now);
      return false;
    }
    if (this.waiting.keys().next().value === owner) {
      this.waiting.delete(owner);
      this.holder = { owner, since: now, ready: true, answer, handover: this.handovers };
      return true;
    }
    this.handOver(now);
    return false;
  }

  /** `owner` has no round open any more (or its link closed): the next waiting owner gets the turn. */
  leave(owner: Owner, now?: number): void {
    if (now !== undefined) this.lastNow = Math.max(this.lastNow, now);
    this.waiting.delete(owner);
    if (this.holder?.owner !== owner) return;
    this.holder = undefined;
    this.handOver(now ?? this.lastNow);
  }

  /** Owners holding an open (at most one per link). */
  get held(): number {
    return this.waiting.size;
  }

  /** The turn to the owner waiting longest, from `now`; it answers once woken, or its time is up. */
  private handOver(now: number): void {
    const next = this.waiting.entries().next();
    if (next.done === true) {
      this.holder = undefined;
      return;
    }
    const [owner, answer] = next.value;
    this.waiting.delete(owner);
    this.handovers += 1;
    this.holder = { owner, since: now, ready: false, answer, handover: this.handovers };
    this.wake();
  }

  /**
   * One wait for the host's `defer` at a time (a peer cycling opens and aborts while commits are
   * stuck made one per handover before, each keeping its link's session alive): when it runs, the
   * holder answers if the wait began after it was handed the turn, else the wait begins again.
   */
  private wake(): void {
    if (this.wakeFor >= 0) return;
    this.wakeFor = this.handovers;
    this.defer((t) => {
      const covered = this.wakeFor;
      this.wakeFor = -1;
      const h = this.holder;
      if (h === undefined || h.ready) return;
      if (h.handover > covered) {
        this.wake();
        return;
      }
      h.ready = true;
      h.answer(t);
    });
  }
}
