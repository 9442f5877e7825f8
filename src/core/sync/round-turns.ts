/**
 * How long one link's responder round keeps the node's turn before a held open may take it anyway:
 * the most a peer that opens a round and stalls can delay the rounds other peers open with us.
 */
export const RESPONDER_TURN_MS = 1_000;

/**
 * One node's responder rounds, one at a time (docs/architecture.md, "One responder round at a
 * time"). After a heal every link between the halves opens a round with us in the same step, and
 * each initiator pushes what we lack: several send the same versions at once, and none can tell
 * another's push is on its way. Opens that find another link's round answering are held (one per
 * link, the newest) and answered in turn, once the round before has ended and what it brought is
 * durable: the next initiator then finds it in our set and does not send it again. A holder keeps
 * the turn at most RESPONDER_TURN_MS: a peer that stalls its round delays the others by that much,
 * never keeps a version from us (its round's versions still come by the rounds after it).
 *
 * The owners are links' responders (at most one entry each, so bounded by the node's links); the
 * host's `defer` runs a woken owner's held open once the last round's commits have landed.
 */
export class ResponderTurns<Owner> {
  private holder: { owner: Owner; since: number } | undefined;
  /** Owners holding an open, in arrival order, each with what answers it. */
  private readonly waiting = new Map<Owner, (now: number) => void>();

  constructor(
    private readonly defer: (run: (now: number) => void) => void,
    private readonly turnMs = RESPONDER_TURN_MS,
  ) {}

  /**
   * May `owner` answer an open now? If so it holds the turn from `now`; if not, `answer` runs when
   * the turn comes to it (the owner also asks again on its ticks, for a holder past its time).
   */
  enter(owner: Owner, now: number, answer: (now: number) => void): boolean {
    const h = this.holder;
    // The holder's later opens keep its turn from when it took it: opening again buys no more time.
    if (h?.owner === owner && h.since !== Number.NEGATIVE_INFINITY) return true;
    if (h === undefined || h.owner === owner || now - h.since >= this.turnMs) {
      this.holder = { owner, since: now };
      this.waiting.delete(owner);
      return true;
    }
    this.waiting.set(owner, answer);
    return false;
  }

  /** `owner` has no round open any more (or its link closed): the next waiting owner gets the turn. */
  leave(owner: Owner, now?: number): void {
    this.waiting.delete(owner);
    if (this.holder?.owner !== owner) return;
    this.holder = undefined;
    const next = this.waiting.entries().next();
    if (next.done === true) return;
    const [o, answer] = next.value;
    this.waiting.delete(o);
    // Handed over now; its open is answered once what the last round brought is durable.
    this.holder = { owner: o, since: now ?? Number.NEGATIVE_INFINITY };
    this.defer(answer);
  }

  /** Owners holding an open (at most one per link). */
  get held(): number {
    return this.waiting.size;
  }
}
