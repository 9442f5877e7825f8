import type { LinkState, LinkView } from '../../node/lattice-api';

export type { LinkState, LinkView };

export interface MeshTiming {
  /** A connection attempt that is not open by then is abandoned and retried. */
  readonly connectTimeoutMs: number;
  /** The same for manual pairing, where a person carries the answer back. */
  readonly pairingTimeoutMs: number;
  /** An attempt connecting for longer is restarted when the peer announces itself. */
  readonly stuckMs: number;
  /** The worker hears how full the page's side of a link is at least this often (and after each burst). */
  readonly reportMs: number;
  /** Periodic announce while below the target link count (peers may have missed one). */
  readonly reannounceMs: number;
  /** Attempts to reach a silent peer before waiting for it to announce itself. */
  readonly maxAttempts: number;
  /**
   * A connection must stay up this long before its failed attempts are forgotten: one that opens
   * and then ends (the peer's worker refused the session, or it hung up) still counts as a
   * failure, so such a peer is retried with a growing backoff, not at once.
   */
  readonly stableMs: number;
}

export const DEFAULT_TIMING: MeshTiming = {
  connectTimeoutMs: 15_000,
  pairingTimeoutMs: 5 * 60_000,
  stuckMs: 5000,
  reportMs: 2000,
  reannounceMs: 10_000,
  maxAttempts: 12,
  stableMs: 30_000,
};

/**
 * Links a node seeks by itself. Between this and MAX_LINKS it only takes links from nodes that
 * have fewer than this: the spare slots let newcomers join, so early nodes never close into
 * full cliques that later ones cannot reach (gossipsub's D / D_hi idea).
 */
export const TARGET_LINKS = 6;
/** Known peers we keep records for; more are ignored until some are forgotten (counted: `signals["known-peers-full"]`). */
export const MAX_KNOWN = 256;
/** The send queue's marks for the data channel (bytes). */
export const LOW_WATER_MARK = 256 * 1024;
