/**
 * A responder's `request` asks the initiator for a round: at once when no failure is being backed
 * off (honest use, peer-session.test.ts), never before a failed round's backoff ends, and at most
 * SYNC_REQUEST_BURST at once per link (limits.ts; attack/request-driven-rounds.test.ts is the loop
 * this bounds).
 */
import { describe, expect, it } from 'vitest';
import { encodeMessage, MessageType, ReconcilePhase, SYNC_REQUEST_BURST } from '../../../../src/core/sync';
import { Pair } from './session-pair';

const quiet = { syncIntervalMs: 1e9, heartbeatMs: 1e9, deadAfterMs: 1e10, pongWithinMs: 1e10, backoffBaseMs: 5_000 };

function pair(): { p: Pair; opens: () => number[]; send: (session: number, phase: ReconcilePhase) => void } {
  const p = new Pair([], [], quiet);
  p.flush();
  const opens = (): number[] =>
    p.a.sentOf('reconcile').flatMap((m) => (m.phase === ReconcilePhase.Open ? [m.session] : []));
  const send = (session: number, phase: ReconcilePhase): void =>
    p.a.session.receive(
      encodeMessage({ type: MessageType.Reconcile, session, phase, payload: new Uint8Array(0) }),
      p.now,
    );
  return { p, opens, send };
}

describe('sync requests', () => {
  it('a request starts a round at once, but never cuts short the backoff of a failed round', () => {
    const { p, opens, send } = pair();
    expect(opens()).toHaveLength(1);
    send(0, ReconcilePhase.Request); // no backoff: a round at once
    expect(opens()).toHaveLength(2);
    send(opens().at(-1)!, ReconcilePhase.Abort); // the round failed: backoff 5 s
    send(0, ReconcilePhase.Request);
    p.tick(4_999);
    expect(opens()).toHaveLength(2);
    p.tick(1);
    expect(opens()).toHaveLength(3); // the backoff ended
  });

  it('requests past the burst are refused and counted, and start nothing', () => {
    const { p, opens, send } = pair();
    expect(opens()).toHaveLength(1);
    for (let i = 0; i < SYNC_REQUEST_BURST + 2; i++) send(0, ReconcilePhase.Request);
    expect(opens()).toHaveLength(2); // one round; the rest of the burst asked for the next after it
    expect(p.a.session.stats(p.now).limitsHit.syncRequests).toBe(2);
    p.flush(); // the round completes; the next, which the burst asked for, starts at the next tick
    p.tick(0);
    expect(opens()).toHaveLength(3);
  });
});
