import { CHANNEL } from '../../../../src/adapters/webrtc/frame-channel';
import { describe, expect, it } from 'vitest';
import { toBase64url } from '../../../../src/core/bytes/base64url';
import { relaySignalBytes } from '../../../../src/ports/relay-signal-proof';
import { syncSigner, testIdentity } from '../../support/test-keys';
import type { LinkManager } from '../../../../src/app/mesh/link-manager';
import type { NodeId } from '../../../../src/core/ids';
import type { BridgeEvents } from '../../../../src/app/mesh/worker-bridge';
import type { Signal } from '../../../../src/ports/signaling';
import { connected, node, relays, run, runUntil, settle, setup, state } from './link-harness';

describe('LinkManager', () => {
  it('connects every pair exactly once, the lower id opening (no glare)', async () => {
    const s = setup();
    const nodes = ['n1', 'n2', 'n3'].map((id) => node(s, id));
    // All announce at the same moment: the worst case for glare.
    for (const n of nodes) n.start();
    await runUntil(s, 'a full triangle', () => nodes.every((n) => n.connectedPeers().length === 2));
    await run(s, 300);
    // One connection per pair: two ends each, nothing created and thrown away.
    expect(s.net.created).toBe(6);
    expect(s.net.live.size).toBe(6);
    const n1 = nodes[0]!.peers();
    expect(n1.map((p) => [p.id, p.initiator, p.via])).toEqual([
      ['n2', true, 'broadcast'],
      ['n3', true, 'broadcast'],
    ]);
    expect(nodes[2]!.peers().every((p) => !p.initiator)).toBe(true);
  });

  it('keeps a partial mesh: at most maxLinks per node, existing links kept', async () => {
    const s = setup();
    const nodes = Array.from({ length: 7 }, (_, i) => node(s, `n${i}`, { maxLinks: 3 }));
    for (const n of nodes) n.start();
    await run(s, 2500);
    for (const n of nodes)
      expect(n.peers().filter((p) => p.state === 'connecting' || p.state === 'connected').length).toBeLessThanOrEqual(
        3,
      );
    const before = nodes.map((n) =>
      n
        .peers()
        .filter((p) => p.state === 'connected')
        .map((p) => [p.id, p.connectedSince]),
    );
    expect(before.flat().length).toBeGreaterThan(7);
    // A newcomer does not displace anyone's existing links.
    node(s, 'n99', { maxLinks: 3 }).start();
    await run(s, 1500);
    nodes.forEach((n, i) => {
      const still = n
        .peers()
        .filter((p) => p.state === 'connected')
        .map((p) => [p.id, p.connectedSince]);
      for (const link of before[i]!) expect(still).toContainEqual(link);
    });
  });

  it('loses no frame that arrives before its own side reports connect', async () => {
    const s = setup();
    s.net.connectSkewMs = 300;
    const got: Record<string, Uint8Array[]> = { a: [], b: [] };
    const a = node(s, 'a', { delivered: got.a! });
    const b = node(s, 'b', { delivered: got.b! });
    a.start();
    b.start();
    await runUntil(s, 'both hellos', () => got.a!.length === 1 && got.b!.length === 1);
    expect(new TextDecoder().decode(got.a![0]!.subarray(1))).toBe('hello b');
    expect(new TextDecoder().decode(got.b![0]!.subarray(1))).toBe('hello a');
  });

  it.each([
    ['one after another', 150],
    ['all at once', 0],
  ])('keeps 20 nodes joining %s in one connected partial mesh', async (_how, gapMs) => {
    const s = setup();
    const nodes: LinkManager[] = [];
    for (let i = 0; i < 20; i++) {
      const n = node(s, `n${String(i).padStart(2, '0')}`);
      nodes.push(n);
      n.start();
      if (gapMs > 0) await run(s, gapMs);
    }
    await run(s, 3000);
    const degree = nodes.map((n) => n.connectedPeers().length);
    expect(Math.max(...degree)).toBeLessThanOrEqual(8);
    expect(Math.min(...degree)).toBeGreaterThanOrEqual(1);
    // Every node reaches every other over open links.
    const byId = new Map(nodes.map((n) => [n.self as string, n]));
    const seen = new Set<string>(['n00']);
    const queue = ['n00'];
    while (queue.length > 0) {
      for (const next of byId.get(queue.shift()!)!.connectedPeers()) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    expect(seen.size).toBe(20);
  });

  it('partitions one link, refuses the peer at the listener, and heals', async () => {
    const s = setup();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => node(s, id));
    for (const n of [a!, b!, c!]) n.start();
    await runUntil(s, 'a full triangle', () => [a!, b!, c!].every((n) => n.connectedPeers().length === 2));
    b!.partition('a' as NodeId);
    expect(state(b!, 'a')).toBe('refused');
    expect(state(b!, 'c')).toBe('connected');
    await runUntil(s, 'a sees the link down', () => state(a!, 'b') !== 'connected');
    // a keeps retrying (it is the opener) and b keeps refusing.
    await run(s, 2500);
    expect(state(b!, 'a')).toBe('refused');
    expect(state(a!, 'b')).not.toBe('connected');
    expect(b!.dropped().refused).toBeGreaterThan(0);
    b!.heal('a' as NodeId);
    await runUntil(s, 'healed', () => state(a!, 'b') === 'connected' && state(b!, 'a') === 'connected');
  });

  it('partitions a whole node and heals it', async () => {
    const s = setup();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => node(s, id));
    for (const n of [a!, b!, c!]) n.start();
    await runUntil(s, 'a full triangle', () => [a!, b!, c!].every((n) => n.connectedPeers().length === 2));
    a!.partition();
    expect(a!.peers().map((p) => p.state)).toEqual(['refused', 'refused']);
    await runUntil(s, 'others see a gone', () => state(b!, 'a') !== 'connected' && state(c!, 'a') !== 'connected');
    await run(s, 1500);
    expect(connected(a!)).toEqual([]);
    expect(connected(b!)).toEqual(['c']);
    a!.heal();
    await runUntil(s, 'healed', () => [a!, b!, c!].every((n) => n.connectedPeers().length === 2));
  });

  it('links again as soon as a partitioned peer heals, not after the opener backed off while refused', async () => {
    // b refuses everyone; a (the lower id, so the opener) keeps offering and backs off. On heal, b
    // tells a it is back: a must open at once, not at its next backoff retry (tens of seconds).
    const s = setup();
    const [a, b] = ['a', 'b'].map((id) => node(s, id));
    a!.start();
    b!.start();
    await runUntil(s, 'linked', () => state(a!, 'b') === 'connected' && state(b!, 'a') === 'connected');
    b!.partition();
    // After a's fifth refused offer its next retry is 4-12 s away (500 ms · 2^4, jittered).
    await runUntil(s, 'five refused offers', () => (a!.peers()[0]?.attempts ?? 0) >= 5, 60_000);
    expect(a!.peers()[0]!.lastError).toBe('refused');
    b!.heal();
    await runUntil(s, 'relinked', () => state(a!, 'b') === 'connected' && state(b!, 'a') === 'connected', 1000);
  });

  it('a refusal without a session does not count as the peer refusing us: its announce then skips no backoff', async () => {
    // Every refusal a node sends names the session it refuses; one without a session (a replay,
    // or a hostile peer's) must not make the next addressed announce look like a healed partition.
    const s = setup();
    const [a, b] = ['a', 'b'].map((id) => node(s, id));
    a!.start();
    b!.start();
    await runUntil(s, 'linked', () => state(a!, 'b') === 'connected' && state(b!, 'a') === 'connected');
    const announce = s.hub.log.find((x) => x.from === 'b' && x.type === 'announce')!;
    s.net.breakAll();
    await runUntil(s, 'both see it', () => state(a!, 'b') !== 'connected' && state(b!, 'a') !== 'connected');
    const created = s.net.created;
    const attempts = a!.peers()[0]!.attempts;
    expect(attempts).toBeGreaterThan(0);
    s.hub.inject(
      'a' as NodeId,
      { type: 'bye', from: 'b', to: 'a', lattice: 'alpha', data: { reason: 'refused' } } as Signal,
    );
    s.hub.inject('a' as NodeId, { ...announce, to: 'a' } as Signal);
    await settle();
    // No new connection at once, and the backoff not reset (the bye may count as one more failure).
    expect(s.net.created).toBe(created);
    expect(a!.peers()[0]!.attempts).toBeGreaterThanOrEqual(attempts);
  });

  it('reconnects with backoff after the connections fail', async () => {
    const s = setup();
    const [a, b] = ['a', 'b'].map((id) => node(s, id));
    a!.start();
    b!.start();
    await runUntil(s, 'linked', () => state(a!, 'b') === 'connected');
    s.net.breakAll();
    await runUntil(s, 'both see it', () => state(a!, 'b') !== 'connected' && state(b!, 'a') !== 'connected');
    expect(a!.peers()[0]!.lastError).toBe('ERR_ICE_CONNECTION_FAILURE');
    await runUntil(s, 'relinked', () => state(a!, 'b') === 'connected' && state(b!, 'a') === 'connected', 5000);
    // The failure is remembered until the new connection has stayed up for stableMs.
    expect(a!.peers()[0]!.attempts).toBe(1);
  });

  it('ignores the retired ping channel (2) of older peers quietly, and counts other unknown channels', async () => {
    const s = setup();
    const [a, b] = ['a', 'b'].map((id) => node(s, id));
    a!.start();
    b!.start();
    await runUntil(s, 'linked', () => state(a!, 'b') === 'connected' && state(b!, 'a') === 'connected');
    for (const p of s.net.live) p.events.data(new Uint8Array([2, 1, 2, 3]));
    expect(a!.dropped()['unknown-channel']).toBeUndefined();
    expect(b!.dropped()['unknown-channel']).toBeUndefined();
    for (const p of s.net.live) p.events.data(new Uint8Array([3, 1]));
    expect(a!.dropped()['unknown-channel']).toBe(1);
    expect(state(a!, 'b')).toBe('connected');
  });

  it('ends a link whose sync session the worker declared dead, and links again', async () => {
    // Silence is detected by the sync heartbeat in the worker (PeerSession); the page acts on its verdict.
    const s = setup();
    const workers = new Map<NodeId, BridgeEvents>();
    const a = node(s, 'a', { workers });
    const b = node(s, 'b');
    a.start();
    b.start();
    await runUntil(s, 'linked', () => state(a, 'b') === 'connected');
    const created = s.net.created;
    workers.get('b' as NodeId)!.close('dead: nothing heard for 8000 ms');
    expect(a.peers()[0]!.lastError).toBe('worker: dead: nothing heard for 8000 ms');
    expect(state(a, 'b')).toBe('disconnected');
    await runUntil(s, 'relinked', () => state(a, 'b') === 'connected' && state(b, 'a') === 'connected', 5000);
    expect(s.net.created).toBeGreaterThan(created);
  });

  it('does not count a link the worker refused and waits on to close: an honest peer still gets in', async () => {
    // The worker's mesh refused b at admission and lingers for b's close (REFUSAL_LINGER_MS); the
    // page used to count that link as open, so refused strangers reconnecting at once kept honest
    // offers out ("full").
    const s = setup();
    const workers = new Map<NodeId, BridgeEvents>();
    const a = node(s, 'a', { workers, maxLinks: 1 });
    const b = node(s, 'b');
    a.start();
    b.start();
    await runUntil(s, 'a linked to b', () => state(a, 'b') === 'connected');
    workers.get('b' as NodeId)!.lingering!();
    const c = node(s, 'c');
    c.start();
    await runUntil(s, 'a linked to c', () => state(a, 'c') === 'connected', 5000);
    expect(state(a, 'b')).toBe('connected'); // still waiting for b to close
  });

  it('stops retrying a peer that said it left, and leaks no connection', async () => {
    const s = setup();
    const [a, b] = ['a', 'b'].map((id) => node(s, id));
    a!.start();
    b!.start();
    await runUntil(s, 'linked', () => state(a!, 'b') === 'connected');
    b!.stop();
    await runUntil(s, 'a sees b leave', () => state(a!, 'b') === 'disconnected');
    const created = s.net.created;
    await run(s, 2000);
    expect(s.net.created).toBe(created);
    expect(s.net.live.size).toBe(0);
  });

  it('never connects nodes of different lattices', async () => {
    const s = setup();
    const a = node(s, 'a', { lattice: 'alpha' });
    const b = node(s, 'b', { lattice: 'bravo' });
    a.start();
    b.start();
    await run(s, 500);
    expect(a.peers()).toEqual([]);
    expect(b.peers()).toEqual([]);
    expect(s.net.created).toBe(0);
  });

  it('reaches a peer of a peer by relayed signaling', async () => {
    const s = setup();
    // The shared medium only joins a–b and b–c; a and c must meet through b.
    s.hub.reachable = (x, y) => x === 'b' || y === 'b';
    const [a, b, c] = ['a', 'b', 'c'].map((id) => node(s, id, { relay: true }));
    for (const n of [a!, b!, c!]) n.start();
    await runUntil(s, 'a and c linked', () => state(a!, 'c') === 'connected' && state(c!, 'a') === 'connected');
    expect(a!.peers().find((p) => p.id === 'c')?.via).toBe('relay');
    const relay = a!.signaling().find((t) => t.kind === 'relay');
    expect(relay?.sent).toBeGreaterThan(0);
  });

  it('hands relayed signaling to the worker, whose link budget puts it on the channel (docs/budgeter.md)', async () => {
    const s = setup();
    const signals: Uint8Array[] = [];
    const a = node(s, 'a', { signals });
    const b = node(s, 'b');
    a.start();
    b.start();
    await runUntil(s, 'a and b linked', () => state(a, 'b') === 'connected');
    const onWire = (): number => s.net.wire.filter((m) => m[0] === CHANNEL.relay).length;
    const before = onWire();
    const payload = new TextEncoder().encode('{"id":"x","ttl":4}');
    expect(a.sendRelay('b' as NodeId, payload)).toBe(true);
    await run(s, 50);
    // Nothing went on the channel behind the budget's back: the worker has it.
    expect(onWire()).toBe(before);
    expect(signals).toEqual([payload]);
  });

  /**
   * a (the lower id, so the one that offers) links to c, reloads its page, and links again: the
   * old page's announce and offer, the new page, c, and how many connections existed then.
   */
  async function reloadA(s: ReturnType<typeof setup>) {
    const c = node(s, 'c');
    const first = node(s, 'a');
    c.start();
    first.start();
    await runUntil(s, 'a and c linked', () => state(c, 'a') === 'connected');
    first.stop();
    await run(s, 100);
    const oldAnnounce = s.hub.log.find((x) => x.from === 'a' && x.type === 'announce')!;
    const oldOffer = s.hub.log.find((x) => x.from === 'a' && x.type === 'offer')!;
    const second = node(s, 'a');
    second.start();
    await runUntil(
      s,
      'c and the new a linked',
      () => state(c, 'a') === 'connected' && state(second, 'c') === 'connected',
    );
    await run(s, 300);
    const created = s.net.created;
    return { c, second, oldAnnounce, oldOffer, created };
  }

  it('an older signed announce or offer of the peer does not supersede the live link', async () => {
    const s = setup();
    // a (the lower id, so the one that offers) reloads its page; c holds the link to it.
    const { c, second, oldAnnounce, oldOffer, created } = await reloadA(s);
    // Replays of the old page's signed announce (another incarnation) and offer (another session),
    // both stamped before the new page's, and an unstamped announce of another incarnation.
    s.hub.inject('c' as NodeId, oldAnnounce);
    s.hub.inject('c' as NodeId, oldOffer);
    s.hub.inject('c' as NodeId, { ...oldAnnounce, data: { incarnation: 'unstamped01' } } as Signal);
    await settle();
    expect(state(c, 'a')).toBe('connected');
    await run(s, 500);
    expect(state(c, 'a')).toBe('connected');
    expect(state(second, 'c')).toBe('connected');
    expect(s.net.created).toBe(created);
    expect(c.dropped()).toMatchObject({ 'stale-announce': 2, 'stale-offer': 1 });
  });

  it('an unstamped announce or offer (an older client, or a replay of one) never ends a live link, and still opens one', async () => {
    const s = setup();
    // a runs an older build that stamps nothing: no stamp is ever known from it.
    s.hub.rewrite = (x) => {
      if (x.from !== 'a' || (x.type !== 'announce' && x.type !== 'offer')) return x;
      const { at: _at, ...data } = x.data;
      return { ...x, data } as Signal;
    };
    // The older client's new page links, by unstamped signals, once its old link is gone.
    const { c, second, oldAnnounce, oldOffer, created } = await reloadA(s);
    expect(oldAnnounce.type === 'announce' && oldAnnounce.data.at).toBeUndefined();
    // Replays of its old page's announce and offer, unstamped: they leave the live link alone.
    s.hub.inject('c' as NodeId, oldAnnounce);
    s.hub.inject('c' as NodeId, oldOffer);
    await settle();
    await run(s, 500);
    expect(state(c, 'a')).toBe('connected');
    expect(state(second, 'c')).toBe('connected');
    expect(s.net.created).toBe(created);
    expect(c.dropped()).toMatchObject({ 'stale-announce': 1, 'stale-offer': 1 });
  });

  it('a relaying peer cannot end a link with a bye forged in another node’s name', async () => {
    const s = setup();
    s.hub.reachable = (x, y) => x === 'b' || y === 'b';
    const [a, b, c] = ['a', 'b', 'c'].map((id) => node(s, id, { relay: true }));
    for (const n of [a!, b!, c!]) n.start();
    await runUntil(s, 'a and c linked', () => state(a!, 'c') === 'connected' && state(c!, 'a') === 'connected');
    // b, the relay between them, tells a that c left: signed with b's own key, and unsigned.
    const signal = { type: 'bye', from: 'c', to: 'a', lattice: 'alpha', data: { reason: 'left' } } as const;
    const at = s.clock.now();
    const bytes = relaySignalBytes('forged0001', at, signal as unknown as Signal);
    const bKey = testIdentity('b');
    const forged = {
      id: 'forged0001',
      ttl: 2,
      signal,
      at,
      key: toBase64url(bKey.publicKey),
      sig: toBase64url(syncSigner(bKey).sign(bytes) as Uint8Array),
    };
    const encode = (x: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(x));
    relays.get('a' as NodeId)!.receiveFrame('b' as NodeId, encode(forged));
    relays.get('a' as NodeId)!.receiveFrame('b' as NodeId, encode({ id: 'forged0002', ttl: 2, signal }));
    expect(state(a!, 'c')).toBe('connected');
    await run(s, 500);
    expect(state(a!, 'c')).toBe('connected');
    expect(relays.get('a' as NodeId)!.stats().invalid).toMatchObject({ forged: 1, unsigned: 1 });
  });
});
