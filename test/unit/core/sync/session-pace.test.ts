/**
 * The link's pace inside one PeerSession (docs/security.md, "Versions applied per second"), with
 * the host's timer scripted: what must not wait behind it, and what must not stay held by it.
 */
import { describe, expect, it } from 'vitest';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import {
  APPLIED_BURST,
  decodeMessage,
  MAX_VERSIONS_APPLIED_PER_SECOND,
  encodeMessage,
  MessageType,
  PeerSession,
  SyncIndex,
  SYNC_PROTOCOL_VERSION,
  versionId,
  type SyncMessage,
} from '../../../../src/core/sync';
import { encodeVersions } from '../../../../src/core/wire';
import { version } from './session-pair';

/** A version the host ranks urgent (a decision, a HIGH threat: SessionHost.urgent). */
const decision = (i: number): Version => ({ ...version(100_000 + i), entity: `u${i}` as EntityId });
const frame = (vs: readonly Version[]): Uint8Array =>
  encodeMessage({ type: MessageType.Versions, live: true, completes: 0, batch: encodeVersions(vs) });
const hello = {
  type: MessageType.Hello,
  protocol: SYNC_PROTOCOL_VERSION,
  lattice: 'L',
  node: 'z' as NodeId,
  time: 0,
  items: 0,
  newest: 0,
  key: new Uint8Array(32),
  nonce: new Uint8Array(16),
} as unknown as SyncMessage;

/** A session past its handshake, its host's timers kept for the test to run. */
function paced(opts: { failOnce?: (vs: readonly Version[]) => boolean } = {}) {
  const index = new SyncIndex([]);
  const merged: { at: number; versions: readonly Version[] }[] = [];
  const timers: { at: number; fn: (now: number) => void }[] = [];
  const sent: SyncMessage[] = [];
  let clock = 0;
  let failed = false;
  const s = new PeerSession(
    { self: 'a' as NodeId, lattice: 'L', peer: 'z' as NodeId },
    index,
    {
      bufferedAmount: () => 0,
      apply: (vs) => {
        if (!failed && opts.failOnce?.(vs) === true) {
          failed = true;
          throw new Error('the host failed');
        }
        merged.push({ at: clock, versions: vs });
        const fresh = vs.filter((v) => !index.has(versionId(v)));
        index.add(fresh);
        return fresh;
      },
      urgent: (v) => v.entity.startsWith('u'),
      after: (ms, fn) => void timers.push({ at: clock + ms, fn }),
    },
    0,
  );
  s.on('message', (f) => void sent.push(decodeMessage(f)));
  s.start(0);
  s.receive(encodeMessage(hello), 0);
  s.receive(encodeMessage({ type: MessageType.Proof, sig: new Uint8Array(64) } as unknown as SyncMessage), 0);
  const at = (t: number): void => {
    clock = t;
  };
  /** Runs the timers due by `t`. */
  const run = (t: number): void => {
    at(t);
    for (const due of timers.splice(0).filter((x) => x.at <= t || (timers.push(x), false))) due.fn(t);
  };
  const has = (v: Version): boolean => index.has(versionId(v));
  return { s, index, merged, timers, sent, at, run, has };
}

/** Two frames that take the burst and leave a debt of most of another. */
const flood = (): Version[][] => {
  const half = APPLIED_BURST - 384;
  return [
    Array.from({ length: half }, (_, i) => version(i)),
    Array.from({ length: half }, (_, i) => version(50_000 + i)),
  ];
};

describe('a link’s pace in the session', () => {
  it('a decision and a ping are taken at once while the link is in debt, held or not', () => {
    const p = paced();
    const [a, b] = flood();
    p.s.receive(frame(a!), 0);
    p.s.receive(frame(b!), 0); // a token was left: taken whole, the link now deep in debt
    expect(p.index.size).toBe(a!.length + b!.length);
    p.at(10);
    // Nothing holds the link now: the decision comes by the ordinary path and must not wait out the debt.
    p.s.receive(frame([decision(1)]), 10);
    p.s.receive(encodeMessage({ type: MessageType.Ping, time: 7 }), 10);
    expect(p.has(decision(1))).toBe(true);
    expect(p.sent.filter((m) => m.type === MessageType.Pong)).toHaveLength(1);
    // A bulk frame waits for the pace, holding the link; a decision and a ping still pass it.
    const c = [version(90_000)];
    p.s.receive(frame(c), 20);
    expect(p.has(c[0]!)).toBe(false);
    expect(p.timers).toHaveLength(1);
    p.at(3000); // past the pings' half heartbeat: a pong is allowed again
    p.s.receive(frame([decision(2)]), 3000);
    p.s.receive(encodeMessage({ type: MessageType.Ping, time: 8 }), 3000);
    expect(p.has(decision(2))).toBe(true);
    expect(p.sent.filter((m) => m.type === MessageType.Pong)).toHaveLength(2);
    // The waiting frame is taken when its time comes, and the link's order goes on after it.
    const d = [version(90_001)];
    p.s.receive(frame(d), 3001);
    p.run(p.timers[0]!.at);
    expect(p.has(c[0]!)).toBe(true);
    expect(p.has(d[0]!) || p.timers.length === 1).toBe(true);
    p.run(60_000);
    expect(p.has(d[0]!)).toBe(true);
  });

  it('urgent frames stop passing once the debt reaches a burst: marking everything urgent buys nothing', () => {
    const p = paced();
    const [a, b] = flood();
    p.s.receive(frame(a!), 0);
    p.s.receive(frame(b!), 0);
    // Debt ~15,616: urgent frames of 16 pass until it reaches a burst, then wait like any other.
    let passed = 0;
    for (let i = 0; i < 200; i++) {
      p.s.receive(frame(Array.from({ length: 16 }, (_, k) => decision(i * 16 + k))), 1);
      if (p.has(decision(i * 16))) passed += 1;
    }
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThan(200);
    // What the debt had left of a burst, what 1 ms refilled, and the frame that crossed the line.
    const room =
      APPLIED_BURST - (a!.length + b!.length - APPLIED_BURST) + Math.ceil(MAX_VERSIONS_APPLIED_PER_SECOND / 1000);
    expect(passed * 16).toBeLessThanOrEqual(room + 16);
  });

  it('a frame waiting for the pace is let go when the link closes, and its timer then does nothing', () => {
    const p = paced();
    const [a, b] = flood();
    p.s.receive(frame(a!), 0);
    p.s.receive(frame(b!), 0);
    const c = [version(90_000)];
    p.s.receive(frame(c), 1);
    expect(p.timers).toHaveLength(1);
    p.s.close();
    expect(() => p.run(60_000)).not.toThrow();
    expect(p.has(c[0]!)).toBe(false);
  });

  it('a host failure while a paced frame is taken does not leave the link held', () => {
    const p = paced({ failOnce: (vs) => vs.some((v) => v.ts.ms === 1_000 + 90_000) });
    const [a, b] = flood();
    p.s.receive(frame(a!), 0);
    p.s.receive(frame(b!), 0);
    const c = [version(90_000)];
    const d = [version(90_001)];
    p.s.receive(frame(c), 1);
    p.s.receive(frame(d), 2); // waits behind c
    expect(() => p.run(p.timers[0]!.at)).toThrow('the host failed');
    // The link is not wedged: d is taken in its turn.
    p.run(60_000);
    expect(p.has(d[0]!)).toBe(true);
  });
});
