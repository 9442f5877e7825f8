import type { PongMessage } from './messages';

/** Ping times kept to match pongs; the oldest stays, so a peer that never answers still times out. */
const MAX_UNANSWERED = 64;

/**
 * Liveness and timing of one link. A peer is alive while it sends valid frames after the
 * handshake (invalid ones prove nothing: anyone can send garbage) and answers our pings; it must
 * complete the handshake (hello, proof, admission) within deadAfterMs of the link opening, and
 * frames before that do not extend the deadline. RTT and the peer's clock offset come from the pong to our latest ping (the offset is
 * taken at the pong's midpoint, so half the RTT is allowed for). Two clocks: `now` is the wall
 * clock (liveness, skew, timestamps the peer sees); `mono` a monotonic one, read for the RTT only.
 */
export class Heartbeat {
  private lastHeard: number;
  private readonly helloBy: number;
  private lastPing = Number.NEGATIVE_INFINITY;
  private pingSent = -1;
  private pingSentMono = 0;
  /** Times of pings not answered yet, oldest first. */
  private readonly unanswered: number[] = [];
  private lastPongSent = Number.NEGATIVE_INFINITY;
  /** Pings from the peer we did not answer: they came faster than one per half heartbeat. */
  pingsIgnored = 0;
  rttMs: number | undefined;
  skewMs: number | undefined;

  constructor(
    now: number,
    private readonly intervalMs: number,
    private readonly deadAfterMs: number,
    private readonly pongWithinMs: number,
  ) {
    this.lastHeard = now;
    this.helloBy = now + deadAfterMs;
  }

  /** A valid frame after the handshake. */
  heard(now: number): void {
    if (now > this.lastHeard) this.lastHeard = now;
  }

  /**
   * Our own side could not hear the peer until `now` (the thread that relays its frames to us was
   * stalled): the silence so far is not the peer's, so its deadAfterMs starts again from here.
   */
  deaf(now: number): void {
    if (now > this.lastHeard) this.lastHeard = now;
  }

  get lastHeardAt(): number {
    return this.lastHeard;
  }

  /** Why the link is dead, or undefined while it is alive. */
  deadReason(now: number, handshaking: boolean): string | undefined {
    if (handshaking) return now > this.helloBy ? `dead: no handshake within ${this.deadAfterMs} ms` : undefined;
    if (now - this.lastHeard > this.deadAfterMs) return `dead: nothing heard for ${now - this.lastHeard} ms`;
    const oldest = this.unanswered[0];
    if (oldest !== undefined && now - oldest > this.pongWithinMs) return `dead: no pong for ${now - oldest} ms`;
    return undefined;
  }

  /** The time to put in a ping, or undefined if none is due. `mono` is the monotonic clock, for the RTT. */
  pingDue(now: number, mono: number): number | undefined {
    if (now - this.lastPing < this.intervalMs) return undefined;
    this.lastPing = now;
    this.pingSent = now;
    this.pingSentMono = mono;
    if (this.unanswered.length >= MAX_UNANSWERED) this.unanswered.splice(1, 1);
    this.unanswered.push(now);
    return now;
  }

  /** May we answer a ping now? At most one pong per half heartbeat period; the rest are counted. */
  pongAllowed(now: number): boolean {
    if (now - this.lastPongSent < this.intervalMs / 2) {
      this.pingsIgnored += 1;
      return false;
    }
    this.lastPongSent = now;
    return true;
  }

  /** First estimate of the skew, from the peer's hello (one-way, so off by up to one latency). */
  hello(peerTime: number, now: number): void {
    this.skewMs ??= peerTime - now;
    this.heard(now);
  }

  /** A pong: it answers every ping up to the one it echoes; the one to our latest ping gives the RTT. */
  pong(m: PongMessage, now: number, mono: number): boolean {
    const i = this.unanswered.indexOf(m.echo);
    if (i >= 0) this.unanswered.splice(0, i + 1);
    // Only the answer to our latest ping counts for timing: an old or forged echo would give a bogus RTT.
    if (m.echo !== this.pingSent || now < m.echo) return false;
    this.pingSent = -1;
    const rtt = Math.max(0, mono - this.pingSentMono);
    this.rttMs = this.rttMs === undefined ? rtt : 0.75 * this.rttMs + 0.25 * rtt;
    this.skewMs = m.time - (m.echo + (now - m.echo) / 2);
    return true;
  }
}
