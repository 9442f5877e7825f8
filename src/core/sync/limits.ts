/**
 * Per-link limits of the sync protocol: everything one peer can make us hold, compute or send is
 * bounded here, in one place (docs/security.md, "Per-link limits"). Each limit hit is counted
 * (PeerStats.limitsHit) and loses nothing an honest peer needs: what is refused is found again by
 * the next reconciliation.
 */

/**
 * Wanted ids one link keeps in flight at once, repair and grafts together. An `ihave` flood of
 * random ids grafted from us can no longer grow the want tracker (it grew the heap by 525 MiB);
 * past it, grafts wait for anti-entropy.
 */
export const MAX_TRACKED_WANTS = 16_384;

/**
 * Share of the node's announcement table (MAX_PENDING ids, announcements.ts) one announcer may
 * fill: no single peer can crowd out the `ihave`s of the others and starve their grafts.
 */
export const MAX_ANNOUNCED_PER_PEER = 8_192;

/**
 * Reconciliation sessions a peer may open with us, in whole opens: a burst, then so many a minute
 * (token bucket, per peer across its links: open-allowances.ts). An honest initiator opens one per
 * syncIntervalMs (30 s), a few in a row after a failure or a `request`, and one at each new link.
 *
 * An open is charged by the work it can make us do, which grows with our set (n items, as the
 * link's rounds see it): its first round's whole-set pass of the session-keyed fingerprints (~28 ms
 * at 100k items), and its pushes (each version at most once a session, so at most n). It costs
 * min(max(n, RECONCILE_OPEN_MIN_ITEMS), RECONCILE_OPEN_FULL_ITEMS) / RECONCILE_OPEN_FULL_ITEMS of
 * a whole open (openCharge). The bound, per peer: whole-set passes of at most
 * max(n, RECONCILE_OPEN_FULL_ITEMS) items per whole open (a session's `next`s are bounded by its
 * walk budget, RECONCILE_WALK_BUDGET), so 12 × max(n, 65,536) a minute after a burst
 * of 6 × that. From 65,536 items up that is 12 opens a minute, as when every open cost one whole
 * open; a smaller set gets more opens, never more than 786,432 items a minute (12 opens of a
 * 65,536-item set, ~0.22 s of a core) nor 192 opens a minute (each at least 1/16). A small set
 * relinks nearly freely: before, a link that relinked more often than every 5 s waited for the
 * refill whatever the set (docs/security.md, "Per-link limits").
 */
export const RECONCILE_OPEN_BURST = 6;
export const RECONCILE_OPENS_PER_MINUTE = 12;
/** Items in our set from which an open costs a whole one (above). */
export const RECONCILE_OPEN_FULL_ITEMS = 65_536;
/**
 * Items an open is charged as at least (above): what an open costs whatever the set (a reconciler,
 * a reply of up to a frame, the link's round bookkeeping) is bounded by the opens a minute.
 */
export const RECONCILE_OPEN_MIN_ITEMS = 4_096;

/**
 * Items one responder session may walk (ids listed, compared against the peer's, pushed or coded
 * into symbols, and split points: Reconciler.walked), as a multiple of max(n, RECONCILE_OPEN_MIN_ITEMS),
 * n its snapshot's size. The open pays for the session (openCharge above), but the session lives
 * as long as `next`s keep coming: an 8-byte `next` saying "I hold nothing here" over the whole set
 * made us walk all n items each time (1,200 a minute over 2,000 items walked 2.4M). An honest
 * session walks about 2n when the peer lacks everything (each item compared, then pushed), but
 * with differences spread over the set each round codes symbols over all of it and settles what
 * one reply carries (~700 differences): 1 % of random differences walked 4 × n at 10,000 items,
 * 9 × at 100,000, 11 × at 300,000, 20 × at 1,000,000 (test/unit/core/sync/walk-budget.test.ts).
 * 32 leaves those room; a bigger difference over a bigger set does hit it (2 % random over 1M:
 * 345 rounds, 204 × n, so cut ~6 times, estimated: docs/security.md, "Per-link limits"), and then the peer's
 * next open (charged) carries on from what the aborted one settled. A `next` that finds the budget
 * spent is aborted (LimitName.ReconcileWalk). The message that crosses the budget is answered
 * whole, so a session walks at most RECONCILE_WALK_BUDGET × max(n, 4,096) plus one message's
 * walk (at most 2n and its splits), and a peer ~34 × 12 × max(n, 65,536) items a minute after a
 * burst of ~34 × 6 × that (docs/security.md, "Per-link limits").
 */
export const RECONCILE_WALK_BUDGET = 32;

/**
 * Peer ids whose reconcile-open allowance (the bucket above) the node keeps across their links
 * (open-allowances.ts), least recently used forgotten first. A new link of the same peer takes up
 * its old allowance, so relinking buys no fresh burst: each first round of a session is a whole-set
 * pass of the session's keyed fingerprints (~28 ms at 100k items). Only peers that completed the
 * handshake (proven ids) are remembered; each costs a bucket (~100 bytes).
 */
export const MAX_OPEN_ALLOWANCE_PEERS = 1_024;

/**
 * Public keys one link remembers its peer holds (peer-keys.ts: its own, ours, those it sent us), so
 * as not to send them to it again; as many as a node files (MAX_KNOWN_KEYS). Past it, further keys
 * are sent to the peer whether it holds them or not, as they all were before; ~50 B each.
 */
export const MAX_PEER_HELD_KEYS = 4_096;

/**
 * A key a link's peer is known to hold is counted as held again, and sent again ahead of its
 * author's versions, when the peer lacks one of them (its ring may have evicted the key: 4,096
 * made-up keys push it out), at most once per this long per key (peer-keys.ts; docs/security.md,
 * "Keys on the wire"): a peer claiming to lack versions again and again draws at most one key
 * (32 B) per author per this long, ahead of versions it draws anyway.
 */
export const KEY_AGAIN_MS = 10_000;

/**
 * `request`s (a responder asking us, the initiator, for a round) one link may make: a burst, then
 * one per interval (token bucket). An honest responder asks after it applied versions from another
 * link or its send queue overflowed; a refused one is dropped and the next periodic round
 * (syncIntervalMs) finds what it was for. A request never shortens the backoff of a failed round.
 * An honest responder keeps its own requests within the burst less one and the rate
 * (anti-entropy.ts), so it is never counted: in a busy mesh it asked more often than 12 a minute.
 */
export const SYNC_REQUEST_BURST = 4;
export const SYNC_REQUESTS_PER_MINUTE = 12;

/**
 * Versions one reconcile reply may push unasked: a floor, plus this many per byte of the message
 * answered. Beyond, the reply splits the range into child ranges and the peer descends, each of its
 * `next`s buying more room (and walking the session's budget, RECONCILE_WALK_BUDGET). A 4-byte open
 * of an empty set drew 1.2 MB of pushes (×6,473); now it draws at most the floor. Not counted as a
 * limit hit: every honest catch-up past the floor is split so (10,000 versions to an empty peer
 * counted 19,960), whoever asks; the splits are PeerStats.pushSplits.
 */
export const PUSH_FLOOR_VERSIONS = 2_048;
export const PUSH_VERSIONS_PER_REQUEST_BYTE = 4;

/**
 * Bytes of one reconcile reply: a floor, plus this many per byte of the message answered, never
 * more than the frame (60,000). The floor carries the coded symbols of ~700 differences; a bigger
 * difference takes another round trip. What does not fit goes back as one "rest" fingerprint; each
 * reply so cut is counted (LimitName.ReplyBytes).
 */
export const REPLY_FLOOR_BYTES = 16 * 1024;
export const REPLY_BYTES_PER_REQUEST_BYTE = 64;

/**
 * Versions in one `versions` frame. The framer packs at most this many (a position is ~20 bytes:
 * a 64 KiB frame holds ~3,300); a frame claiming more is refused before it is decoded (40,000 tiny
 * versions in one 200 KB frame cost 89 MiB).
 */
export const MAX_VERSIONS_PER_FRAME = 16_384;

/**
 * Versions from one link merged per second, and the burst taken before the pace binds
 * (ingest-pacer.ts): a frame past them waits whole, holding the link's later frames, until the
 * pace allows it; nothing is dropped (docs/security.md, "Versions applied per second").
 */
export const MAX_VERSIONS_APPLIED_PER_SECOND = 16_384;
export const APPLIED_BURST = 16_384;

/**
 * A link closed for repeated invalid input is not opened again for base · 2^(n-1) ms after its
 * n-th such close, at most max: a peer that keeps sending garbage reconnects later each time.
 */
export const INVALID_BACKOFF_BASE_MS = 5_000;
export const INVALID_BACKOFF_MAX_MS = 10 * 60_000;
/** The `bye` reason (and end reason) of a session closed for repeated invalid input. */
export const INVALID_INPUT_REASON = 'too many invalid frames';

/**
 * Bytes of a peer's frames held while an earlier frame of its link is being checked (signatures
 * are verified asynchronously, and the link's order must hold): past it a frame is refused as
 * invalid input. An honest peer's repair frames are 64 KiB each, and a batch verifies in well
 * under the time 16 MiB take to arrive.
 */
export const MAX_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * A live frame of urgent versions only (SessionHost.urgent: the gate's decisions and tasks, HIGH
 * threats, deletes) overtakes the frames its link holds while an earlier one is checked or merged
 * in parts (PeerSession.receive): at most this many versions and bytes, and at most
 * MAX_OVERTAKING frames in flight per link, past which they wait in order like any other frame.
 */
export const MAX_OVERTAKING_VERSIONS = 16;
export const MAX_OVERTAKING_BYTES = 8 * 1024;
export const MAX_OVERTAKING = 4;

/** The limits, by the name they are counted under. */
export const LimitName = {
  TrackedWants: 'trackedWants',
  AnnouncedShare: 'announcedShare',
  ReconcileOpens: 'reconcileOpens',
  /** Reconcile `next`s aborted because their session had walked its budget (RECONCILE_WALK_BUDGET): sessions, not items. */
  ReconcileWalk: 'reconcileWalk',
  /** Peers whose open allowance the node forgot at its bound (MAX_OPEN_ALLOWANCE_PEERS): over all links. */
  OpenAllowancePeers: 'openAllowancePeers',
  /** `request`s refused on one link (SYNC_REQUEST_BURST, SYNC_REQUESTS_PER_MINUTE). */
  SyncRequests: 'syncRequests',
  DuplicateWants: 'duplicateWants',
  /** Wanted ids this link was answered less than RESEND_WINDOW_MS ago (sent-recently.ts): not sent again. */
  RepeatedWants: 'repeatedWants',
  /** Reconcile replies cut at REPLY_FLOOR_BYTES + REPLY_BYTES_PER_REQUEST_BYTE × the request (replies, not bytes). */
  ReplyBytes: 'replyBytes',
  VersionsPerFrame: 'versionsPerFrame',
  AppliedRate: 'appliedRate',
  InvalidBackoff: 'invalidBackoff',
  VerifyBacklog: 'verifyBacklog',
  /** Claims forgotten at the node's bound (sync-index.ts MAX_CLAIMS): over all links, not one. */
  Claims: 'claims',
  /** Ids one link's hold-back forgot at its bound (link-hold-back.ts MAX_LINK_HELD_BACK). */
  LinkHeldBack: 'linkHeldBack',
  /**
   * Times one link's stuck count forgot an id or had no room to track one that is or may be refused,
   * at its bound (link-refusals.ts MAX_TRACKED_REFUSALS): occurrences, not distinct ids. An id it
   * has no room for counts each time a round offers it once it may have been offered
   * ROUNDS_BEFORE_REFUSED rounds in a row, so a set stuck over n rounds counts n − 2 times: it says
   * how often, and by how much, the stuck count fell short (a floor), not how many ids are stuck.
   * An id offered for the first time is no refusal: an honest catch-up of any size, over any number
   * of rounds, counts none but a rare fingerprint match (link-refusals.ts UNTRACKED_BUCKETS).
   */
  TrackedRefusals: 'trackedRefusals',
  /** Ids never claimed again, forgotten at the node's bound (sync-index.ts MAX_REFUSED): over all links. */
  RefusedIds: 'refusedIds',
  /** Ids set aside (suppress), forgotten at the node's bound (sync-index.ts MAX_HELD_BACK): over all links. */
  HeldBack: 'heldBack',
  /** Links refused at admission closed before their linger ended (transport.ts MAX_LINGERING_LINKS): over all links. */
  LingeringLinks: 'lingeringLinks',
} as const;
export type LimitName = (typeof LimitName)[keyof typeof LimitName];

/** How often each limit was hit on one link (items refused, or occurrences). */
export type LimitCounts = Readonly<Record<LimitName, number>>;

/** Counters of the limits hit on one link. */
export class LimitCounter {
  private readonly counts: Record<LimitName, number> = {
    trackedWants: 0,
    announcedShare: 0,
    reconcileOpens: 0,
    reconcileWalk: 0,
    openAllowancePeers: 0,
    syncRequests: 0,
    duplicateWants: 0,
    repeatedWants: 0,
    replyBytes: 0,
    versionsPerFrame: 0,
    appliedRate: 0,
    invalidBackoff: 0,
    verifyBacklog: 0,
    claims: 0,
    linkHeldBack: 0,
    trackedRefusals: 0,
    refusedIds: 0,
    heldBack: 0,
    lingeringLinks: 0,
  };

  hit(name: LimitName, n = 1): void {
    this.counts[name] += n;
  }

  snapshot(): LimitCounts {
    return { ...this.counts };
  }
}

/** Sums per-link counts (a node's total). */
export function sumLimitCounts(all: readonly LimitCounts[]): LimitCounts {
  const total = new LimitCounter();
  for (const c of all) for (const [name, n] of Object.entries(c)) total.hit(name as LimitName, n);
  return total.snapshot();
}
