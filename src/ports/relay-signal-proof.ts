import { signedText } from '../core/signing/signed-text';
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
