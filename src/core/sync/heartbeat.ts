import type { PongMessage } from './messages';

/**
 * Liveness and timing of one link: when we last heard from the peer, when to ping, round-trip
 * time and the peer's clock offset (taken at the pong's midpoint, so half the RTT is allowed for).
 */
export class Heartbeat {
  private lastHeard: number;
  private lastPing = Number.NEGATIVE_INFINITY;
  private pingSent = -1;
  rttMs: number | undefined;
  skewMs: number | undefined;

  constructor(
    now: number,
    private readonly intervalMs: number,
    private readonly deadAfterMs: number,
  ) {
    this.lastHeard = now;
  }

  heard(now: number): void {
    if (now > this.lastHeard) this.lastHeard = now;
  }

  get lastHeardAt(): number {
    return this.lastHeard;
  }

  isDead(now: number): boolean {
    return now - this.lastHeard > this.deadAfterMs;
  }

  /** The time to put in a ping, or undefined if none is due. */
  pingDue(now: number): number | undefined {
    if (now - this.lastPing < this.intervalMs) return undefined;
    this.lastPing = now;
    this.pingSent = now;
    return now;
  }

  /** First estimate of the skew, from the peer's hello (one-way, so off by up to one latency). */
  hello(peerTime: number, now: number): void {
    this.skewMs ??= peerTime - now;
  }

  pong(m: PongMessage, now: number): boolean {
    // Only the answer to our latest ping counts: an old or forged echo would give a bogus RTT.
    if (m.echo !== this.pingSent || now < m.echo) return false;
    this.pingSent = -1;
    const rtt = now - m.echo;
    this.rttMs = this.rttMs === undefined ? rtt : Math.round(0.75 * this.rttMs + 0.25 * rtt);
    this.skewMs = m.time - (m.echo + rtt / 2);
    return true;
  }
}
