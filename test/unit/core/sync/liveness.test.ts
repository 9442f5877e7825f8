import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import {
  encodeMessage,
  MessageType,
  PeerSession,
  SessionState,
  SyncEncodeError,
  SyncIndex,
  SYNC_PROTOCOL_VERSION,
  type SessionOptions,
  type SyncMessage,
} from '../../../../src/core/sync';
import { encodeVersions } from '../../../../src/core/wire';
import { Side, version } from './session-pair';

const hello = (now: number): SyncMessage => ({
  type: MessageType.Hello,
  protocol: SYNC_PROTOCOL_VERSION,
  node: 'z' as NodeId,
  lattice: 'L',
  time: now,
  items: 0,
  newest: 0,
  key: new Uint8Array(32),
  nonce: new Uint8Array(16),
});
/** The peer's proof (the session alone has no host to check it: any signature passes). */
const proof: SyncMessage = { type: MessageType.Proof, sig: new Uint8Array(64) };

/** Our side 'a' against a scripted peer 'z' we drive frame by frame. */
function scripted(options: Partial<SessionOptions> = {}): {
  a: Side;
  send: (m: SyncMessage) => void;
  /** The peer's hello and proof: the handshake completes. */
  handshake: () => void;
  wait: (ms: number) => void;
  now: () => number;
} {
  let now = 10_000;
  const a = new Side('a', []);
  a.open('z', now, { heartbeatMs: 2000, deadAfterMs: 8000, ...options });
  return {
    a,
    send: (m) => a.session.receive(encodeMessage(m), now),
    handshake: () => {
      a.session.receive(encodeMessage(hello(now)), now);
      a.session.receive(encodeMessage(proof), now);
    },
    wait: (ms) => {
      for (let t = 0; t < ms; t += 50) {
        now += 50;
        a.session.tick(now);
      }
    },
    now: () => now,
  };
}

describe('PeerSession liveness', () => {
  it('a peer that sends valid frames but never answers a ping is dead after pongWithinMs', () => {
    const p = scripted({ pongWithinMs: 30_000 });
    p.handshake();
    for (let i = 0; i < 10 && p.a.closedWith === undefined; i++) {
      p.wait(7900);
      p.send({ type: MessageType.Prune });
    }
    expect(p.a.closedWith).toMatch(/^dead: no pong/);
    expect(p.a.session.state).toBe(SessionState.Dead);
  });

  it('a peer that answers pings stays alive', () => {
    const p = scripted({ pongWithinMs: 30_000 });
    p.handshake();
    for (let i = 0; i < 60; i++) {
      p.wait(1000);
      const ping = p.a.sentOf(MessageType.Ping).at(-1)!;
      p.send({ type: MessageType.Pong, echo: ping.time, time: p.now() });
    }
    expect(p.a.closedWith).toBeUndefined();
  });

  it('frames before a hello do not extend the handshake deadline', () => {
    const p = scripted();
    for (let i = 0; i < 4; i++) {
      p.wait(2000);
      p.send({ type: MessageType.Ping, time: 1 }); // "ping before the handshake completed": invalid
    }
    p.wait(100);
    expect(p.a.closedWith).toMatch(/^dead: no handshake/);
  });

  it('invalid frames after the handshake do not count as signs of life', () => {
    const p = scripted();
    p.handshake();
    for (let i = 0; i < 9; i++) {
      p.wait(1000);
      p.send({
        type: MessageType.Hello,
        protocol: SYNC_PROTOCOL_VERSION,
        node: 'z' as NodeId,
        lattice: 'L',
        time: 0,
        items: 0,
        newest: 0,
        key: new Uint8Array(32),
        nonce: new Uint8Array(16),
      });
    }
    expect(p.a.session.stats(p.now()).invalidFrames).toBe(8); // the ninth came after it was dead
    expect(p.a.closedWith).toMatch(/^dead: nothing heard/);
  });

  it('answers at most one ping per half heartbeat, and counts the rest', () => {
    const p = scripted();
    p.handshake();
    const before = p.a.sentOf(MessageType.Pong).length;
    for (let i = 0; i < 1000; i++) p.send({ type: MessageType.Ping, time: 2 ** 40 + i });
    expect(p.a.sentOf(MessageType.Pong).length - before).toBe(1);
    expect(p.a.session.stats(p.now()).pingsIgnored).toBe(999);
    p.wait(1000);
    p.send({ type: MessageType.Ping, time: 5 });
    expect(p.a.sentOf(MessageType.Pong).length - before).toBe(2);
  });

  it('times the round trip on the injected monotonic clock, to the fraction of a ms', () => {
    let mono = 0.25;
    const p = scripted({ monotonic: () => mono });
    p.handshake();
    const ping = p.a.sentOf(MessageType.Ping).at(-1)!;
    mono += 3.5; // the wall clock did not move (or jumped): only the monotonic one times the RTT
    p.send({ type: MessageType.Pong, echo: ping.time, time: p.now() });
    expect(p.a.session.stats(p.now()).rttMs).toBe(3.5);
  });
});

describe('PeerSession blames our own failures on us', () => {
  it('a message we cannot encode while handling a frame is a host error, not the peer’s invalid frame', () => {
    const session = new PeerSession(
      { self: 'a' as NodeId, lattice: 'L', peer: 'z' as NodeId, maxInvalidFrames: 2 },
      new SyncIndex([]),
      {
        bufferedAmount: () => 0,
        // Our side builds a message it cannot encode (a bug here): never the peer's fault.
        apply: () => [encodeMessage({ type: MessageType.IHave, ids: [] })].flatMap(() => []),
      },
      0,
    );
    const ended: string[] = [];
    session.on('end', (r) => ended.push(r));
    session.start(0);
    session.receive(encodeMessage(hello(0)), 0);
    session.receive(encodeMessage(proof), 0);
    const frame = encodeMessage({
      type: MessageType.Versions,
      live: true,
      completes: 0,
      batch: encodeVersions([version(1)]),
    });
    for (let i = 0; i < 5; i++) session.receive(frame, 0);
    const stats = session.stats(0);
    expect(stats.invalidFrames).toBe(0);
    expect(stats.hostErrors).toBe(5);
    expect(ended).toEqual([]);
    expect(() => encodeMessage({ type: MessageType.IHave, ids: [] })).toThrow(SyncEncodeError);
  });
});

describe('PeerSession and a failing subscriber', () => {
  it('a listener that throws never breaks the handling of a peer’s frame', () => {
    const p = scripted();
    p.a.session.on('versions', () => {
      throw new Error('subscriber bug');
    });
    p.handshake();
    p.send({ type: MessageType.Versions, live: true, completes: 0, batch: encodeVersions([version(1)]) });
    p.send({ type: MessageType.Ping, time: 7 });
    const stats = p.a.session.stats(p.now());
    expect(p.a.index.size).toBe(1); // applied, though the listener after it threw
    expect(stats.invalidFrames).toBe(0);
    expect(stats.hostErrors).toBe(1);
    expect(p.a.sentOf(MessageType.Pong).map((m) => m.echo)).toEqual([7]); // the next frame is handled
    expect(p.a.logs.some((l) => l.includes('versions listener failed'))).toBe(true);
  });
});
