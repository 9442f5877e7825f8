/**
 * Issue 12: "a relayed `bye`, an `announce` with a new incarnation, or a spoofed offer tears down a
 * connected link (40 peer connections created for 20 spoofed announces)". Replayed against real
 * LinkManagers and relays (fake WebRTC, one manual clock): b relays between a and c and sends a,
 * in c's name, announces of new incarnations and offers of new sessions, signed with its own key,
 * unsigned, and c's own signed signals replayed late or with an old stamp. The bound: no peer
 * connection is created, the a–c link stays up, nothing is passed on, every refusal is counted,
 * and an honest newcomer still links (docs/security.md, "Relayed signals", "Stale offers and
 * announces").
 */
import { describe, expect, it } from 'vitest';
import { toBase64url } from '../../../src/core/bytes/base64url';
import type { NodeId } from '../../../src/core/ids';
import { createMeshHandle } from '../../../src/app/mesh/mesh-handle';
import type { Mesh } from '../../../src/app/mesh/start-mesh';
import type { SyncStatus } from '../../../src/node/mesh';
import type { SecurityStats } from '../../../src/node/security/mesh-security';
import { relaySignalBytes } from '../../../src/ports/relay-signal-proof';
import { parseSignal, type Signal } from '../../../src/ports/signaling';
import { node, relays, run, runUntil, settle, setup, state } from '../app/mesh/link-harness';
import { syncSigner, testIdentity } from '../support/test-keys';

const SPOOFS = 20;

/** A relay envelope of `signal`, signed by `signer` (the sender's own key, or another's). */
function envelope(id: string, raw: Signal, at: number, signer: string): Uint8Array {
  // Signed as the receiver encodes it: the validated form, in parseSignal's key order.
  const parsed = parseSignal(raw);
  if (!parsed.ok) throw new Error(parsed.reason);
  const signal = parsed.signal;
  const key = testIdentity(signer);
  const sig = syncSigner(key).sign(relaySignalBytes(id, at, signal)) as Uint8Array;
  const text = JSON.stringify({ id, ttl: 2, signal, at, key: toBase64url(key.publicKey), sig: toBase64url(sig) });
  return new TextEncoder().encode(text);
}

const announce = (incarnation: string, at: number): Signal =>
  ({ type: 'announce', from: 'c', to: 'a', lattice: 'alpha', data: { incarnation, links: 1, at } }) as Signal;
const offer = (session: string, at: number): Signal =>
  ({ type: 'offer', from: 'c', to: 'a', lattice: 'alpha', data: { session, sdp: 'v=0 spoofed', at } }) as Signal;

describe('attack suite: spoofed signals against a connected link (issue 12)', () => {
  it(`${SPOOFS} spoofed announces and offers of each kind create no connection and leave the link up`, async () => {
    const s = setup();
    s.clock.advance(600_000); // a wall clock past the two-minute-old replays below
    // a and c reach each other only through b's relay, and d (an honest newcomer) through the hub.
    s.hub.reachable = (x, y) => [x, y].some((n) => n === 'b' || n === 'd');
    const [a, b, c] = ['a', 'b', 'c'].map((id) => node(s, id, { relay: true }));
    for (const n of [a!, b!, c!]) n.start();
    await runUntil(s, 'a and c linked', () => state(a!, 'c') === 'connected' && state(c!, 'a') === 'connected');
    await run(s, 300);
    const created = s.net.created;
    const relay = relays.get('a' as NodeId)!;
    const sentBefore = relay.stats().sent;
    const now = s.clock.now();
    const receive = (frame: Uint8Array): void => relay.receiveFrame('b' as NodeId, frame);
    let bytesIn = 0;
    const send = (frame: Uint8Array): void => {
      bytesIn += frame.length;
      receive(frame);
    };
    for (let i = 0; i < SPOOFS; i++) {
      const n = String(i).padStart(4, '0');
      // In c's name, signed with b's own key (forged), and unsigned.
      send(envelope(`forgeda${n}`, announce(`spoofed${n}`, now), now, 'b'));
      send(envelope(`forgedo${n}`, offer(`spoofed${n}`, now), now, 'b'));
      const unsigned = JSON.stringify({ id: `unsigned${n}`, ttl: 2, signal: announce(`unsigned${n}`, now) });
      send(new TextEncoder().encode(unsigned));
      // c's own signatures, two minutes late (a replay).
      send(envelope(`latec${n}`, announce(`oldpage${n}`, now - 120_000), now - 120_000, 'c'));
    }
    // c's own signatures, fresh envelopes, but of a page older than the link (an old stamp), and
    // unstamped: they reach the link manager, which drops them as stale.
    for (let i = 0; i < 2; i++) {
      send(envelope(`oldstamp${i}`, announce(`oldstamp${i}xx`, 1), now, 'c'));
      const { at: _at, ...data } = (offer(`oldoffer${i}x`, 0) as Extract<Signal, { type: 'offer' }>).data;
      send(envelope(`unstamped${i}`, { ...offer('x', 0), data } as Signal, now, 'c'));
    }
    await settle();
    await run(s, 2000);

    expect(state(a!, 'c')).toBe('connected');
    expect(state(c!, 'a')).toBe('connected');
    expect(s.net.created).toBe(created);
    expect(relay.stats().invalid).toMatchObject({ forged: 2 * SPOOFS, unsigned: SPOOFS, stale: SPOOFS });
    expect(a!.dropped()).toMatchObject({ 'stale-announce': 2, 'stale-offer': 2 });
    // The automation handle's securityStats() reports them by reason (issue 12: "rejected ... messages by reason").
    const handle = createMeshHandle(Promise.resolve({ manager: a! } as unknown as Mesh), {
      securityStats: async () => ({ rejected: {} }) as unknown as SecurityStats,
      meshPeers: async () => [],
      syncStatus: async () => ({}) as SyncStatus,
    });
    const { signals } = await handle.securityStats();
    expect(signals).toMatchObject({
      forged: 2 * SPOOFS,
      unsigned: SPOOFS,
      stale: SPOOFS,
      'stale-announce': 2,
      'stale-offer': 2,
    });
    // Bytes out per byte in: none of it was passed on, nor answered.
    expect(relay.stats().sent - sentBefore).toBeLessThanOrEqual(2); // a's own periodic signals at most
    console.log(`attack suite: ${4 * SPOOFS + 4} spoofed signals (${bytesIn} B) made no connection`);

    // An honest newcomer still links with a.
    const d = node(s, 'd', { relay: true });
    d.start();
    await runUntil(s, 'd and a linked', () => state(a!, 'd') === 'connected' && state(d, 'a') === 'connected');
  });
});
