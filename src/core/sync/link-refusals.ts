import { idKey } from './version-id';

/** Ids one link remembers for its stuck count, each way; past it the oldest are forgotten (the count is then a floor). */
export const MAX_TRACKED_REFUSALS = 4_096;

/**
 * Rounds in a row (this one and those before) in which the peer lacked a version we hold before
 * that version counts as refused by the peer. One round is not enough: a round completes once
 * everything is sent, not once the peer has applied it, so the next round may find what it is
 * still verifying; a version still missing a third time is held back or refused there.
 */
export const ROUNDS_BEFORE_REFUSED = 3;

/**
 * What one link's reconciliations leave unsettled, each way, for its stuck count (PeerStats.stuck):
 * - versions the peer holds that we refused (our verify, before or after the signature): until
 *   their hold-back runs out, or until we come to hold them by another link;
 * - versions we hold that the peer keeps lacking round after round (found by the reconciliation:
 *   what an initiator has that the responder lacks, what a responder pushes): a peer that refuses
 *   or holds them back tells us nothing, so this is how we learn it.
 * Both are bounded (MAX_TRACKED_REFUSALS each way); each time the bound costs the stuck count an
 * id that is or may be refused is counted (`forgot`: the link's LimitName.TrackedRefusals), repeats
 * of the same id included: the count is of occurrences, not of distinct ids. That is an id of ours
 * refused forgotten for room, or an id offered with no room to track it that may have been offered
 * ROUNDS_BEFORE_REFUSED rounds in a row: it was tracked in the round before with one round fewer,
 * or the ROUNDS_BEFORE_REFUSED - 1 rounds before this one each had offers with no room too (which
 * ids those were is not known). An id offered for the first time is no refusal, so a catch-up of
 * more ids than the bound, each offered once and received, counts nothing: before, each id of it
 * past the bound counted (5,904 at 10,000), and an honest sync showed limits hit.
 */
export class LinkRefusals {
  constructor(private readonly forgot: (n: number) => void = () => undefined) {}

  /** Ours refused: id key → until when it is held back (asked for again after). */
  private readonly ours = new Map<string, { readonly id: Uint8Array; readonly until: number }>();
  /** Offered to the peer: id key → rounds in a row, for the last round and this one. */
  private offeredBefore = new Map<string, number>();
  private offeredNow = new Map<string, number>();
  private refusedByPeer = 0;
  /** Rounds in a row, up to the round before this one, in which an offered id found no room. */
  private untrackedRounds = 0;
  /** This round offered an id it had no room to track. */
  private untrackedNow = false;

  /** We refused these versions from the peer; they may pass after `until`. */
  refused(ids: readonly Uint8Array[], until: number): void {
    for (const id of ids) {
      const key = idKey(id);
      this.ours.delete(key);
      this.ours.set(key, { id, until });
      if (this.ours.size > MAX_TRACKED_REFUSALS) {
        this.ours.delete(this.ours.keys().next().value!);
        this.forgot(1);
      }
    }
  }

  /** A round found the peer lacking these versions of ours (sent now). */
  offered(ids: readonly Uint8Array[]): void {
    for (const id of ids) {
      const key = idKey(id);
      if (this.offeredNow.has(key)) continue;
      const before = this.offeredBefore.get(key);
      if (this.offeredNow.size >= MAX_TRACKED_REFUSALS) {
        this.untrackedNow = true;
        // Counted only if it may be refused (see the class comment): the rounds in a row it may
        // have been offered, exact if the round before tracked it, else as many as had no room.
        const rounds = before === undefined ? this.untrackedRounds + 1 : before + 1;
        if (rounds >= ROUNDS_BEFORE_REFUSED) this.forgot(1);
        continue;
      }
      const rounds = (before ?? 0) + 1;
      this.offeredNow.set(key, rounds);
      if (rounds >= ROUNDS_BEFORE_REFUSED) this.refusedByPeer += 1;
    }
  }

  /**
   * A round opened: the offers counted so far become the round before, and what we refused is
   * forgotten once its hold-back ran out or we hold it (`held`), so the round can ask for it again.
   */
  opened(now: number, held: (ids: Uint8Array[]) => number): void {
    this.offeredBefore = this.offeredNow;
    this.offeredNow = new Map();
    this.untrackedRounds = this.untrackedNow ? this.untrackedRounds + 1 : 0;
    this.untrackedNow = false;
    this.refusedByPeer = 0;
    for (const [key, r] of this.ours) {
      if (r.until <= now || held([r.id]) > 0) this.ours.delete(key);
    }
  }

  /** Versions stuck between us by refusal, both ways. */
  get count(): number {
    return this.ours.size + this.refusedByPeer;
  }

  clear(): void {
    this.ours.clear();
    this.offeredBefore.clear();
    this.offeredNow.clear();
    this.untrackedRounds = 0;
    this.untrackedNow = false;
    this.refusedByPeer = 0;
  }
}
