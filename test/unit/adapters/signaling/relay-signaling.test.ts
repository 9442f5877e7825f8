import { describe, expect, it } from 'vitest';
import { RelaySignaling } from '../../../../src/adapters/signaling/relay-signaling';
import type { NodeId } from '../../../../src/core/ids';
import type { Signal } from '../../../../src/ports/signaling';

/** A relay whose neighbours are recorded, not real. */
function relayOf(self: string, neighbours: string[]) {
  const sent: { to: string; envelope: { id: string; ttl: number; signal: Signal } }[] = [];
  const received: Signal[] = [];
  const relay = new RelaySignaling({
    self: self as NodeId,
    lattice: 'alpha',
    log: () => undefined,
    network: {
      neighbours: () => neighbours as NodeId[],
      send: (to, payload) => {
        sent.push({ to, envelope: JSON.parse(new TextDecoder().decode(payload)) });
        return true;
      },
    },
  });
  relay.start((s) => received.push(s));
  return { relay, sent, received };
}

const frame = (envelope: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(envelope));
const offer = (from: string, to: string): Signal => ({
  type: 'offer',
  from: from as NodeId,
  to: to as NodeId,
  lattice: 'alpha',
  data: { session: 'session01', sdp: 'v=0' },
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
    relay.receiveFrame('a' as NodeId, frame({ id: 'envelope01', ttl: 4, signal: offer('a', 'b') }));
    expect(received).toEqual([offer('a', 'b')]);
    expect(sent).toEqual([]);
    relay.receiveFrame('a' as NodeId, frame({ id: 'envelope02', ttl: 4, signal: offer('a', 'c') }));
    expect(sent.map((s) => [s.to, s.envelope.ttl])).toEqual([['c', 3]]);
    relay.receiveFrame('a' as NodeId, frame({ id: 'envelope03', ttl: 4, signal: offer('a', 'z') }));
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
    relay.receiveFrame('a' as NodeId, frame({ id: 'envelope04', ttl: 2, signal: announce }));
    relay.receiveFrame('c' as NodeId, frame({ id: 'envelope04', ttl: 2, signal: announce }));
    expect(received).toEqual([announce]);
    expect(sent.map((s) => [s.to, s.envelope.ttl])).toEqual([['c', 1]]);
    relay.receiveFrame('a' as NodeId, frame({ id: 'envelope05', ttl: 1, signal: announce }));
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
      frame({ id: 'envelope08', ttl: 2, signal: { ...offer('a', 'b'), lattice: 'bravo' } }),
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

  it('rate-limits a flooding neighbour', () => {
    const { relay, received } = relayOf('b', ['a']);
    for (let i = 0; i < 1000; i++) {
      relay.receiveFrame(
        'a' as NodeId,
        frame({ id: `flood${String(i).padStart(5, '0')}`, ttl: 1, signal: offer('a', 'b') }),
      );
    }
    expect(received.length).toBeLessThan(500);
    expect(relay.stats().invalid.rate).toBeGreaterThan(500);
  });
});
