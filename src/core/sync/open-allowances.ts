import { TokenBucket } from '../budget/token-bucket';
import {
  MAX_OPEN_ALLOWANCE_PEERS,
  RECONCILE_OPEN_BURST,
  RECONCILE_OPEN_FULL_ITEMS,
  RECONCILE_OPEN_MIN_ITEMS,
  RECONCILE_OPENS_PER_MINUTE,
} from './limits';

/**
 * What an open of a set of `items` items costs, in whole opens (limits.ts, RECONCILE_OPEN_BURST):
 * its whole-set pass and its pushes grow with the set, so a small set costs a fraction of an open
 * (at least RECONCILE_OPEN_MIN_ITEMS' worth), a set of RECONCILE_OPEN_FULL_ITEMS or more a whole one.
 */
export function openCharge(items: number): number {
  return Math.min(Math.max(items, RECONCILE_OPEN_MIN_ITEMS), RECONCILE_OPEN_FULL_ITEMS) / RECONCILE_OPEN_FULL_ITEMS;
}

/** A fresh reconcile-open allowance at `now`: RECONCILE_OPEN_BURST whole opens, then RECONCILE_OPENS_PER_MINUTE. */
export function openAllowance(now: number): TokenBucket {
  return new TokenBucket(RECONCILE_OPENS_PER_MINUTE / 60, RECONCILE_OPEN_BURST, now);
}

/**
 * Each peer's reconcile-open allowance (openAllowance, each open charged by openCharge), kept
 * across its links: a peer that relinks takes up the bucket its last link left, rather than a
 * fresh burst per session (docs/security.md, "Per-link limits"). At most MAX_OPEN_ALLOWANCE_PEERS
 * peers, the least recently used forgotten first (counted in `evicted`). Time is injected.
 */
export class OpenAllowances<P> {
  private readonly peers = new Map<P, TokenBucket>();
  private forgotten = 0;

  constructor(private readonly max = MAX_OPEN_ALLOWANCE_PEERS) {}

  /** The allowance of `peer`: the one it had, or a full one at `now`. */
  of(peer: P, now: number): TokenBucket {
    const bucket = this.peers.get(peer) ?? openAllowance(now);
    this.peers.delete(peer);
    this.peers.set(peer, bucket);
    if (this.peers.size > this.max) {
      this.peers.delete(this.peers.keys().next().value as P);
      this.forgotten += 1;
    }
    return bucket;
  }

  /** Peers forgotten at the bound. */
  get evicted(): number {
    return this.forgotten;
  }
}
