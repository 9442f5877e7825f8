import { fromBase64url } from '../core/bytes/base64url';
import type { NodeId } from '../core/ids';
import { signedText } from '../core/signing/signed-text';
import type { SignatureVerifier } from './signature-verifier';
import type { Signal } from './signaling';

/**
 * A signal relayed through mesh peers (adapters/signaling/relay-signaling.ts) is signed by its
 * sender with the node's key, so a relaying peer cannot forge an offer, answer, candidate or bye in
 * another node's name (docs/security.md, "Relayed signals"). The envelope carries the sender's raw
 * public key (its id is the key's hash), the sender's clock and the signature over these bytes: the
 * domain, the lattice, sender, addressee (empty for everyone), the envelope's random id, the time,
 * and the signal as the JSON of its validated form (parseSignal builds every signal in one key order,
 * so both ends encode it alike). The hop count is not signed: each relay lowers it.
 */
export const RELAY_SIGNAL_DOMAIN = 'lattice-mesh relayed signal v1';
/** A relayed signal stamped further than this from the receiver's clock is refused as stale (a replay). */
export const RELAY_SIGNAL_MAX_AGE_MS = 60_000;

export function relaySignalBytes(id: string, at: number, signal: Signal): Uint8Array {
  return signalBytes(RELAY_SIGNAL_DOMAIN, id, at, signal);
}

/**
 * Signals between tabs of one browser (BroadcastChannel, adapters/signaling/broadcast-signaling.ts)
 * are signed the same way under their own domain, so a signature made for one path is never valid
 * on the other.
 */
export const BROADCAST_SIGNAL_DOMAIN = 'lattice-mesh broadcast signal v1';

export function broadcastSignalBytes(id: string, at: number, signal: Signal): Uint8Array {
  return signalBytes(BROADCAST_SIGNAL_DOMAIN, id, at, signal);
}

function signalBytes(domain: string, id: string, at: number, signal: Signal): Uint8Array {
  return signedText(domain, [signal.lattice, signal.from, signal.to ?? '', id, String(at), JSON.stringify(signal)]);
}

/** A signed signal as it travels on the relay and broadcast paths (key and signature base64url, checked for shape). */
export interface SignedEnvelope {
  readonly id: string;
  readonly signal: Signal;
  /** The sender's clock when it signed (ms). */
  readonly at: number;
  readonly key: string;
  readonly sig: string;
}

/** What the check needs of the receiver's memory of envelopes taken (adapters/signaling/seen-envelopes.ts). */
export interface EnvelopeFloors {
  /** Whether an envelope of `from` stamped `at` is no newer than the newest of its forgotten ones. */
  belowFloor(from: NodeId, at: number): boolean;
}

export type EnvelopeVerdict = 'ok' | 'forged' | 'bad-signature' | 'stale';

/**
 * Why a signed envelope is refused, or ok (docs/security.md, "Relayed signals", "Signals between
 * tabs"): stamped more than RELAY_SIGNAL_MAX_AGE_MS from `now` or at or below its sender's floor
 * (`stale`, a replay), a key that does not hash to `from` (`forged`), a signature that does not
 * verify over `bytesOf` (the path's own domain: relaySignalBytes or broadcastSignalBytes). Whether
 * the envelope's id was already taken is the caller's (a relay takes one signal by two paths).
 */
export function checkSignedEnvelope(
  envelope: SignedEnvelope,
  bytesOf: (id: string, at: number, signal: Signal) => Uint8Array,
  now: number,
  floors: EnvelopeFloors,
  verifier: SignatureVerifier,
): EnvelopeVerdict | Promise<EnvelopeVerdict> {
  if (Math.abs(now - envelope.at) > RELAY_SIGNAL_MAX_AGE_MS) return 'stale';
  // Older than an envelope already forgotten: its id may have been taken and forgotten (a replay).
  if (floors.belowFloor(envelope.signal.from, envelope.at)) return 'stale';
  const key = fromBase64url(envelope.key)!;
  const sig = fromBase64url(envelope.sig)!;
  return after(verifier.nodeIdOf(key), (id) => {
    if (id !== envelope.signal.from) return 'forged';
    const bytes = bytesOf(envelope.id, envelope.at, envelope.signal);
    return after(verifier.verify(key, bytes, sig), (good) => (good ? 'ok' : 'bad-signature'));
  });
}

function after<T, U>(x: T | Promise<T>, f: (t: T) => U | Promise<U>): U | Promise<U> {
  return x instanceof Promise ? x.then(f) : f(x);
}
