import { idKey } from './version-id';

/** Ids one link remembers for its stuck count, each way; past it the oldest are forgotten (the count is then a floor). */
export const MAX_TRACKED_REFUSALS = 4_096;

/**
 * Buckets of the ids offered with no room to track them, per round (a power of two): each keeps an
 * 8-bit fingerprint of one id and the rounds in a row it may have been offered (the most of the ids
 * that met there). 32 KiB a round, allocated only by a round that offers more than
 * MAX_TRACKED_REFUSALS ids.
 */
export const UNTRACKED_BUCKETS = 16_384;

/** An id's bucket (its top 14 bits) and fingerprint (the next 8), from its first 8 bytes mixed. */
function untrackedHash(id: Uint8Array): number {
  const x = (id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!;
  const y = (id[4]! << 24) | (id[5]! << 16) | (id[6]! << 8) | id[7]!;
  return Math.imul(x ^ Math.imul(y, 0x85ebca6b), 0x9e3779b1) >>> 0;
}

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
 * or an id of its bucket and fingerprint (UNTRACKED_BUCKETS) had no room in the round before with one
 * round fewer. An id offered for the first time is no refusal and counts only when it meets such an
 * id's bucket and fingerprint (about 1 in 4 million per id offered with no room the round before),
 * so a catch-up of more ids than the bound, each offered once and received, counts nothing or next
 * to nothing over any number of rounds: before, each id of it past the bound counted (5,904 at
 * 10,000), and an honest sync showed limits hit.
 */
export class LinkRefusals {
  constructor(private readonly forgot: (n: number) => void = () => undefined) {}

  /** Ours refused: id key → until when it is held back (asked for again after). */
  private readonly ours = new Map<string, { readonly id: Uint8Array; readonly until: number }>();
  /** Offered to the peer: id key → rounds in a row, for the last round and this one. */
  private offeredBefore = new Map<string, number>();
  private offeredNow = new Map<string, number>();
  private refusedByPeer = 0;
  /**
   * By bucket, an id offered with no room (its fingerprint, low 8 bits) and the rounds in a row it
   * may have been offered (above them): the round before, this one.
   */
  private untrackedBefore: Uint16Array | undefined;
  private untrackedNow: Uint16Array | undefined;

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
      const h = untrackedHash(id);
      const bucket = h >>> 18;
      const fp = (h >>> 10) & 0xff;
      // The rounds in a row it may have been offered: exact if the round before tracked it, else
      // as its bucket's id says when the fingerprint matches (see the class comment).
      const met = this.untrackedBefore?.[bucket];
      const before = this.offeredBefore.get(key) ?? (met !== undefined && (met & 0xff) === fp ? met >>> 8 : 0);
      if (this.offeredNow.size >= MAX_TRACKED_REFUSALS) {
        const rounds = Math.min(before + 1, 255);
        this.untrackedNow ??= new Uint16Array(UNTRACKED_BUCKETS);
        if (this.untrackedNow[bucket]! >>> 8 <= rounds) this.untrackedNow[bucket] = (rounds << 8) | fp;
        if (rounds >= ROUNDS_BEFORE_REFUSED) this.forgot(1);
        continue;
      }
      const rounds = before + 1;
      this.offeredNow.set(key, rounds);
      if (rounds >= ROUNDS_BEFORE_REFUSED) this.refusedByPeer += 1;
    }
  }

  /**
   * A round opened: the offers counted so far become the round before, and what we refused is
   * forgotten once its hold-back ran out or we hold it (`held`), so the round can ask for it again.
   * A round that offered nothing leaves the round before as it was: the peer opens the rounds that
   * push to it, so with an empty round (opened and dropped at once) between its full rounds, each id
   * it kept lacking was offered "for the first time" and never counted
   * (test/unit/attack/h25-refusals-alternate.test.ts). A peer that lacks nothing has nothing stuck
   * either way: the count is of the round in progress.
   */
  opened(now: number, held: (ids: Uint8Array[]) => number): void {
    if (this.offeredNow.size > 0 || this.untrackedNow !== undefined) {
      this.offeredBefore = this.offeredNow;
      this.offeredNow = new Map();
      this.untrackedBefore = this.untrackedNow;
      this.untrackedNow = undefined;
    }
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
    this.untrackedBefore = undefined;
    this.untrackedNow = undefined;
    this.refusedByPeer = 0;
  }
}
