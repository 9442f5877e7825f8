import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CLOSE, attachSignaling, type SignalingServer } from '../../../server/signaling';
import { DEFAULT_LIMITS, type SignalingLimits } from '../../../server/signaling-limits';
import { idOf, testIdentity } from '../support/test-keys';
import { TestClient, sleep, type ConnectOptions } from './ws-client';

/**
 * The attacks of issue 12 on the signaling server, replayed: each asserts the bound now holds and
 * that honest peers are still served. The attacker connects from 127.0.0.2, honest peers from
 * 127.0.0.1: two machines, as the server sees them.
 */
const ATTACKER = '127.0.0.2';

let harness: { url: string; signaling: SignalingServer; http: Server } | undefined;
const clients: TestClient[] = [];
const raw: WebSocket[] = [];

async function start(limits: Partial<SignalingLimits> = {}): Promise<SignalingServer> {
  const http = createServer((_req, res) => res.end('app'));
  const signaling = attachSignaling(http, { limits, log: () => undefined });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  harness = { url: `ws://127.0.0.1:${port}/signal`, signaling, http };
  return signaling;
}

async function join(name: string, options: ConnectOptions & { lattice?: string } = {}): Promise<TestClient> {
  const client = await TestClient.connect(harness!.url, name, options.lattice ?? 'alpha', options);
  clients.push(client);
  return client;
}

/** Resolves with the close code, or 'open' if the socket is still open after `ms`. */
function fate(socket: WebSocket, ms: number): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('open'), ms);
    socket.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function until(done: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.terminate();
  for (const s of raw.splice(0)) s.terminate();
  if (harness !== undefined) {
    await harness.signaling.close();
    await new Promise((resolve) => harness!.http.close(resolve));
    harness = undefined;
  }
});

const offer = (to: string) => ({ type: 'offer', to, data: { session: 'session01', sdp: 'v=0 fake sdp' } });

describe('signaling identity proof', () => {
  it('refuses an announce without proof, and files nobody', async () => {
    const signaling = await start();
    const a = await join('nodeA', { announce: false });
    await a.challenged;
    a.send({ type: 'announce', data: { incarnation: 'incarnation1' } });
    expect(await a.closed).toBe(CLOSE.unproven);
    expect(signaling.stats().members).toBe(0);
    expect(signaling.stats().dropped['no-proof']).toBe(1);
  });

  it('never lets an unproven claim evict the holder of an id', async () => {
    const signaling = await start();
    const holder = await join('nodeB');
    const peer = await join('nodeC');
    // The thief claims nodeB's id, proving with its own key: the id is not that key's hash.
    const thief = await join('nodeB', { announce: false, localAddress: ATTACKER });
    await thief.announce(testIdentity('thief'));
    expect(await thief.closed).toBe(CLOSE.unproven);
    // With nodeB's public key but no private key: a signature it cannot make.
    const forger = await join('nodeB', { announce: false, localAddress: ATTACKER });
    const nonce = await forger.challenged;
    const key = Buffer.from(testIdentity('nodeB').publicKey).toString('base64url');
    forger.send({ type: 'announce', data: { incarnation: 'incarnation2', proof: { key, sig: 'A'.repeat(86) } } });
    expect(await forger.closed).toBe(CLOSE.unproven);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(signaling.stats().dropped).toMatchObject({ 'id-mismatch': 1, 'bad-signature': 1 });
    // The holder kept its registration and is still reached.
    expect(holder.closeCode).toBe(undefined);
    peer.send(offer(idOf('nodeB')));
    await holder.waitFor((m) => m.type === 'offer');
    expect(signaling.stats().closed.replaced).toBe(undefined);
  });

  it('refuses a proof replayed on another socket (the nonce is per socket)', async () => {
    const signaling = await start();
    const victim = await join('nodeB', { announce: false });
    const nonce = await victim.challenged;
    const { sign } = await import('node:crypto');
    const { proofMessage } = await import('../../../src/ports/signal-proof');
    const sig = sign(null, proofMessage('alpha', idOf('nodeB'), nonce), testIdentity('nodeB').privateKey);
    const key = Buffer.from(testIdentity('nodeB').publicKey).toString('base64url');
    const proof = { key, sig: sig.toString('base64url') };
    // Captured on its way to the server, the proof is sent first on the attacker's own socket.
    const replayer = await join('nodeB', { announce: false, localAddress: ATTACKER });
    await replayer.challenged;
    replayer.send({ type: 'announce', data: { incarnation: 'incarnation1', proof } });
    expect(await replayer.closed).toBe(CLOSE.unproven);
    // On the socket it was made for, it is good.
    victim.send({ type: 'announce', data: { incarnation: 'incarnation1', proof } });
    await sleep(100);
    expect(victim.closeCode).toBe(undefined);
    expect(signaling.stats().members).toBe(1);
  });

  it('does not forward the proof to the room', async () => {
    await start();
    const a = await join('nodeA');
    await join('nodeB');
    const got = await a.waitFor((m) => m.type === 'announce');
    expect(got.data).toEqual({ incarnation: 'incarnation1' });
  });
});

describe('signaling limits under attack', () => {
  it('one address holding 800 unannounced sockets: at most maxUnannouncedPerAddress are kept', async () => {
    const signaling = await start();
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 800; i++) {
      const socket = new WebSocket(harness!.url, { localAddress: ATTACKER });
      socket.on('error', () => undefined);
      sockets.push(socket);
      raw.push(socket);
    }
    const codes: number[] = [];
    for (const socket of sockets) socket.once('close', (code) => codes.push(code));
    const kept = DEFAULT_LIMITS.maxUnannouncedPerAddress;
    await until(() => codes.length >= 800 - kept, 20_000);
    await sleep(100);
    expect(codes.length).toBe(800 - kept);
    expect(codes.every((code) => code === CLOSE.tooMany)).toBe(true);
    expect(signaling.stats().unannounced).toBe(kept);
    expect(signaling.stats().limits.maxUnannouncedPerAddress).toBe(800 - kept);
    // Honest peers on other addresses are served meanwhile.
    const a = await join('nodeA');
    const b = await join('nodeB');
    a.send(offer(b.id));
    await b.waitFor((m) => m.type === 'offer');
  });

  it('unannounced sockets are cut at the announce deadline, freeing the address', async () => {
    const signaling = await start({ announceTimeoutMs: 150 });
    const idle = new WebSocket(harness!.url, { localAddress: ATTACKER });
    raw.push(idle);
    expect(await fate(idle, 2000)).toBe(CLOSE.noAnnounce);
    expect(signaling.stats().closed['no-announce']).toBe(1);
    await until(() => signaling.stats().sockets === 0 && signaling.stats().addresses === 0);
    expect(signaling.stats().unannounced).toBe(0);
  });

  it('one address filling a room with 512 fake ids gets its share only; honest peers still join', async () => {
    const signaling = await start();
    const fakes: TestClient[] = [];
    for (let i = 0; i < 512; i++) {
      const fake = await join(`fake${i}`, { localAddress: ATTACKER });
      fakes.push(fake);
      if (i % 64 === 63) await sleep(10);
    }
    await sleep(200);
    const alive = fakes.filter((f) => f.closeCode === undefined).length;
    expect(alive).toBe(DEFAULT_LIMITS.maxRoomSharePerAddress);
    expect(signaling.stats().members).toBe(DEFAULT_LIMITS.maxRoomSharePerAddress);
    expect(signaling.stats().closed['room-share']).toBe(512 - alive);
    expect(signaling.stats().limits.maxRoomSharePerAddress).toBe(512 - alive);
    const a = await join('nodeA');
    const b = await join('nodeB');
    await until(() => signaling.stats().members === alive + 2);
    a.send(offer(b.id));
    await b.waitFor((m) => m.type === 'offer');
  });

  it('caps sockets per address, announced or not', async () => {
    const signaling = await start({ maxSocketsPerAddress: 5, maxRoomSharePerAddress: 100 });
    const fates: (number | undefined)[] = [];
    for (let i = 0; i < 8; i++) {
      const c = await join(`many${i}`, { localAddress: ATTACKER, lattice: `room${i}` });
      await sleep(20);
      fates.push(c.closeCode);
    }
    expect(fates.filter((f) => f === undefined).length).toBe(5);
    expect(fates.filter((f) => f === CLOSE.tooMany).length).toBe(3);
    expect(signaling.stats().limits.maxSocketsPerAddress).toBe(3);
    await join('nodeA');
  });

  it('an announce is forwarded to at most `fanout` peers, not to 99; broadcasts are rate-limited', async () => {
    const signaling = await start({ maxRoomSharePerAddress: 100, maxSocketsPerAddress: 200 });
    const room: TestClient[] = [];
    for (let i = 0; i < 99; i++) room.push(await join(`peer${i}`));
    await sleep(200);
    const attacker = await join('loud', { localAddress: ATTACKER });
    await sleep(100);
    const before = signaling.stats().forwarded;
    // The socket's first announce was one broadcast; then a hundred more.
    for (let i = 0; i < 100; i++) attacker.send({ type: 'announce', data: { incarnation: `incarnation${i}x` } });
    await sleep(300);
    const forwarded = signaling.stats().forwarded - before;
    const { fanout, broadcastBurst } = DEFAULT_LIMITS;
    // What is left of the burst after the first announce (plus a token refilled meanwhile), each
    // to `fanout` peers: ×16 per broadcast, never ×99, and ~9 broadcasts, not 100.
    expect(forwarded).toBeLessThanOrEqual(broadcastBurst * fanout);
    expect(forwarded).toBeGreaterThan(0);
    expect(signaling.stats().limits.broadcastPerSecond).toBeGreaterThan(80);
    expect(signaling.stats().limits.fanout).toBeGreaterThan(0);
    // Least recently served first: the broadcasts went to distinct peers, none twice before all once.
    const heard = room.map((p) => p.received.filter((m) => (m as { from: string }).from === attacker.id).length);
    expect(Math.max(...heard) - Math.min(...heard)).toBeLessThanOrEqual(1);
    // Addressed messages are not limited by fan-out: an honest reply still reaches the attacker's peers.
    room[0]!.send(offer(room[98]!.id));
    await room[98]!.waitFor((m) => m.type === 'offer');
  });
});
