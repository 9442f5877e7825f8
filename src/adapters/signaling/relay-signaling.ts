import type { NodeId } from '../../core/ids';
import {
  MAX_SIGNAL_BYTES,
  parseSignal,
  randomToken,
  SESSION_ID,
  type Signal,
  type SignalingStats,
  type SignalingTransport,
} from '../../ports/signaling';
import { TokenBucket } from '../../core/budget/token-bucket';
import { TransportCounters } from './transport-counters';

/** The already-connected links the relay rides on (the link manager's data channels, channel 1). */
export interface RelayNetwork {
  neighbours(): Iterable<NodeId>;
  /** Sends one relay payload to a neighbour; false if the link cannot take it now. */
  send(peer: NodeId, payload: Uint8Array): boolean;
}

export interface RelaySignalingOptions {
  readonly self: NodeId;
  readonly lattice: string;
  readonly network: RelayNetwork;
  readonly log: (message: string, detail?: unknown) => void;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Hops a message may travel; enough to cross a partial mesh of a few dozen nodes. */
  readonly ttl?: number;
}

const DEFAULT_TTL = 4;
const MAX_TTL = 8;
const SEEN_CAP = 4096;
/** What one neighbour may make us relay: signaling is a few messages per link attempt. */
const RATE_PER_SECOND = 100;
const BURST = 400;
const MAX_PAYLOAD_BYTES = MAX_SIGNAL_BYTES + 256;

interface Envelope {
  readonly id: string;
  readonly ttl: number;
  readonly signal: Signal;
}

/**
 * Signaling relayed through connected peers (docs/requirements.md §5): a node reaches the rest of the mesh
 * through one neighbour. Addressed messages go straight to the addressee if it is a neighbour,
 * else are flooded; announces are delivered and flooded. A random id per message suppresses
 * duplicates and loops, and a hop limit bounds the flood.
 */
export class RelaySignaling implements SignalingTransport {
  readonly kind = 'relay' as const;
  private receive: ((signal: Signal) => void) | undefined;
  private readonly seen = new Set<string>();
  private readonly buckets = new Map<NodeId, TokenBucket>();
  private readonly counters: TransportCounters;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly options: RelaySignalingOptions) {
    this.counters = new TransportCounters('relay', options.log);
  }

  start(receive: (signal: Signal) => void): void {
    this.receive = receive;
  }

  send(signal: Signal): boolean {
    const random = this.options.random ?? Math.random;
    const envelope: Envelope = { id: randomToken(random), ttl: this.options.ttl ?? DEFAULT_TTL, signal };
    this.remember(envelope.id);
    const sent = this.forward(envelope, undefined);
    if (sent) this.counters.sent += 1;
    return sent;
  }

  /** Sends a signal to one neighbour only (e.g. our announce over a link that just opened). */
  sendTo(peer: NodeId, signal: Signal): boolean {
    const envelope: Envelope = { id: randomToken(this.options.random ?? Math.random), ttl: 2, signal };
    this.remember(envelope.id);
    return this.options.network.send(peer, this.encode(envelope));
  }

  /** A relay payload that arrived over the link to `neighbour`. */
  receiveFrame(neighbour: NodeId, payload: Uint8Array): void {
    const now = (this.options.now ?? Date.now)();
    let bucket = this.buckets.get(neighbour);
    if (bucket === undefined) this.buckets.set(neighbour, (bucket = new TokenBucket(RATE_PER_SECOND, BURST, now)));
    if (!bucket.take(now)) return this.counters.drop('rate', neighbour);
    const envelope = this.decode(payload);
    if (typeof envelope === 'string') return this.counters.drop(envelope, neighbour);
    if (this.seen.has(envelope.id)) return;
    this.remember(envelope.id);
    const { signal } = envelope;
    if (signal.lattice !== this.options.lattice) return this.counters.drop('other-lattice', neighbour);
    if (signal.from === this.options.self) return;
    const forUs = signal.to === undefined || signal.to === this.options.self;
    if (forUs) {
      this.counters.received += 1;
      this.receive?.(signal);
    }
    if (signal.to !== this.options.self && envelope.ttl > 1) {
      this.forward({ ...envelope, ttl: envelope.ttl - 1 }, neighbour);
    }
  }

  /** Forgets a neighbour's rate bucket when its link closes. */
  linkDown(peer: NodeId): void {
    this.buckets.delete(peer);
  }

  stats(): SignalingStats {
    return this.counters.stats('open');
  }

  close(): void {
    this.receive = undefined;
  }

  private forward(envelope: Envelope, cameFrom: NodeId | undefined): boolean {
    const payload = this.encode(envelope);
    const { to, from } = envelope.signal;
    const neighbours = [...this.options.network.neighbours()];
    if (to !== undefined && neighbours.includes(to)) return this.options.network.send(to, payload);
    let any = false;
    for (const n of neighbours) {
      if (n === cameFrom || n === from) continue;
      any = this.options.network.send(n, payload) || any;
    }
    return any;
  }

  private encode(envelope: Envelope): Uint8Array {
    return this.encoder.encode(JSON.stringify(envelope));
  }

  private decode(payload: Uint8Array): Envelope | string {
    if (payload.byteLength > MAX_PAYLOAD_BYTES) return 'too-large';
    let value: unknown;
    try {
      value = JSON.parse(this.decoder.decode(payload));
    } catch {
      return 'not-json';
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not-object';
    const { id, ttl, signal } = value as Record<string, unknown>;
    if (typeof id !== 'string' || !SESSION_ID.test(id)) return 'bad-id';
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL) return 'bad-ttl';
    const parsed = parseSignal(signal);
    if (!parsed.ok) return parsed.reason;
    return { id, ttl, signal: parsed.signal };
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size <= SEEN_CAP) return;
    // Sets iterate in insertion order: drop the oldest.
    const oldest = this.seen.values().next().value;
    if (oldest !== undefined) this.seen.delete(oldest);
  }
}
