export { TokenBucket } from '../src/core/budget/token-bucket';

/** Per-socket limits of the signaling server: a peer that floods or keeps sending garbage is cut off. */
export interface SignalingLimits {
  /** Largest accepted message (bytes); a bigger frame closes the socket (ws answers 1009). */
  readonly maxMessageBytes: number;
  /** Invalid messages a socket may send before it is closed as abusive. */
  readonly maxInvalid: number;
  /** Sustained messages per second per socket, and the burst allowed above it. */
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Sockets in one lattice; more are refused (a room is a flood domain for announces). */
  readonly maxPerRoom: number;
  /** A socket must announce itself within this time. */
  readonly announceTimeoutMs: number;
  /** Ping interval; a socket that has not answered the previous ping is dropped. */
  readonly heartbeatMs: number;
}

export const DEFAULT_LIMITS: SignalingLimits = {
  maxMessageBytes: 16 * 1024,
  maxInvalid: 20,
  ratePerSecond: 50,
  burst: 200,
  maxPerRoom: 512,
  announceTimeoutMs: 10_000,
  heartbeatMs: 30_000,
};

/** Counts by reason, for stats and logs. */
export class ReasonCounter {
  private readonly counts: Record<string, number> = {};

  add(reason: string): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
  }

  snapshot(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }
}
