/**
 * Relayed signals (docs/security.md, "Relayed signals"): ids keyed by sender, a floor per sender
 * against replays once the memory turned over, and a per-sender rate.
 */
import { sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RelaySignaling, type Envelope } from '../../../src/adapters/signaling/relay-signaling';
import { toBase64url } from '../../../src/core/bytes/base64url';
import type { NodeId } from '../../../src/core/ids';
import { relaySignalBytes } from '../../../src/ports/relay-signal-proof';
import { parseSignal, type Signal } from '../../../src/ports/signaling';
import { syncSigner, syncVerifier, testIdentity } from '../support/test-keys';

const NOW = 1_700_000_000_000;
function relayOf(self: string, neighbours: string[], clock = { now: NOW }) {
  const sent: { to: string; envelope: Envelope }[] = [];
  const received: Signal[] = [];
  const relay = new RelaySignaling({
    self: self as NodeId,
    lattice: 'alpha',
    log: () => undefined,
    signer: syncSigner(testIdentity(self)),
    verifier: syncVerifier('named'),
    now: () => clock.now,
    network: {
      neighbours: () => neighbours as NodeId[],
      send: (to, payload) => {
        sent.push({ to, envelope: JSON.parse(new TextDecoder().decode(payload)) });
        return true;
      },
    },
  });
  relay.start((s) => received.push(s));
  return { relay, sent, received, clock };
}
function sealed(e: { id: string; ttl: number; signal: Signal }, signer: string = e.signal.from, at = NOW): Envelope {
  const parsed = parseSignal(e.signal);
  const signal = parsed.ok ? parsed.signal : e.signal;
  const identity = testIdentity(signer);
  const sig = new Uint8Array(sign(null, relaySignalBytes(e.id, at, signal), identity.privateKey));
  return { ...e, signal, at, key: toBase64url(identity.publicKey), sig: toBase64url(sig) };
}
const frame = (envelope: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(envelope));
const offer = (from: string, to: string, session = 'session01'): Signal => ({
  type: 'offer',
  from: from as NodeId,
  to: to as NodeId,
  lattice: 'alpha',
  data: { session, sdp: 'v=0' },
});
const announce = (from: string): Signal =>
  ({ type: 'announce', from: from as NodeId, lattice: 'alpha', data: { incarnation: 'inc00001', links: 1 } }) as never;

describe('attack suite: relayed signals', () => {
  it('a relay re-using an honest envelope id under its own key does not hide the genuine copy', () => {
    const c = relayOf('c', ['x', 'd']);
    const genuine = sealed({ id: 'envelope77', ttl: 4, signal: offer('a', 'c') });
    const squat = sealed({ id: 'envelope77', ttl: 1, signal: offer('x', 'zzz', 'session99') });
    c.relay.receiveFrame('x' as NodeId, frame(squat));
    c.relay.receiveFrame('d' as NodeId, frame(genuine));
    expect(c.received.filter((s) => s.from === 'a')).toHaveLength(1);
  });

  it('a flood that turns the seen memory over inside 60 s cannot make an old offer new again', () => {
    const clock = { now: NOW };
    const c = relayOf('c', ['b1', 'b2', 'b3'], clock);
    const genuine = sealed({ id: 'genuine001', ttl: 4, signal: offer('a', 'c', 'sessionOld') }, 'a', NOW);
    c.relay.receiveFrame('b1' as NodeId, frame(genuine));
    let n = 0;
    for (let sec = 0; sec < 56; sec++) {
      for (const b of ['b1', 'b2', 'b3']) {
        for (let i = 0; i < (sec === 0 ? 400 : 100); i++) {
          const from = `s${n % 50}`; // fifty senders, so the per-sender rate does not stop the flood first
          c.relay.receiveFrame(
            b as NodeId,
            frame(sealed({ id: `f${String(n++).padStart(9, '0')}`, ttl: 1, signal: announce(from) }, from, clock.now)),
          );
        }
      }
      clock.now += 1000;
    }
    c.relay.receiveFrame('b2' as NodeId, frame(genuine));
    expect(c.received.filter((x) => x.type === 'offer')).toHaveLength(1);
  });

  it('one sender’s flood is held to its own rate: another sender’s offer still gets through', () => {
    const clock = { now: NOW };
    const c = relayOf('c', ['b'], clock);
    for (let i = 0; i < 300; i++) {
      c.relay.receiveFrame(
        'b' as NodeId,
        frame(sealed({ id: `fl${String(i).padStart(6, '0')}`, ttl: 8, signal: announce('x') }, 'x', clock.now)),
      );
    }
    expect(c.received.filter((s) => s.from === 'x')).toHaveLength(40);
    c.relay.receiveFrame(
      'b' as NodeId,
      frame(sealed({ id: 'honest0001', ttl: 4, signal: offer('d', 'c') }, 'd', clock.now)),
    );
    expect(c.received.filter((s) => s.from === 'd')).toHaveLength(1);
  });
});
