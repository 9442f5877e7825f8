import { TokenBucket } from '../budget/token-bucket';
import { MAX_OPEN_ALLOWANCE_PEERS, RECONCILE_OPEN_BURST, RECONCILE_OPENS_PER_MINUTE } from './limits';

/**
 * Each peer's reconcile-open allowance (RECONCILE_OPEN_BURST, then RECONCILE_OPENS_PER_MINUTE),
 * kept across its links: a peer that relinks takes up the bucket its last link left, rather than a
 * fresh burst per session (docs/security.md, "Per-link limits"). At most MAX_OPEN_ALLOWANCE_PEERS
 * peers, the least recently used forgotten first (counted in `evicted`). Time is injected.
 */
export class OpenAllowances<P> {
  private readonly peers = new Map<P, TokenBucket>();
  private forgotten = 0;

  constructor(private readonly max = MAX_OPEN_ALLOWANCE_PEERS) {}

  /** The allowance of `peer`: the one it had, or a full one at `now`. */
  of(peer: P, now: number): TokenBucket {
    const bucket = this.peers.get(peer) ?? new TokenBucket(RECONCILE_OPENS_PER_MINUTE / 60, RECONCILE_OPEN_BURST, now);
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
