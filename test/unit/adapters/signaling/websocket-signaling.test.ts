import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { attachSignaling, type SignalingServer } from '../../../../server/signaling';
import { WebSocketSignaling, signalingUrl } from '../../../../src/adapters/signaling/websocket-signaling';
import type { Signal } from '../../../../src/ports/signaling';
import { until } from '../../support/wait';
import { testIdentity } from '../../support/test-keys';

interface Running {
  http: Server;
  signaling: SignalingServer;
  port: number;
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(port = 0): Promise<Running> {
  const http = createServer();
  const signaling = attachSignaling(http, { log: () => undefined });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const running = { http, signaling, port: (http.address() as AddressInfo).port };
  cleanup.push(() => stop(running));
  return running;
}

async function stop(r: Running): Promise<void> {
  await r.signaling.close();
  await new Promise((resolve) => r.http.close(resolve));
}

function client(port: number, name: string): { transport: WebSocketSignaling; got: Signal[] } {
  const got: Signal[] = [];
  const { id: self, signer } = testIdentity(name);
  const transport = new WebSocketSignaling({
    url: `ws://127.0.0.1:${port}/signal`,
    self,
    lattice: 'alpha',
    log: () => undefined,
    announce: () => ({ type: 'announce', from: self, lattice: 'alpha', data: { incarnation: 'incarnation1' } }),
    signer,
    backoff: { baseMs: 50, maxMs: 200 },
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  transport.start((s) => got.push(s));
  cleanup.push(() => transport.close());
  return { transport, got };
}

describe('WebSocketSignaling against the real server', () => {
  it('derives the endpoint from the page origin', () => {
    expect(signalingUrl('http://127.0.0.1:8787/?lattice=x')).toBe('ws://127.0.0.1:8787/signal');
    expect(signalingUrl('https://field.example/app/')).toBe('wss://field.example/signal');
  });

  it('announces on connect and exchanges addressed messages', async () => {
    const { port } = await serve();
    const a = client(port, 'nodeA');
    const b = client(port, 'nodeB');
    await until('both open', () => a.transport.stats().state === 'open' && b.transport.stats().state === 'open');
    await until('b heard of a or a of b', () => a.got.length + b.got.length > 0);
    const offer: Signal = {
      type: 'offer',
      from: testIdentity('nodeA').id,
      to: testIdentity('nodeB').id,
      lattice: 'alpha',
      data: { session: 'session01', sdp: 'v=0' },
    };
    expect(a.transport.send(offer)).toBe(true);
    await until('b got the offer', () => b.got.some((s) => s.type === 'offer'));
    expect(b.got.find((s) => s.type === 'offer')).toEqual(offer);
  });

  it('reconnects with backoff when the server comes back, and announces again', async () => {
    const first = await serve();
    const a = client(first.port, 'nodeA');
    await until('open', () => a.transport.stats().state === 'open');
    await stop(first);
    await until('lost', () => a.transport.stats().state !== 'open');
    expect(
      a.transport.send({ type: 'bye', from: testIdentity('nodeA').id, lattice: 'alpha', data: { reason: 'left' } }),
    ).toBe(false);
    const second = await serve(first.port);
    await until('open again', () => a.transport.stats().state === 'open', 5000);
    await until('announced again', () => second.signaling.stats().members === 1);
  });
});
