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
 * up: the holder's own tick must not answer early, while what the last round brought is still out
 * of our set.
 *
 * The owners are links' responders or initiators (at most one entry each, so bounded by the
 * node's links).
 */
export class RoundTurns<Owner> {
  /** `ready`: the holder may answer (false from a handover until its deferred answer runs). */
  private holder: { owner: Owner; since: number; ready: boolean } | undefined;
  /** Owners holding an open, in the order they first asked, each with what answers it. */
  private readonly waiting = new Map<Owner, (now: number) => void>();
  /** The latest time seen: a link that closes (no time given) hands the turn over as of then. */
  private lastNow = Number.NEGATIVE_INFINITY;

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
      this.holder = { owner, since: now, ready: true };
      this.waiting.delete(owner);
      return true;
    }
    const over = now - h.since >= this.turnMs;
    if (h.owner === owner) {
      // The holder's later opens keep its turn from when it took it: opening again buys no more
      // time. Handed over, it waits for its deferred answer, but not past its time.
      if (!over) return h.ready;
      if (this.waiting.size === 0) {
        h.ready = true;
        return true;
      }
      // Past its time with others waiting: it goes behind them.
      this.waiting.set(owner, answer);
      this.handOver(now);
      return false;
    }
    // Kept in the order it first asked: asking again (a newer open) does not move it ahead.
    this.waiting.set(owner, answer);
    if (over) {
      if (this.waiting.keys().next().value === owner) {
        this.waiting.delete(owner);
        this.holder = { owner, since: now, ready: true };
        return true;
      }
      this.handOver(now);
    }
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

  /** The turn to the owner waiting longest, from `now`; its open is answered once `defer` runs. */
  private handOver(now: number): void {
    const next = this.waiting.entries().next();
    if (next.done === true) {
      this.holder = undefined;
      return;
    }
    const [o, answer] = next.value;
    this.waiting.delete(o);
    const holder = { owner: o, since: now, ready: false };
    this.holder = holder;
    this.defer((t) => {
      holder.ready = true;
      answer(t);
    });
  }
}
