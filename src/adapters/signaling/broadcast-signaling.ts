import { toBase64url } from '../../core/bytes/base64url';
import type { NodeId } from '../../core/ids';
import {
  broadcastSignalBytes,
  checkSignedEnvelope,
  type EnvelopeVerdict,
  type SignedEnvelope,
} from '../../ports/relay-signal-proof';
import { PUBLIC_KEY_B64, SIGNATURE_B64 } from '../../ports/signal-proof';
import type { SignatureVerifier } from '../../ports/signature-verifier';
import type { Signer } from '../../ports/signer';
import {
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

export interface BroadcastSignalingOptions {
  readonly self: NodeId;
  readonly lattice: string;
  readonly log: (message: string, detail?: unknown) => void;
  /** Signs what this tab sends, with the node's key (docs/security.md, "Relayed signals"). */
  readonly signer: Signer | Promise<Signer>;
  /** Checks what other tabs send. */
  readonly verifier: SignatureVerifier;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** The channel name: one per lattice, so tabs of different lattices never even see each other. */
export const broadcastChannelName = (lattice: string): string => `lattice-mesh-signal:${lattice}`;

/** Checks a channel makes us do per second, whoever posts: a few signals per link attempt between tabs. */
const RATE_PER_SECOND = 100;
const BURST = 400;

/** What a tab posts: the signal, a random id, its clock and its signature (broadcastSignalBytes). */
export type BroadcastEnvelope = SignedEnvelope;

type Maybe<T> = T | Promise<T>;

function after<T, U>(x: Maybe<T>, f: (t: T) => Maybe<U>): Maybe<U> {
  return x instanceof Promise ? x.then(f) : f(x);
}

/**
 * Signaling between tabs of one browser (one origin and storage partition) over a
 * BroadcastChannel. Other tabs are other nodes, and any page of the origin can post on the
 * channel, so every signal is signed by its sender and checked like a relayed one (docs/security.md,
 * "Relayed signals"): the key must hash to `from` (`forged`), the signature must verify
 * (`bad-signature`), the stamp must lie within a minute of our clock and the envelope not be one
 * already taken (`stale`), a message without one is `unsigned`. Refusals are counted by reason in
 * stats().invalid and nothing refused is delivered. Checks are rate-limited for the channel before
 * any verification, and each sender has its own bucket after it. Signing and checking run one at a
 * time, so signals keep their order.
 */
export class BroadcastSignaling implements SignalingTransport {
  readonly kind = 'broadcast' as const;
  private channel: BroadcastChannel | undefined;
  private readonly counters: TransportCounters;
  private readonly seen = new SeenEnvelopes();
  private readonly origins = new OriginLimit();
  private bucket: TokenBucket | undefined;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly options: BroadcastSignalingOptions) {
    this.counters = new TransportCounters('broadcast', options.log);
  }

  start(receive: (signal: Signal) => void): void {
    if (this.channel !== undefined) return;
    const channel = new BroadcastChannel(broadcastChannelName(this.options.lattice));
    channel.onmessage = (event: MessageEvent<unknown>) => this.onMessage(event.data, receive);
    channel.onmessageerror = () => this.counters.drop('undecodable');
    this.channel = channel;
  }

  send(signal: Signal): boolean {
    if (this.channel === undefined) return false;
    const parsed = parseSignal(signal);
    if (!parsed.ok) return false;
    const id = randomToken(this.options.random ?? Math.random);
    const at = Math.round(this.now());
    this.seen.remember(this.options.self, id, at);
    this.serially(() =>
      after(this.options.signer, (signer) =>
        after(signer.sign(broadcastSignalBytes(id, at, parsed.signal)), (sig) => {
          const envelope: BroadcastEnvelope = {
            id,
            signal: parsed.signal,
            at,
            key: toBase64url(signer.publicKey),
            sig: toBase64url(sig),
          };
          this.channel?.postMessage(envelope);
          this.counters.sent += 1;
        }),
      ),
    );
    return true;
  }

  stats(): SignalingStats {
    return this.counters.stats(this.channel === undefined ? 'closed' : 'open');
  }

  close(): void {
    this.channel?.close();
    this.channel = undefined;
  }

  private onMessage(data: unknown, receive: (signal: Signal) => void): void {
    const envelope = decode(data);
    if (typeof envelope === 'string') return this.counters.drop(envelope);
    const signal = envelope.signal;
    if (signal.lattice !== this.options.lattice) return this.counters.drop('other-lattice');
    if (signal.from === this.options.self) return;
    if (signal.to !== undefined && signal.to !== this.options.self) return;
    const now = this.now();
    this.bucket ??= new TokenBucket(RATE_PER_SECOND, BURST, now);
    if (!this.bucket.take(now)) return this.counters.drop('rate');
    this.serially(() =>
      after(this.check(envelope), (verdict) => {
        if (verdict !== 'ok') return this.counters.drop(verdict, { from: signal.from, type: signal.type });
        if (this.seen.has(signal.from, envelope.id)) return this.counters.drop('stale', signal.from);
        this.seen.remember(signal.from, envelope.id, envelope.at);
        if (!this.origins.take(signal.from, this.now())) return this.counters.drop('origin-rate', signal.from);
        if (this.channel === undefined) return;
        this.counters.received += 1;
        receive(signal);
      }),
    );
  }

  private check(envelope: BroadcastEnvelope): Maybe<EnvelopeVerdict> {
    if (this.seen.has(envelope.signal.from, envelope.id)) return 'stale';
    return checkSignedEnvelope(envelope, broadcastSignalBytes, this.now(), this.seen, this.options.verifier);
  }

  private serially(step: () => Maybe<void>): void {
    const failed = (error: unknown): void => this.options.log('broadcast signaling: signing or checking failed', error);
    this.tail = this.tail.then(step).catch(failed);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** A posted message's shape, or why it is refused. */
function decode(data: unknown): BroadcastEnvelope | string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not-object';
  const { id, signal, at, key, sig } = data as Record<string, unknown>;
  if (typeof id !== 'string' || !SESSION_ID.test(id)) return 'unsigned';
  const parsed = parseSignal(signal);
  if (!parsed.ok) return parsed.reason;
  if (typeof key !== 'string' || !PUBLIC_KEY_B64.test(key)) return 'unsigned';
  if (typeof sig !== 'string' || !SIGNATURE_B64.test(sig)) return 'unsigned';
  if (typeof at !== 'number' || !Number.isSafeInteger(at)) return 'unsigned';
  return { id, signal: parsed.signal, at, key, sig };
}
