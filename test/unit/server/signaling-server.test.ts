import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE, attachSignaling, type SignalingServer } from '../../../server/signaling';
import type { SignalingLimits } from '../../../server/signaling-limits';
import { idOf } from '../support/test-keys';
import { TestClient, sleep } from './ws-client';

interface Harness {
  readonly url: string;
  readonly signaling: SignalingServer;
  readonly http: Server;
}

let harness: Harness | undefined;
const clients: TestClient[] = [];

async function start(limits: Partial<SignalingLimits> = {}): Promise<Harness> {
  const http = createServer((_req, res) => res.end('app'));
  const signaling = attachSignaling(http, { limits, log: () => undefined });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  harness = { url: `ws://127.0.0.1:${port}/signal`, signaling, http };
  return harness;
}

async function join(
  id: string,
  lattice = 'alpha',
  options: Parameters<typeof TestClient.connect>[3] = {},
): Promise<TestClient> {
  const client = await TestClient.connect(harness!.url, id, lattice, options);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.terminate();
  if (harness !== undefined) {
    await harness.signaling.close();
    await new Promise((resolve) => harness!.http.close(resolve));
    harness = undefined;
  }
});

const offer = (to: string) => ({ type: 'offer', to, data: { session: 'session01', sdp: 'v=0 fake sdp' } });

describe('attachSignaling', () => {
  it('broadcasts announces within the lattice only', async () => {
    await start();
    const a = await join('nodeA');
    const other = await join('nodeX', 'beta');
    const b = await join('nodeB');
    const got = await a.waitFor((m) => m.type === 'announce' && m.from === idOf('nodeB'));
    expect(got).toEqual({
      type: 'announce',
      from: idOf('nodeB'),
      lattice: 'alpha',
      data: { incarnation: 'incarnation1' },
    });
    await sleep(100);
    expect(other.received).toEqual([]);
    // An announce never comes back to its sender.
    expect(b.received.filter((m) => (m as { from: string }).from === idOf('nodeB'))).toEqual([]);
  });

  it('forwards an addressed message to the named peer only', async () => {
    const { signaling } = await start();
    const a = await join('nodeA');
    const b = await join('nodeB');
    const c = await join('nodeC');
    a.send(offer(idOf('nodeB')));
    const got = await b.waitFor((m) => m.type === 'offer');
    expect(got).toEqual({ from: idOf('nodeA'), lattice: 'alpha', ...offer(idOf('nodeB')) });
    await sleep(100);
    expect(c.received.some((m) => (m as { type: string }).type === 'offer')).toBe(false);
    expect(signaling.stats().members).toBe(3);
  });

  it('never forwards into another lattice', async () => {
    const { signaling } = await start();
    const a = await join('nodeA', 'alpha');
    const b = await join('nodeB', 'beta');
    a.send(offer(idOf('nodeB')));
    // Claiming the other lattice in the message is spoofing: the socket announced alpha.
    a.send({ ...offer(idOf('nodeB')), lattice: 'beta' });
    await sleep(150);
    expect(b.received).toEqual([]);
    expect(signaling.stats().dropped).toMatchObject({ 'unknown-peer': 1, spoofed: 1 });
  });

  it('drops and counts messages that claim another sender', async () => {
    const { signaling } = await start();
    await join('nodeA');
    const b = await join('nodeB');
    const c = await join('nodeC');
    c.send({ ...offer(idOf('nodeA')), from: idOf('nodeB') });
    await sleep(150);
    expect(signaling.stats().dropped.spoofed).toBe(1);
    expect(b.closeCode).toBe(undefined);
  });

  it('validates every message and closes a socket that keeps sending garbage', async () => {
    const { signaling } = await start({ maxInvalid: 5 });
    const a = await join('nodeA');
    const b = await join('nodeB');
    a.sendRaw('not json');
    a.send({ type: 'offer', to: idOf('nodeB'), data: { session: 'x', sdp: 'v=0' } });
    a.send({ type: 'candidate', data: { session: 'session01', candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } });
    a.send({ type: 'wat', to: idOf('nodeB'), data: {} });
    a.sendRaw(Buffer.from([1, 2, 3]));
    await sleep(150);
    expect(a.closeCode).toBe(undefined);
    expect(signaling.stats().dropped).toMatchObject({
      'not-json': 1,
      'bad-data': 1,
      'missing-to': 1,
      'bad-type': 1,
      binary: 1,
    });
    a.sendRaw('{');
    expect(await a.closed).toBe(CLOSE.policy);
    expect(signaling.stats().closed.abusive).toBe(1);
    // Nothing invalid reached the other peer.
    expect(b.received).toEqual([]);
  });

  it('closes a socket that sends a message over the size limit', async () => {
    await start({ maxMessageBytes: 4096 });
    const a = await join('nodeA');
    a.send({ type: 'offer', to: idOf('nodeB'), data: { session: 'session01', sdp: 'x'.repeat(5000) } });
    expect(await a.closed).toBe(1009);
  });

  it('requires an announce first, and within the timeout', async () => {
    const { signaling } = await start({ announceTimeoutMs: 200 });
    const b = await join('nodeB');
    const a = await join('nodeA', 'alpha', { announce: false });
    a.send(offer(idOf('nodeB')));
    await sleep(50);
    expect(signaling.stats().dropped['not-announced']).toBe(1);
    expect(await a.closed).toBe(CLOSE.noAnnounce);
    expect(b.received).toEqual([]);
  });

  it('replaces the socket of a node that connects again, without telling the room it left', async () => {
    const { signaling } = await start();
    const a = await join('nodeA');
    const old = await join('nodeB');
    const fresh = await join('nodeB');
    expect(await old.closed).toBe(CLOSE.replaced);
    a.send(offer(idOf('nodeB')));
    await fresh.waitFor((m) => m.type === 'offer');
    await sleep(50);
    expect(a.received.some((m) => (m as { type: string }).type === 'bye')).toBe(false);
    expect(signaling.stats().members).toBe(2);
  });

  it('tells the lattice when a node’s socket is gone', async () => {
    await start();
    const a = await join('nodeA');
    const b = await join('nodeB');
    b.close();
    const bye = await a.waitFor((m) => m.type === 'bye');
    expect(bye).toEqual({ type: 'bye', from: idOf('nodeB'), lattice: 'alpha', data: { reason: 'gone' } });
  });

  it('drops sockets that stop answering pings', async () => {
    const { signaling } = await start({ heartbeatMs: 80 });
    const live = await join('nodeA');
    const dead = await join('nodeB', 'alpha', { autoPong: false });
    expect(await dead.closed).toBe(1006);
    await sleep(200);
    expect(live.closeCode).toBe(undefined);
    expect(signaling.stats().closed.dead).toBe(1);
    expect(signaling.stats().members).toBe(1);
  });

  it('rate-limits a flooding socket and then closes it', async () => {
    const { signaling } = await start({ ratePerSecond: 10, burst: 20, maxInvalid: 30 });
    const a = await join('nodeA');
    const b = await join('nodeB');
    for (let i = 0; i < 100; i++) a.send(offer(idOf('nodeB')));
    expect(await a.closed).toBe(CLOSE.policy);
    expect(signaling.stats().dropped.rate).toBeGreaterThan(0);
    // The burst got through, the flood did not.
    expect(b.received.length).toBeLessThanOrEqual(21);
  });

  it('refuses browsers from another origin', async () => {
    await start();
    await expect(TestClient.connect(harness!.url, 'nodeA', 'alpha', { origin: 'http://evil.example' })).rejects.toThrow(
      /401|403/,
    );
    const ok = await join('nodeB', 'alpha', { origin: new URL(harness!.url).origin.replace('ws:', 'http:') });
    expect(ok.closeCode).toBe(undefined);
  });
});

describe('createAppServer', () => {
  it('serves signaling at /signal on the app’s own origin, and its counters at /metrics', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createAppServer } = await import('../../../server/app-server');
    const dist = await mkdtemp(join(tmpdir(), 'lm-sig-'));
    await writeFile(join(dist, 'index.html'), '<!doctype html>');
    const app = await createAppServer({ distDir: dist, port: 0, host: '127.0.0.1' });
    try {
      const url = `${app.url.replace('http', 'ws')}signal`;
      const a = await TestClient.connect(url, 'nodeA', 'alpha');
      const b = await TestClient.connect(url, 'nodeB', 'alpha');
      await a.waitFor((m) => m.from === idOf('nodeB'));
      expect(app.signaling?.stats().members).toBe(2);
      // A claim without proof is refused, and counted on GET /metrics for the operator.
      const c = await TestClient.connect(url, 'nodeC', 'alpha', { announce: false });
      await c.challenged;
      c.send({ type: 'announce', data: { incarnation: 'incarnation1' } });
      expect(await c.closed).toBe(CLOSE.unproven);
      const metrics = await fetch(`${app.url}metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await metrics.text();
      expect(text).toContain('# TYPE lattice_signaling_members gauge\nlattice_signaling_members 2\n');
      expect(text).toContain('lattice_signaling_dropped_total{reason="no-proof"} 1\n');
      expect(text).toContain('lattice_signaling_closed_total{reason="unproven"} 1\n');
      a.socket.terminate();
      b.socket.terminate();
    } finally {
      await app.close();
      await rm(dist, { recursive: true, force: true });
    }
  });
});
