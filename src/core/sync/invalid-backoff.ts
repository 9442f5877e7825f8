import { backoffDelay } from '../retry/backoff';
import { INVALID_BACKOFF_BASE_MS, INVALID_BACKOFF_MAX_MS } from './limits';

/** Peers remembered (oldest forgotten first): ids are cheap to make, memory is not. */
const MAX_REMEMBERED = 1024;

/**
 * Peers whose links we closed for repeated invalid input, and until when we refuse a new link from
 * each: INVALID_BACKOFF_BASE_MS · 2^(n−1) after the n-th such close, at most INVALID_BACKOFF_MAX_MS
 * (a link cut for 100 invalid frames used to reconnect at once). Time is injected.
 */
export class InvalidBackoff<P> {
  private readonly peers = new Map<P, { closes: number; until: number }>();

  /** A link to `peer` was closed for invalid input at `now`; returns until when it is refused. */
  closed(peer: P, now: number): number {
    const closes = (this.peers.get(peer)?.closes ?? 0) + 1;
    const until = now + backoffDelay(closes, { baseMs: INVALID_BACKOFF_BASE_MS, maxMs: INVALID_BACKOFF_MAX_MS });
    this.peers.delete(peer);
    this.peers.set(peer, { closes, until });
    if (this.peers.size > MAX_REMEMBERED) this.peers.delete(this.peers.keys().next().value as P);
    return until;
  }

  /** Whether a new link from `peer` is refused at `now`. */
  refuses(peer: P, now: number): boolean {
    const e = this.peers.get(peer);
    return e !== undefined && now < e.until;
  }
}
