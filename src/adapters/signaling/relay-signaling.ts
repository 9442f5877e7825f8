import { toBase64url } from '../../core/bytes/base64url';
import type { NodeId } from '../../core/ids';
import {
  checkSignedEnvelope,
  relaySignalBytes,
  type EnvelopeVerdict,
  type SignedEnvelope,
} from '../../ports/relay-signal-proof';
import { PUBLIC_KEY_B64, SIGNATURE_B64 } from '../../ports/signal-proof';
import type { SignatureVerifier } from '../../ports/signature-verifier';
import type { Signer } from '../../ports/signer';
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
import { OriginLimit } from './origin-limit';
import { SeenEnvelopes } from './seen-envelopes';
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
  /** The node's key: every signal we send on this path is signed with it (docs/security.md, "Relayed signals"). */
  readonly signer: Signer | Promise<Signer>;
  /** Checks the signature of every relayed signal before it is delivered or passed on. */
  readonly verifier: SignatureVerifier;
  /** Wall clock (ms): the time each signal is stamped with, and checked against. */
  readonly now?: () => number;
  readonly random?: () => number;
  /** Hops a message may travel; enough to cross a partial mesh of a few dozen nodes. */
  readonly ttl?: number;
}

const DEFAULT_TTL = 4;
const MAX_TTL = 8;
/** What one neighbour may make us relay: signaling is a few messages per link attempt. */
const RATE_PER_SECOND = 100;
const BURST = 400;
const MAX_PAYLOAD_BYTES = MAX_SIGNAL_BYTES + 512;

/** What travels: the signal, its hop count, and the sender's signature (ports/relay-signal-proof.ts). */
export interface Envelope extends SignedEnvelope {
  /** Hops left (not signed: each relay lowers it). */
  readonly ttl: number;
}

/**
 * Signaling relayed through connected peers (docs/requirements.md §5): a node reaches the rest of the mesh
 * through one neighbour. Addressed messages go straight to the addressee if it is a neighbour,
 * else are flooded; announces are delivered and flooded. A random id per message suppresses
 * duplicates and loops, and a hop limit bounds the flood.
 *
 * Every signal is signed by its sender (ports/relay-signal-proof.ts) and verified by every node
 * before it is delivered or passed on: a relaying peer cannot make up an offer, answer or bye in
 * another node's name, and a replay is refused as stale (stamped more than a minute away from our
 * clock) or as a duplicate id. Refusals are counted by reason in stats().invalid (`unsigned`,
 * `forged`, `bad-signature`, `stale`). Signing and checking are asynchronous (WebCrypto); both go
 * one at a time, so signals keep their order.
 */
export class RelaySignaling implements SignalingTransport {
  readonly kind = 'relay' as const;
  private receive: ((signal: Signal) => void) | undefined;
  private readonly seen = new SeenEnvelopes();
  /** Per sender, after the signature check: one sender's flood leaves the others' share alone. */
  private readonly origins = new OriginLimit();
  private readonly buckets = new Map<NodeId, TokenBucket>();
  private readonly counters: TransportCounters;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** The last step of the signing and checking queue (undefined: idle), which keeps signals in order. */
  private tail: Promise<void> | undefined;

  constructor(private readonly options: RelaySignalingOptions) {
    this.counters = new TransportCounters('relay', options.log);
  }

  start(receive: (signal: Signal) => void): void {
    this.receive = receive;
  }

  send(signal: Signal): boolean {
    const parsed = parseSignal(signal);
    if (!parsed.ok) return false;
    const { to, from } = parsed.signal;
    // Whether forward will have a link to try (it answers once the signature is made).
    const neighbours = [...this.options.network.neighbours()];
    if (!neighbours.some((n) => n === to || n !== from)) return false;
    const id = randomToken(this.options.random ?? Math.random);
    this.seen.remember(this.options.self, id, this.now());
    this.serially(() =>
      after(this.seal(id, this.options.ttl ?? DEFAULT_TTL, parsed.signal), (envelope) => {
        if (this.forward(envelope, undefined)) this.counters.sent += 1;
      }),
    );
    return true;
  }

  /** Sends a signal to one neighbour only (e.g. our announce over a link that just opened). */
  sendTo(peer: NodeId, signal: Signal): boolean {
    const parsed = parseSignal(signal);
    if (!parsed.ok) return false;
    const id = randomToken(this.options.random ?? Math.random);
    this.seen.remember(this.options.self, id, this.now());
    this.serially(() =>
      after(this.seal(id, 2, parsed.signal), (envelope) => void this.options.network.send(peer, this.encode(envelope))),
    );
    return true;
  }

  /** A relay payload that arrived over the link to `neighbour`. */
  receiveFrame(neighbour: NodeId, payload: Uint8Array): void {
    const now = this.now();
    let bucket = this.buckets.get(neighbour);
    if (bucket === undefined) this.buckets.set(neighbour, (bucket = new TokenBucket(RATE_PER_SECOND, BURST, now)));
    if (!bucket.take(now)) return this.counters.drop('rate', neighbour);
    const envelope = this.decode(payload);
    if (typeof envelope === 'string') return this.counters.drop(envelope, neighbour);
    const { signal } = envelope;
    if (this.seen.has(signal.from, envelope.id)) return;
    if (signal.lattice !== this.options.lattice) return this.counters.drop('other-lattice', neighbour);
    if (signal.from === this.options.self) return;
    this.serially(() =>
      after(this.check(envelope), (verdict) => {
        if (verdict !== 'ok') return this.counters.drop(verdict, { neighbour, from: signal.from, type: signal.type });
        if (this.seen.has(signal.from, envelope.id)) return; // the same signal by two paths, both checked at once
        this.seen.remember(signal.from, envelope.id, envelope.at);
        if (!this.origins.take(signal.from, this.now())) return this.counters.drop('origin-rate', signal.from);
        this.deliver(envelope, neighbour);
      }),
    );
  }

  private deliver(envelope: Envelope, neighbour: NodeId): void {
    const { signal } = envelope;
    const forUs = signal.to === undefined || signal.to === this.options.self;
    if (forUs) {
      this.counters.received += 1;
      this.receive?.(signal);
    }
    if (signal.to !== this.options.self && envelope.ttl > 1) {
      this.forward({ ...envelope, ttl: envelope.ttl - 1 }, neighbour);
    }
  }

  /** Why a relayed signal is refused, or ok: its key must stand for its sender and sign it, recently. */
  private check(envelope: Envelope): Maybe<EnvelopeVerdict> {
    return checkSignedEnvelope(envelope, relaySignalBytes, this.now(), this.seen, this.options.verifier);
  }

  private seal(id: string, ttl: number, signal: Signal): Maybe<Envelope> {
    const at = Math.round(this.now());
    return after(this.options.signer, (signer) =>
      after(signer.sign(relaySignalBytes(id, at, signal)), (sig) => ({
        id,
        ttl,
        signal,
        at,
        key: toBase64url(signer.publicKey),
        sig: toBase64url(sig),
      })),
    );
  }

  /** Runs steps one after another; a step that answers at once runs at once when nothing waits. */
  private serially(step: () => Maybe<void>): void {
    const failed = (error: unknown): void => this.options.log('relay signaling: signing or checking failed', error);
    if (this.tail === undefined) {
      let first: Maybe<void>;
      try {
        first = step();
      } catch (error) {
        return failed(error);
      }
      if (!(first instanceof Promise)) return;
      this.tail = first;
    } else {
      this.tail = this.tail.then(step);
    }
    const mine: Promise<void> = this.tail.catch(failed);
    this.tail = mine;
    void mine.then(() => {
      if (this.tail === mine) this.tail = undefined;
    });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
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
    const { at, key, sig } = value as Record<string, unknown>;
    if (typeof key !== 'string' || !PUBLIC_KEY_B64.test(key)) return 'unsigned';
    if (typeof sig !== 'string' || !SIGNATURE_B64.test(sig)) return 'unsigned';
    if (typeof at !== 'number' || !Number.isSafeInteger(at)) return 'unsigned';
    return { id, ttl, signal: parsed.signal, at, key, sig };
  }
}

type Maybe<T> = T | Promise<T>;

function after<T, U>(x: Maybe<T>, f: (t: T) => Maybe<U>): Maybe<U> {
  return x instanceof Promise ? x.then(f) : f(x);
}
