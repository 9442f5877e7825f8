/**
 * Anti-entropy rounds between two honest peers on a flooded, budgeted link (scenario 12's shape:
 * 8,000 B/s each way, thousands of tracks moving, some HIGH): reconcile frames wait in the
 * sender's own budgeter behind live traffic for longer than the rounds' idle timeouts. Two fixes:
 * a round's idle clocks restart whenever its frames move (ours leaving our budgeter, the peer's
 * parts, wants and repair versions arriving), so an honest round is neither timed out nor dropped
 * for time spent in a queue; and a frame of a session one side did end on its own anyway is late,
 * not invalid (ended-sessions.ts, bounded): an honest peer's invalid count stays 0
 * (docs/security.md: invalid input backs a link off, and enough of it cuts the link).
 *
 * Each side's session frames go through a real LinkBudgeter (classed as MeshLink classes them,
 * split into parts as LinkSender splits them), beside a flood of live items of every weighted
 * class, one HIGH track in a hundred borrowing; the session counts its budgeter's queue as
 * buffered, as MeshLink's bufferedAmount does, and is told when a `sync` frame leaves it, as
 * MeshLink tells it. Virtual clock, deterministic.
 */
import { describe, expect, it } from 'vitest';
import { LinkBudgeter } from '../../../../src/core/budget/link-budgeter';
import type { PriorityClass } from '../../../../src/core/budget/priority-classes';
import {
  decodeMessage,
  encodeMessage,
  ReconcilePhase,
  splitFrame,
  type SessionOptions,
  type SyncMessage,
} from '../../../../src/core/sync';
import { sessionFrameClass } from '../../../../src/node/mesh/outgoing';
import { Pair, Side, version } from './session-pair';

const RATE = 8_000;
const STEP_MS = 50;
const LATENCY_MS = 100;

type Payload = { readonly frame: Uint8Array } | { readonly flood: true };

/** One direction: the sender's budgeter, then the wire's latency (ordered). */
class BudgetedWay {
  readonly budgeter: LinkBudgeter<Payload>;
  private readonly inFlight: { at: number; frame: Uint8Array }[] = [];
  private track = 0;

  constructor(
    private readonly from: Side,
    private readonly to: Side,
    now: number,
    private readonly tracks: number,
  ) {
    this.budgeter = new LinkBudgeter<Payload>(
      { maxFrameBytes: 255 * 1024, budget: { bytesPerSecond: RATE, burstBytes: RATE / 4 + 93 } },
      now,
    );
  }

  step(now: number): void {
    // The session's frames into the budgeter, classed and split as the mesh link does.
    for (const frame of this.from.outbox.splice(0)) {
      const cls = sessionFrameClass(frame);
      for (const p of splitFrame(frame, this.budgeter.frameTarget()))
        this.budgeter.enqueue({ cls, bytes: p.length, payload: { frame: p } }, now);
    }
    // The flood: every track reports once a second (coalesced per track), a few of them HIGH.
    const perStep = Math.ceil((this.tracks * STEP_MS) / 1000);
    const classes: PriorityClass[] = ['medium', 'low', 'none', 'position', 'position', 'position'];
    for (let i = 0; i < perStep; i++) {
      const t = this.track++ % this.tracks;
      const cls: PriorityClass = t % 100 === 0 ? 'high' : classes[t % classes.length]!;
      this.budgeter.enqueue({ cls, bytes: 24, payload: { flood: true }, key: `t${t}` }, now);
    }
    for (;;) {
      const r = this.budgeter.poll(now);
      if (r.type !== 'frame') break;
      for (const item of r.items) {
        const p = item.item.payload;
        if (!('frame' in p)) continue;
        this.inFlight.push({ at: now + LATENCY_MS, frame: p.frame });
        // What MeshLink tells its session when an anti-entropy frame leaves the budgeter.
        if (sessionFrameClass(p.frame) === 'sync') this.from.session.wired(now);
      }
    }
    // What waits in our budgeter is as good as buffered (MeshLink's bufferedAmount).
    this.from.buffered = this.budgeter.queuedBytes();
    while (this.inFlight.length > 0 && this.inFlight[0]!.at <= now) {
      this.to.session.receive(this.inFlight.shift()!.frame, now);
    }
  }
}

describe('anti-entropy rounds on a flooded budgeted link', () => {
  it('never counts an honest peer’s late round frames as invalid, and the sets converge', () => {
    // b holds what a lacks and the other way round: the rounds push thousands of versions each
    // way through a budgeter that gives anti-entropy a small share under the flood.
    // Before the fix, on this run: every round of a timed out (no progress for 20 s while the
    // reply crossed as parts, or b dropped the session while a's `next` waited in a's queue),
    // 6 late replies counted invalid on a and 4 late `next`s on b, and the sets never converged.
    const shared = Array.from({ length: 2_000 }, (_, i) => version(i));
    const onlyA = Array.from({ length: 1_500 }, (_, i) => version(10_000 + i * 7, 'a'));
    const onlyB = Array.from({ length: 300 }, (_, i) => version(20_000 + i * 3, 'b'));
    const p = new Pair([...shared, ...onlyA], [...shared, ...onlyB], {
      // Small repair frames, as a thin link's frame size makes them; the default round timeout (20 s).
      repairFrameBytes: 1_000,
    });
    const ab = new BudgetedWay(p.a, p.b, p.now, 2_000);
    const ba = new BudgetedWay(p.b, p.a, p.now, 2_000);
    const total = shared.length + onlyA.length + onlyB.length;
    let convergedAt: number | undefined;
    for (let t = 0; t < 600_000; t += STEP_MS) {
      p.tick(STEP_MS);
      ab.step(p.now);
      ba.step(p.now);
      if (convergedAt === undefined && p.a.index.size === total && p.b.index.size === total) convergedAt = t;
    }
    const stats = { a: p.a.session.stats(p.now), b: p.b.session.stats(p.now) };
    const invalid = [...p.a.logs, ...p.b.logs].filter((l) => /invalid frame/.test(l));
    console.log(
      `converged after ${convergedAt} ms; failures a ${stats.a.failures}; invalid a ${stats.a.invalidFrames} b ${stats.b.invalidFrames}; late a ${stats.a.lateFrames} b ${stats.b.lateFrames}`,
      invalid.slice(0, 4),
    );
    expect(invalid).toEqual([]);
    expect(stats.a.invalidFrames).toBe(0);
    expect(stats.b.invalidFrames).toBe(0);
    expect(p.a.closedWith).toBeUndefined();
    expect(p.b.closedWith).toBeUndefined();
    expect(convergedAt).toBeDefined();
  });
});

const encodeReconcile = (m: SyncMessage): Uint8Array => encodeMessage(m);

/** Two sessions joined by hand: each side's frames wait in its outbox until delivered. */
function joined(aOptions: Partial<SessionOptions>, bOptions: Partial<SessionOptions> = {}) {
  const shared = Array.from({ length: 2_000 }, (_, i) => version(i));
  const a = new Side('a', [...shared, ...Array.from({ length: 1_500 }, (_, i) => version(10_000 + i * 7, 'a'))]);
  const b = new Side('b', [...shared, ...Array.from({ length: 300 }, (_, i) => version(20_000 + i * 3, 'b'))]);
  let now = 10_000;
  a.open('b', now, aOptions);
  b.open('a', now, bOptions);
  /** Delivers `from`'s waiting frames that pass `which`; the others stay waiting, in order. */
  const deliver = (from: Side, to: Side, which: (m: SyncMessage) => boolean = () => true): void => {
    const waiting = from.outbox.splice(0);
    for (const f of waiting) {
      if (which(decodeMessage(f))) to.session.receive(f, now);
      else from.outbox.push(f);
    }
  };
  // The hellos and proofs.
  for (let i = 0; i < 4; i++) {
    deliver(a, b, (m) => m.type !== 'reconcile');
    deliver(b, a, (m) => m.type !== 'reconcile');
  }
  /** Time passes; pings and pongs (`control`, ahead of any queue) cross, nothing else does. */
  const tick = (ms: number): void => {
    now += ms;
    a.session.tick(now);
    b.session.tick(now);
    deliver(a, b, isHeartbeat);
    deliver(b, a, isHeartbeat);
  };
  return { a, b, deliver, tick, now: () => now };
}

const isHeartbeat = (m: SyncMessage): boolean => m.type === 'ping' || m.type === 'pong';
const isReconcile = (m: SyncMessage, phase: ReconcilePhase): boolean => m.type === 'reconcile' && m.phase === phase;

describe('late frames of a reconcile session that one side already ended', () => {
  it('the reply to a round the initiator timed out is late, not invalid; a second copy, or a reply to no round of ours, is invalid', () => {
    const t = joined({});
    // a's open reaches b; b's answer (pushes and reply) waits, as in b's budgeter behind a flood.
    t.tick(1);
    t.deliver(t.a, t.b);
    const held = t.b.outbox.splice(0);
    const reply = held.find((f) => isReconcile(decodeMessage(f), ReconcilePhase.Reply))!;
    expect(reply).toBeDefined();
    for (let i = 0; i < 25; i++) t.tick(1_000); // past a's 20-s round timeout: a gives up and aborts
    expect(t.a.logs).toContain('sync round failed: no progress for 20000 ms');
    t.deliver(t.a, t.b); // the abort: b drops the session
    for (const f of held) t.a.session.receive(f, t.now());
    expect(t.a.session.stats(t.now())).toMatchObject({ invalidFrames: 0, lateFrames: 1 });
    // One late frame a session: the same reply again is no longer excused.
    t.a.session.receive(reply, t.now());
    expect(t.a.session.stats(t.now())).toMatchObject({ invalidFrames: 1, lateFrames: 1 });
    // Nor is a reply to a session a never opened.
    const m = decodeMessage(reply);
    if (m.type !== 'reconcile') throw new Error('not a reconcile message');
    t.a.session.receive(encodeReconcile({ ...m, session: 99 }), t.now());
    expect(t.a.session.stats(t.now())).toMatchObject({ invalidFrames: 2, lateFrames: 1 });
  });

  it('a `next` of a session the responder let go is late: answered with abort, not counted invalid; a second one is invalid', () => {
    // a stays in its round longer than b keeps the session (as when a's `next` waits in a's own queue).
    const t = joined({ roundTimeoutMs: 120_000 });
    t.tick(1);
    t.deliver(t.a, t.b); // open
    t.deliver(t.b, t.a); // pushes and reply: a answers with `next`, which waits
    const next = t.a.outbox.splice(0).filter((f) => isReconcile(decodeMessage(f), ReconcilePhase.Next));
    expect(next).toHaveLength(1);
    for (let i = 0; i < 45; i++) t.tick(1_000); // past b's 2 × 20 s: b drops the idle session
    t.b.outbox.splice(0);
    t.b.session.receive(next[0]!, t.now());
    expect(t.b.session.stats(t.now())).toMatchObject({ invalidFrames: 0, lateFrames: 1 });
    // b tells a to stop; a's round fails without blame and is retried after a backoff.
    const abort = t.b.outbox.map((f) => decodeMessage(f)).filter((m) => isReconcile(m, ReconcilePhase.Abort));
    expect(abort).toHaveLength(1);
    t.deliver(t.b, t.a);
    expect(t.a.logs).toContain('sync round failed: the peer aborted the round');
    expect(t.a.session.stats(t.now()).invalidFrames).toBe(0);
    // The same `next` again is not excused.
    t.b.session.receive(next[0]!, t.now());
    expect(t.b.session.stats(t.now())).toMatchObject({ invalidFrames: 1, lateFrames: 1 });
  });
});
