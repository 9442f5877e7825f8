import { MAX_LINKS } from '../src/ports/transport';

export { TokenBucket } from '../src/core/budget/token-bucket';

/**
 * Every limit of the signaling server, in one place (documented in docs/mesh.md). Per socket: a
 * peer that floods or keeps sending garbage is cut off. Per remote address: one machine cannot
 * hold the server's sockets or a lattice's room. Per announce: one message cannot make the server
 * send a hundred.
 */
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
  /** A socket must announce itself (with proof of its key) within this time. */
  readonly announceTimeoutMs: number;
  /** Ping interval; a socket that has not answered the previous ping is dropped. */
  readonly heartbeatMs: number;
  /** Open sockets from one remote address, announced or not. */
  readonly maxSocketsPerAddress: number;
  /** Sockets from one remote address that have not announced yet (each holds a pending challenge). */
  readonly maxUnannouncedPerAddress: number;
  /** Members of one lattice's room from one remote address: one machine cannot fill a room. */
  readonly maxRoomSharePerAddress: number;
  /** Peers a broadcast (an announce or bye without `to`) is forwarded to, least recently served first. */
  readonly fanout: number;
  /** Sustained broadcasts per second per socket, and the burst above it; more are dropped. */
  readonly broadcastPerSecond: number;
  readonly broadcastBurst: number;
}

export const DEFAULT_LIMITS: SignalingLimits = {
  maxMessageBytes: 16 * 1024,
  maxInvalid: 20,
  ratePerSecond: 50,
  burst: 200,
  maxPerRoom: 512,
  announceTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  maxSocketsPerAddress: 64,
  maxUnannouncedPerAddress: 8,
  maxRoomSharePerAddress: 32,
  // Twice MAX_LINKS (src/ports/transport.ts): a new node still hears from enough peers to fill
  // its links, and re-announces (every 10 s while short of links) reach the next least-served ones.
  fanout: 2 * MAX_LINKS,
  // The link manager broadcasts once on start, then every 10 s while short of links, and a bye on leaving.
  broadcastPerSecond: 0.5,
  broadcastBurst: 10,
};

/** Counts by reason, for stats and logs. */
export class ReasonCounter {
  private readonly counts: Record<string, number> = {};

  add(reason: string): void {
    this.counts[reason] = this.count(reason) + 1;
  }

  count(reason: string): number {
    return this.counts[reason] ?? 0;
  }

  snapshot(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }
}

/**
 * Limits hit, by name. Each hit is counted; the log gets the 1st, 10th, 100th… hit of each limit,
 * so an attack shows up in the log without the log becoming the attack's amplifier.
 */
export class LimitCounter {
  private readonly counter = new ReasonCounter();

  constructor(private readonly log: (message: string) => void) {}

  hit(limit: string, detail: string): void {
    this.counter.add(limit);
    const n = this.counter.count(limit);
    if (isPowerOfTen(n)) log(this.log, limit, n, detail);
  }

  snapshot(): Readonly<Record<string, number>> {
    return this.counter.snapshot();
  }
}

function log(sink: (message: string) => void, limit: string, n: number, detail: string): void {
  sink(`limit ${limit} hit (${n} time${n === 1 ? '' : 's'} so far): ${detail}`);
}

function isPowerOfTen(n: number): boolean {
  while (n >= 10 && n % 10 === 0) n /= 10;
  return n === 1;
}
