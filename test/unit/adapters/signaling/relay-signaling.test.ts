import { sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RelaySignaling, type Envelope } from '../../../../src/adapters/signaling/relay-signaling';
import { toBase64url } from '../../../../src/core/bytes/base64url';
import type { NodeId } from '../../../../src/core/ids';
import { RELAY_SIGNAL_MAX_AGE_MS, relaySignalBytes } from '../../../../src/ports/relay-signal-proof';
import { parseSignal, type Signal } from '../../../../src/ports/signaling';
import { syncSigner, syncVerifier, testIdentity } from '../../support/test-keys';

const NOW = 1_700_000_000_000;

/** A relay whose neighbours are recorded, not real; its key stands for its name (test-keys.ts). */
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

/** An envelope signed by `signer` (default: the signal's sender), stamped `at`. */
function sealed(
  e: { id: string; ttl: number; signal: Signal },
  signer: string = e.signal.from,
  at = NOW,
): Envelope & Record<string, unknown> {
  const parsed = parseSignal(e.signal);
  const signal = parsed.ok ? parsed.signal : e.signal;
  const identity = testIdentity(signer);
  const sig = new Uint8Array(sign(null, relaySignalBytes(e.id, at, signal), identity.privateKey));
  return { ...e, at, key: toBase64url(identity.publicKey), sig: toBase64url(sig) };
}

const frame = (envelope: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(envelope));
const offer = (from: string, to: string): Signal => ({
  type: 'offer',
  from: from as NodeId,
  to: to as NodeId,
  lattice: 'alpha',
  data: { session: 'session01', sdp: 'v=0' },
});
const bye = (from: string, to: string): Signal => ({
  type: 'bye',
  from: from as NodeId,
  to: to as NodeId,
  lattice: 'alpha',
  data: { reason: 'left' },
});

describe('RelaySignaling', () => {
  it('sends straight to a neighbour that is the addressee, else floods', () => {
    const { relay, sent } = relayOf('a', ['b', 'c']);
    relay.send(offer('a', 'c'));
    expect(sent.map((s) => s.to)).toEqual(['c']);
    relay.send(offer('a', 'z'));
    expect(sent.slice(1).map((s) => s.to)).toEqual(['b', 'c']);
  });

  it('delivers what is for us, forwards the rest with one hop less, and never back', () => {
    const { relay, sent, received } = relayOf('b', ['a', 'c', 'd']);
    relay.receiveFrame('a' as NodeId, frame(sealed({ id: 'envelope01', ttl: 4, signal: offer('a', 'b') })));
    expect(received).toEqual([offer('a', 'b')]);
    expect(sent).toEqual([]);
    relay.receiveFrame('a' as NodeId, frame(sealed({ id: 'envelope02', ttl: 4, signal: offer('a', 'c') })));
    expect(sent.map((s) => [s.to, s.envelope.ttl])).toEqual([['c', 3]]);
    relay.receiveFrame('a' as NodeId, frame(sealed({ id: 'envelope03', ttl: 4, signal: offer('a', 'z') })));
    expect(sent.slice(1).map((s) => s.to)).toEqual(['c', 'd']);
  });

  it('delivers and floods announces, drops duplicates and spent hop counts', () => {
    const { relay, sent, received } = relayOf('b', ['a', 'c']);
    const announce: Signal = {
      type: 'announce',
      from: 'a' as NodeId,
      lattice: 'alpha',
      data: { incarnation: 'incarnation1' },
    };
    relay.receiveFrame('a' as NodeId, frame(sealed({ id: 'envelope04', ttl: 2, signal: announce })));
    relay.receiveFrame('c' as NodeId, frame(sealed({ id: 'envelope04', ttl: 2, signal: announce })));
    expect(received).toEqual([announce]);
    expect(sent.map((s) => [s.to, s.envelope.ttl])).toEqual([['c', 1]]);
    relay.receiveFrame('a' as NodeId, frame(sealed({ id: 'envelope05', ttl: 1, signal: announce })));
    expect(received.length).toBe(2);
    expect(sent.length).toBe(1);
  });

  it('counts and drops malformed frames and other lattices', () => {
    const { relay, received } = relayOf('b', ['a']);
    const bad = [
      new Uint8Array([0xff, 0xfe]),
      frame([1, 2]),
      frame({ id: 'x', ttl: 2, signal: offer('a', 'b') }),
      frame({ id: 'envelope06', ttl: 99, signal: offer('a', 'b') }),
      frame({ id: 'envelope07', ttl: 2, signal: { ...offer('a', 'b'), type: 'nope' } }),
      frame(sealed({ id: 'envelope08', ttl: 2, signal: { ...offer('a', 'b'), lattice: 'bravo' } })),
      new Uint8Array(40_000),
    ];
    for (const f of bad) relay.receiveFrame('a' as NodeId, f);
    expect(received).toEqual([]);
    expect(relay.stats().invalid).toEqual({
      'not-json': 1,
      'not-object': 1,
      'bad-id': 1,
      'bad-ttl': 1,
      'bad-type': 1,
      'other-lattice': 1,
      'too-large': 1,
    });
  });

  it('signs what it sends, and the receiver checks it before delivering or passing it on', () => {
    const a = relayOf('a', ['b']);
    const b = relayOf('b', ['a', 'c']);
    a.relay.send(offer('a', 'c'));
    expect(a.sent).toHaveLength(1);
    b.relay.receiveFrame('a' as NodeId, frame(a.sent[0]!.envelope));
    expect(b.sent.map((x) => [x.to, x.envelope.ttl])).toEqual([['c', 3]]);
    const c = relayOf('c', ['b']);
    c.relay.receiveFrame('b' as NodeId, frame(b.sent[0]!.envelope));
    expect(c.received).toEqual([offer('a', 'c')]);
    expect(c.relay.stats().invalid).toEqual({});
  });

  it('refuses a signal forged by a relaying peer, unsigned, altered or replayed: counted, never delivered nor passed on', () => {
    const { relay, sent, received, clock } = relayOf('c', ['b', 'd']);
    const genuine = sealed({ id: 'envelope10', ttl: 4, signal: bye('a', 'c') });
    const forgeries = [
      // b signs a bye in a's name with its own key (its key stands for b, not a).
      sealed({ id: 'envelope11', ttl: 4, signal: bye('a', 'c') }, 'b'),
      // No signature at all.
      { id: 'envelope12', ttl: 4, signal: bye('a', 'c') },
      // a's signature on an offer, the envelope altered into a bye.
      { ...sealed({ id: 'envelope13', ttl: 4, signal: offer('a', 'c') }), signal: bye('a', 'c') },
      // a's genuine bye, its id changed so it looks new.
      { ...genuine, id: 'envelope14' },
      // a's genuine bye from two minutes ago, replayed.
      sealed({ id: 'envelope15', ttl: 4, signal: bye('a', 'c') }, 'a', NOW - 2 * RELAY_SIGNAL_MAX_AGE_MS),
    ];
    for (const f of forgeries) relay.receiveFrame('b' as NodeId, frame(f));
    expect(received).toEqual([]);
    expect(sent).toEqual([]);
    expect(relay.stats().invalid).toEqual({ forged: 1, unsigned: 1, 'bad-signature': 2, stale: 1 });
    // The genuine one is taken once; the same envelope again (another path, a replay) is dropped.
    relay.receiveFrame('b' as NodeId, frame(genuine));
    relay.receiveFrame('d' as NodeId, frame(genuine));
    expect(received).toEqual([bye('a', 'c')]);
    clock.now += RELAY_SIGNAL_MAX_AGE_MS + 1;
    relay.receiveFrame('b' as NodeId, frame(genuine));
    expect(received).toHaveLength(1);
  });

  it('rate-limits a flooding neighbour', () => {
    const { relay, received } = relayOf('b', ['a']);
    for (let i = 0; i < 1000; i++) {
      relay.receiveFrame(
        'a' as NodeId,
        frame(sealed({ id: `flood${String(i).padStart(5, '0')}`, ttl: 1, signal: offer('a', 'b') })),
      );
    }
    expect(received.length).toBeLessThan(500);
    expect(relay.stats().invalid.rate).toBeGreaterThan(500);
  });
});
