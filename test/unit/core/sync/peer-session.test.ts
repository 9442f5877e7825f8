import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  MAX_SYNC_FRAME_BYTES,
  SessionState,
  SYNC_PROTOCOL_VERSION,
  versionId,
  type SyncMessage,
} from '../../../../src/core/sync';
import { Pair, version } from './session-pair';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => version(from + i));

describe('PeerSession', () => {
  it('handshakes, and peers in sync settle in one reconcile round trip of a few hundred bytes', () => {
    const all = range(0, 10_000);
    const p = new Pair(all, all);
    p.flush();
    expect(p.a.session.state).toBe(SessionState.Synced);
    expect(p.b.session.state).toBe(SessionState.Synced);
    expect(p.a.sentOf('reconcile').map((m) => m.phase)).toEqual(['open', 'done']);
    expect(p.b.sentOf('reconcile').map((m) => m.phase)).toEqual(['reply']);
    const bytes = [...p.a.sent, ...p.b.sent]
      .filter((m) => m.type === 'reconcile')
      .reduce((n, m) => n + encodeMessage(m).length, 0);
    expect(bytes).toBeLessThan(400);
    expect(p.a.session.stats(p.now).role).toBe('initiator'); // the smaller node id
    expect(p.b.session.stats(p.now).role).toBe('responder');
    expect(p.a.syncedCalls).toEqual([0]);
    expect(p.b.syncedCalls).toEqual([0]);
  });

  it('moves what differs both ways: the initiator sends what the peer lacks and wants what it lacks', () => {
    const p = new Pair(range(0, 900), range(100, 1000));
    p.flush();
    expect(p.a.index.size).toBe(1000);
    expect(p.b.index.size).toBe(1000);
    expect(p.a.session.state).toBe(SessionState.Synced);
    expect(p.b.session.state).toBe(SessionState.Synced);
    // The responder pushes what it finds the initiator lacks; what only the initiator finds is asked for.
    const wanted = p.a.sentOf('want').flatMap((m) => m.ids).length;
    const pushed = p.b.session.stats(p.now).versionsOut;
    expect(wanted).toBeLessThan(20);
    expect(pushed).toBe(100);
    expect(p.a.session.stats(p.now).progress).toEqual({ received: 100, needed: 100 });
    expect(p.a.syncedCalls).toEqual([100]);
    expect(p.b.syncedCalls).toEqual([100]);
  });

  it('the initiator lacking the newest versions gets them pushed: no ids in the reply, no want', () => {
    const all = range(0, 5000);
    const p = new Pair(all.slice(0, 4950), all);
    p.flush();
    expect(p.a.index.size).toBe(5000);
    expect(p.a.session.state).toBe(SessionState.Synced);
    expect(p.a.sentOf('want')).toEqual([]);
    const replyBytes = p.b.sentOf('reconcile').reduce((n, m) => n + m.payload.length, 0);
    expect(replyBytes).toBeLessThan(50 * 16); // less than the ids of what was missing
    expect(p.a.session.stats(p.now).progress).toEqual({ received: 50, needed: 50 });
  });

  it('a random sparse difference either way settles in one reconcile round trip (coded symbols)', () => {
    const all = range(0, 20_000);
    const sparse = all.filter((_, i) => i % 97 !== 5);
    for (const [a, b] of [
      [sparse, all],
      [all, sparse],
    ] as const) {
      const p = new Pair(a, b);
      p.flush();
      expect(p.a.index.size).toBe(20_000);
      expect(p.b.index.size).toBe(20_000);
      expect(p.a.sentOf('reconcile').map((m) => m.phase)).toEqual(['open', 'done']);
    }
  });

  it('splits big batches so every frame stays under the limit', () => {
    const big = Array.from({ length: 400 }, (_, i) => ({
      ...version(i),
      kind: 'zz_blob' as never,
      value: { text: `${i}`.padEnd(3000, 'x') },
    }));
    const p = new Pair(big, [], { repairFrameBytes: 1024 * 1024 });
    p.flush();
    expect(p.b.index.size).toBe(400);
    const frames = p.a.sentOf('versions');
    expect(frames.length).toBeGreaterThan(4);
    for (const m of frames) expect(encodeMessage(m).length).toBeLessThanOrEqual(MAX_SYNC_FRAME_BYTES);
  });

  it('refuses another lattice, another protocol version and a node that is not the signaled one', () => {
    const p = new Pair([], []);
    const hello = {
      type: 'hello',
      protocol: SYNC_PROTOCOL_VERSION,
      node: 'b',
      lattice: 'other',
      time: 0,
      items: 0,
      newest: 0,
      key: new Uint8Array(32),
      nonce: new Uint8Array(16),
    } as const;
    p.a.session.receive(encodeMessage(hello as SyncMessage), p.now);
    expect(p.a.sentOf('bye')[0]!.reason).toMatch(/different lattice/);
    expect(p.a.closedWith).toMatch(/different lattice/);
    expect(p.a.session.state).toBe(SessionState.Closed);

    const q = new Pair([], []);
    const v2 = encodeMessage({ ...hello, lattice: 'L' } as SyncMessage);
    v2[0] = SYNC_PROTOCOL_VERSION + 1;
    q.a.session.receive(v2, q.now);
    expect(q.a.sentOf('bye')[0]!.reason).toMatch(/unsupported protocol version/);

    const r = new Pair([], []);
    r.a.session.receive(encodeMessage({ ...hello, lattice: 'L', node: 'mallory' } as SyncMessage), r.now);
    expect(r.a.closedWith).toMatch(/signaled/);
  });

  it('drops, counts and logs invalid or unexpected frames, and says bye to a peer that keeps sending garbage', () => {
    const p = new Pair([], [], { maxInvalidFrames: 5 });
    // versions before hello
    p.a.session.receive(
      encodeMessage({ type: 'versions', live: true, completes: 0, batch: new Uint8Array([1, 0]) }),
      p.now,
    );
    expect(p.a.session.stats(p.now).invalidFrames).toBe(1);
    p.flush();
    expect(p.a.session.state).toBe(SessionState.Synced);
    p.a.session.receive(new Uint8Array([SYNC_PROTOCOL_VERSION, 4, 0, 9, 9, 9]), p.now); // a versions batch that fails to decode
    p.a.session.receive(new Uint8Array([7, 7, 7]), p.now); // another protocol after the handshake
    p.a.session.receive(
      encodeMessage({ type: 'reconcile', session: 99, phase: 'reply', payload: new Uint8Array([1]) }),
      p.now,
    );
    p.a.session.receive(new Uint8Array([SYNC_PROTOCOL_VERSION, 2, 1, 0, 5, 5]), p.now); // bad reconcile open to the initiator
    expect(p.a.session.stats(p.now).invalidFrames).toBe(5);
    expect(p.a.session.state).toBe(SessionState.Synced);
    expect(p.a.logs.some((l) => l.includes('invalid frame'))).toBe(true);
    p.a.session.receive(new Uint8Array([1]), p.now);
    expect(p.a.sentOf('bye')[0]!.reason).toBe('too many invalid frames');
    expect(p.a.closedWith).toBe('too many invalid frames');
  });

  it('answers a bad reconcile message with abort, and the initiator retries with backoff', () => {
    const p = new Pair(range(0, 50), range(0, 60), { backoffBaseMs: 1000 });
    // The responder gets a corrupt `open`: it aborts; the initiator backs off and retries.
    p.flush((from, f) => {
      if (from !== p.a || f[1] !== 2 || f[3] !== 0) return false;
      p.b.session.receive(new Uint8Array([...f.subarray(0, 4), 9, 9, 9]), p.now);
      return true;
    });
    expect(p.b.sentOf('reconcile').some((m) => m.phase === 'abort')).toBe(true);
    expect(p.a.session.stats(p.now).failures).toBe(1);
    expect(p.a.index.size).toBe(50);
    p.tick(999);
    p.flush();
    expect(p.a.index.size).toBe(50);
    p.tick(1);
    p.flush();
    expect(p.a.index.size).toBe(60);
    expect(p.a.session.stats(p.now).failures).toBe(0);
  });

  it('a round that gets no answer times out, backs off exponentially, and a later round completes', () => {
    const p = new Pair(range(0, 10), range(0, 20), {
      roundTimeoutMs: 1000,
      backoffBaseMs: 500,
      heartbeatMs: 100_000,
      deadAfterMs: 1e9,
    });
    let blackhole = true;
    // Only b's hello and proof get through: the handshake completes, the round gets no answer.
    p.flush((from, f) => blackhole && from === p.b && !['hello', 'proof'].includes(decodeMessage(f).type));
    expect(p.a.session.state).toBe(SessionState.Syncing);
    p.tick(1001);
    p.flush((from) => blackhole && from === p.b);
    expect(p.a.session.stats(p.now).failures).toBe(1);
    p.tick(500); // first retry after 500 ms, lost again
    p.flush((from) => blackhole && from === p.b);
    p.tick(1001);
    expect(p.a.session.stats(p.now).failures).toBe(2);
    p.tick(999); // second retry waits 1000 ms
    expect(p.a.sentOf('reconcile').filter((m) => m.phase === 'open')).toHaveLength(2);
    blackhole = false;
    p.tick(1);
    p.flush();
    expect(p.a.index.size).toBe(20);
    expect(p.a.session.state).toBe(SessionState.Synced);
  });

  it('a sync cut off midway restarts on the next link and completes', () => {
    const p = new Pair([], range(0, 3000), { repairFrameBytes: 2048 });
    let seen = 0;
    p.flush((from, f) => from === p.b && f[1] === 4 && ++seen > 3); // the link dies after 3 batches
    const partial = p.a.index.size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(3000);
    p.a.session.close();
    p.b.session.close();
    const q = new Pair([], [], { repairFrameBytes: 2048 });
    q.a.index.add(
      p.a.index.lookup(
        p.a.index
          .storage()
          .toArray()
          .map((i) => i.id),
      ),
    );
    q.b.index.add(range(0, 3000));
    q.flush();
    expect(q.a.index.size).toBe(3000);
    expect(q.a.session.stats(q.now).progress.needed).toBe(3000 - partial);
  });

  it('pings, measures RTT and skew, and reports a silent peer dead', () => {
    const p = new Pair(range(0, 5), range(0, 5), { heartbeatMs: 2000, deadAfterMs: 8000 });
    p.flush();
    // A ping goes out with the handshake, so a synced link reports its RTT (0 on this instant pair).
    expect(p.a.session.state).toBe(SessionState.Synced);
    expect(p.a.session.stats(p.now).rttMs).toBe(0);
    p.tick(2000);
    p.now += 40; // the pong comes back 40 ms later
    p.flush();
    const s = p.a.session.stats(p.now);
    expect(s.rttMs).toBe(10); // smoothed: 0.75 · 0 + 0.25 · 40
    // The hand-driven pair stamps the pong at its arrival time: 20 ms after the RTT midpoint.
    expect(s.clockSkewMs).toBe(20);
    expect(s.pictureAgeMs).toBe(0);
    p.tick(8001);
    expect(p.a.session.state).toBe(SessionState.Dead);
    expect(p.a.closedWith).toMatch(/^dead/);
  });

  it('holds repair traffic while the link buffer is above the high-water mark', () => {
    const p = new Pair(range(0, 500), [], { highWaterMark: 1000, repairFrameBytes: 1024 });
    p.a.buffered = 5000;
    p.flush();
    expect(p.b.index.size).toBe(0);
    expect(p.a.session.stats(p.now).queued).toBe(500);
    expect(p.a.session.state).toBe(SessionState.Syncing);
    p.a.buffered = 0;
    p.tick(10);
    p.flush();
    expect(p.b.index.size).toBe(500);
    expect(p.a.session.state).toBe(SessionState.Synced);
  });

  it('bounds its queue: versions that do not fit are left for the next round', () => {
    const p = new Pair(range(0, 300), [], { maxQueuedVersions: 100, highWaterMark: 1, syncIntervalMs: 60_000 });
    p.a.buffered = 10;
    p.flush();
    expect(p.a.session.stats(p.now).queued).toBe(100);
    p.a.buffered = 0;
    for (let i = 0; i < 5 && p.b.index.size < 300; i++) {
      p.tick(10);
      p.flush();
    }
    expect(p.b.index.size).toBe(300); // the overflow triggered another round at once
  });

  it('live-pushes local versions once the handshake is done, and the peer applies them as live', () => {
    const p = new Pair([], []);
    p.a.session.localVersions([version(1)], p.now); // before hello: dropped (the first round covers it)
    expect(p.a.sentOf('versions')).toHaveLength(0);
    p.flush();
    p.a.session.localVersions([version(2)], p.now);
    expect(p.a.sentOf('versions')[0]!.live).toBe(true);
    p.flush();
    expect(p.b.index.has(versionId(version(2)))).toBe(true);
  });

  it('the responder can ask for a round, and tracks picture age while synced', () => {
    const p = new Pair([], [], { syncIntervalMs: 1e9, heartbeatMs: 1e9, deadAfterMs: 1e10 });
    p.flush();
    p.a.index.add([version(7)]); // a write the live push missed
    p.tick(5000);
    expect(p.b.session.stats(p.now).pictureAgeMs).toBe(5000);
    p.b.session.syncNow(p.now);
    p.flush();
    expect(p.b.index.has(versionId(version(7)))).toBe(true);
    expect(p.b.session.stats(p.now).pictureAgeMs).toBe(0);
    expect(p.b.session.stats(p.now).lastSyncAt).toBe(p.now);
  });

  it('does not ask again for versions it received without effect (held for clock skew)', () => {
    // Ten extra versions in one time range: the responder lists that range's ids, the initiator wants them.
    const extra = Array.from({ length: 10 }, (_, i) => version(500 + i, 'x', 1050));
    const p = new Pair(range(0, 100), [...range(0, 100), ...extra], { syncIntervalMs: 1000 });
    const host = p.a.session['host' as never] as { apply: (v: unknown[]) => unknown[] };
    host.apply = () => []; // the node holds every version it is given
    p.flush();
    const wanted = p.a.sentOf('want').flatMap((m) => m.ids).length;
    expect(wanted).toBe(10);
    p.tick(1000);
    p.flush();
    expect(p.a.sentOf('reconcile').filter((m) => m.phase === 'open')).toHaveLength(2);
    expect(p.a.sentOf('want').flatMap((m) => m.ids).length).toBe(wanted);
    expect(p.a.session.state).toBe(SessionState.Synced);
  });
});
