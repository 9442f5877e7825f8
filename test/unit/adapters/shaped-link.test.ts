import { describe, expect, it } from 'vitest';
import { LinkShaping, ShapedLink } from '../../../src/adapters/shaped-link';
import { LinkShaper, type LinkShape } from '../../../src/core/budget/link-shaper';
import type { NodeId } from '../../../src/core/ids';
import { checkLinkShape } from '../../../src/node/link-shape-args';
import { MAX_FRAME_BYTES, type Link, type LinkHandler } from '../../../src/ports/transport';

/**
 * Timers as a browser runs them: the delay is truncated to whole milliseconds (`setTimeout`'s
 * delay is a `long`), and timers due at the same time run in the order they were set.
 */
class BrowserTimers {
  clock = 0;
  private seq = 0;
  private readonly pending: { at: number; seq: number; fn: () => void; live: boolean }[] = [];

  readonly after = (ms: number, fn: () => void): (() => void) => {
    const t = { at: this.clock + Math.trunc(ms), seq: this.seq++, fn, live: true };
    this.pending.push(t);
    return () => (t.live = false);
  };

  /** Runs every timer due by `to`, in time order, the clock at each one's time. */
  advanceTo(to: number): void {
    for (;;) {
      const live = this.pending.filter((t) => t.live && t.at <= to);
      if (live.length === 0) break;
      live.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const t = live[0]!;
      t.live = false;
      this.clock = Math.max(this.clock, t.at);
      t.fn();
    }
    this.clock = Math.max(this.clock, to);
  }
}

/** A link that records what reaches it, and when; it has a relay of its own (like PortLink). */
class RecordingLink implements Link {
  readonly sent: { at: number; bytes: number[]; signal: boolean }[] = [];
  bufferedAmount = 0;
  closedWith: string | undefined;
  stalled = 0;
  constructor(
    readonly peer: NodeId,
    private readonly clock: () => number,
  ) {}
  send(frame: Uint8Array): void {
    if (frame.byteLength > MAX_FRAME_BYTES) throw new RangeError('too large');
    this.sent.push({ at: this.clock(), bytes: [...frame], signal: false });
  }
  sendSignal(payload: Uint8Array): void {
    this.sent.push({ at: this.clock(), bytes: [...payload], signal: true });
  }
  stalledMs(): number {
    return this.stalled;
  }
  close(reason: string): void {
    this.closedWith = reason;
  }
}

const PEER_A = 'n00000000000000000000000000000a1' as NodeId;
const PEER_B = 'n00000000000000000000000000000b2' as NodeId;

const frame = (n: number, size = 1): Uint8Array => new Uint8Array(size).fill(n);

/** A mesh's side: keeps the link it was handed, and what the wrapped handler heard. */
function fakeMesh() {
  const links: Link[] = [];
  const heard: string[] = [];
  const accept = (link: Link): LinkHandler => {
    links.push(link);
    return {
      receive: (f) => heard.push(`receive ${f[0]}`),
      closed: (reason) => heard.push(`closed ${reason}`),
      signal: (p) => heard.push(`signal ${p[0]}`),
    };
  };
  return { accept, links, heard };
}

describe('ShapedLink', () => {
  it('never reorders an ordered link, even when a timer rounds its delay down (as browser timers do)', () => {
    const timers = new BrowserTimers();
    const inner = new RecordingLink(PEER_A, () => timers.clock);
    const shaper = new LinkShaper({
      bytesPerSecond: 10_000,
      latencyMs: 0,
      jitterMs: 0,
      loss: 0,
      seed: 1,
      overheadBytes: 0,
    });
    const link = new ShapedLink(inner, shaper, () => timers.clock, timers);
    // a: 91 B from 0.9 ms, on the wire until 10.0 ms (a 9.1-ms timer, run at 9.9 ms); b: 1 B sent at
    // 1.5 ms behind it, due at 10.1 ms (an 8.6-ms timer, run at 9.5 ms, before a's).
    timers.clock = 0.9;
    link.send(frame(1, 91));
    timers.clock = 1.5;
    link.send(frame(2, 1));
    timers.advanceTo(20);
    expect(inner.sent.map((s) => s.bytes[0])).toEqual([1, 2]);
    // Neither went more than a timer's grain early.
    expect(inner.sent[0]!.at).toBeGreaterThanOrEqual(9);
  });

  it('keeps order over many sends at odd times, delivering each within a millisecond of its time', () => {
    const timers = new BrowserTimers();
    const inner = new RecordingLink(PEER_A, () => timers.clock);
    const shape: LinkShape = { bytesPerSecond: 8000, latencyMs: 37.3, jitterMs: 25, loss: 0.1, seed: 11 };
    const model = new LinkShaper(shape);
    const link = new ShapedLink(inner, new LinkShaper(shape), () => timers.clock, timers);
    const due: { n: number; at: number }[] = [];
    for (let i = 0; i < 200; i++) {
      timers.advanceTo(i * 7.37);
      const size = 1 + ((i * 97) % 300);
      const fate = model.send(size, timers.clock);
      link.send(frame(i % 256, size));
      if (fate.type === 'deliver') due.push({ n: i % 256, at: fate.at });
    }
    timers.advanceTo(100_000);
    expect(inner.sent.map((s) => s.bytes[0])).toEqual(due.map((d) => d.n));
    inner.sent.forEach((s, i) => {
      expect(s.at).toBeGreaterThanOrEqual(due[i]!.at - 1);
      expect(s.at).toBeLessThanOrEqual(due[i]!.at + 1);
    });
    expect(link.stats.dropped).toBe(200 - due.length);
    expect(link.bufferedAmount).toBe(0);
  });

  it('shapes relayed signaling with the frames, in order, and passes on the relay’s stall', () => {
    const timers = new BrowserTimers();
    const inner = new RecordingLink(PEER_A, () => timers.clock);
    const link = new ShapedLink(
      inner,
      new LinkShaper({ bytesPerSecond: 1000, latencyMs: 100, jitterMs: 0, loss: 0, seed: 1, overheadBytes: 0 }),
      () => timers.clock,
      timers,
    );
    link.send(frame(1, 100));
    link.sendSignal(frame(2, 100));
    expect(inner.sent).toEqual([]);
    expect(link.bufferedAmount).toBe(200);
    timers.advanceTo(1000);
    expect(inner.sent).toEqual([
      { at: 200, bytes: [...frame(1, 100)], signal: false },
      { at: 300, bytes: [...frame(2, 100)], signal: true },
    ]);
    inner.stalled = 4200;
    expect(link.stalledMs(0)).toBe(4200);
  });

  it('throws for a frame over the limit at once, as the inner link would, and stays open', () => {
    const timers = new BrowserTimers();
    const inner = new RecordingLink(PEER_A, () => timers.clock);
    const link = new ShapedLink(
      inner,
      new LinkShaper({ bytesPerSecond: 1000, latencyMs: 100, jitterMs: 0, loss: 0, seed: 1 }),
      () => timers.clock,
      timers,
    );
    expect(() => link.send(new Uint8Array(MAX_FRAME_BYTES + 1))).toThrow(RangeError);
    link.send(frame(3));
    timers.advanceTo(10_000);
    expect(inner.sent.map((s) => s.bytes[0])).toEqual([3]);
  });
});

describe('LinkShaping (shapeLinks: every link of the node, open and to come)', () => {
  it('passes frames straight on until a shape is set, then shapes the open link and the next ones', () => {
    const timers = new BrowserTimers();
    const shaping = new LinkShaping(() => timers.clock, timers);
    const mesh = fakeMesh();
    const accept = shaping.accept(mesh.accept);
    const innerA = new RecordingLink(PEER_A, () => timers.clock);
    const handlerA = accept(innerA);
    const a = mesh.links[0]!;
    expect(a.peer).toBe(PEER_A);

    a.send(frame(1));
    expect(innerA.sent.map((s) => [s.at, s.bytes[0]])).toEqual([[0, 1]]); // unshaped: at once

    // 1,000 B/s with 93 B of headers per message: 7 B + 93 B = 100 ms on the wire, then 50 ms.
    shaping.set({ bytesPerSecond: 1000, latencyMs: 50, jitterMs: 0, loss: 0, seed: 1 });
    a.send(frame(2, 7));
    a.send(frame(3, 7));
    expect(a.bufferedAmount).toBe(14);
    timers.advanceTo(149);
    expect(innerA.sent).toHaveLength(1);
    timers.advanceTo(1000);
    expect(innerA.sent.slice(1).map((s) => [s.at, s.bytes[0]])).toEqual([
      [150, 2],
      [250, 3],
    ]);

    const innerB = new RecordingLink(PEER_B, () => timers.clock);
    accept(innerB);
    const b = mesh.links[1]!;
    b.send(frame(4, 7));
    expect(innerB.sent).toEqual([]);
    timers.advanceTo(1150);
    expect(innerB.sent.map((s) => [s.at, s.bytes[0]])).toEqual([[1150, 4]]);

    // What the transport hands the mesh still reaches it through the wrapped handler.
    handlerA.receive(frame(9));
    handlerA.signal?.(frame(8));
    expect(mesh.heard).toEqual(['receive 9', 'signal 8']);
  });

  it('lifting the shape sends later frames after the ones still held, never before them', () => {
    const timers = new BrowserTimers();
    const shaping = new LinkShaping(() => timers.clock, timers);
    const mesh = fakeMesh();
    const inner = new RecordingLink(PEER_A, () => timers.clock);
    shaping.set({ bytesPerSecond: 1000, latencyMs: 300, jitterMs: 0, loss: 0, seed: 1 });
    shaping.accept(mesh.accept)(inner);
    const link = mesh.links[0]!;
    link.send(frame(1, 7));
    shaping.set(null);
    link.send(frame(2, 7));
    expect(inner.sent).toEqual([]);
    timers.advanceTo(400);
    expect(inner.sent.map((s) => [s.at, s.bytes[0]])).toEqual([
      [400, 1],
      [400, 2],
    ]);
    link.send(frame(3, 7));
    expect(inner.sent.map((s) => s.bytes[0])).toEqual([1, 2, 3]); // nothing held: straight on again
  });

  it('a reshape of a link with frames held lets no burst out: later frames wait for the wire the held ones use', () => {
    const timers = new BrowserTimers();
    const shaping = new LinkShaping(() => timers.clock, timers);
    const mesh = fakeMesh();
    const inner = new RecordingLink(PEER_A, () => timers.clock);
    // 1,000 B/s with 93 B of headers per message: a 7-B frame takes 100 ms on the wire.
    const shape = { bytesPerSecond: 1000, latencyMs: 0, jitterMs: 0, loss: 0, seed: 1 };
    shaping.set(shape);
    shaping.accept(mesh.accept)(inner);
    const link = mesh.links[0]!;
    for (let i = 0; i < 10; i++) link.send(frame(i, 7)); // on the wire until 1,000 ms
    // The same shape set again (as each tab's test does), then a slower one: neither may start a
    // second, idle wire beside the one still carrying the held frames.
    shaping.set(shape);
    for (let i = 10; i < 15; i++) link.send(frame(i, 7));
    timers.advanceTo(300);
    shaping.set({ ...shape, bytesPerSecond: 500 }); // 200 ms a frame, after the 1,500 ms the wire is busy
    for (let i = 15; i < 17; i++) link.send(frame(i, 7));
    timers.advanceTo(10_000);
    expect(inner.sent.map((s) => s.bytes[0])).toEqual([...Array(17).keys()]);
    expect(inner.sent.map((s) => s.at)).toEqual([
      100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 1700, 1900,
    ]);
    // Never more through in any 100 ms than the rate carries (one 100-B message on the wire).
    for (const s of inner.sent) expect(inner.sent.filter((t) => t.at > s.at - 100 && t.at <= s.at)).toHaveLength(1);
  });

  it('gives each link its own draws, so two links do not lose the same frames', () => {
    const timers = new BrowserTimers();
    const shaping = new LinkShaping(() => timers.clock, timers);
    const mesh = fakeMesh();
    shaping.set({ bytesPerSecond: Infinity, latencyMs: 0, jitterMs: 0, loss: 0.5, seed: 3 });
    const innerA = new RecordingLink(PEER_A, () => timers.clock);
    const innerB = new RecordingLink(PEER_B, () => timers.clock);
    shaping.accept(mesh.accept)(innerA);
    shaping.accept(mesh.accept)(innerB);
    for (let i = 0; i < 64; i++) for (const l of mesh.links) l.send(frame(i));
    timers.advanceTo(10);
    const through = (l: RecordingLink) => l.sent.map((s) => s.bytes[0]);
    expect(through(innerA).length).toBeGreaterThan(16);
    expect(through(innerA).length).toBeLessThan(48);
    expect(through(innerA)).not.toEqual(through(innerB));
  });

  it('forgets a link once either end closed it, and drops what it held for it', () => {
    const timers = new BrowserTimers();
    const shaping = new LinkShaping(() => timers.clock, timers);
    const mesh = fakeMesh();
    const accept = shaping.accept(mesh.accept);
    const innerA = new RecordingLink(PEER_A, () => timers.clock);
    const innerB = new RecordingLink(PEER_B, () => timers.clock);
    shaping.set({ bytesPerSecond: 1000, latencyMs: 100, jitterMs: 0, loss: 0, seed: 1 });
    accept(innerA);
    const handlerB = accept(innerB);
    expect(shaping.links()).toHaveLength(2);
    mesh.links[0]!.close('bye');
    expect(innerA.closedWith).toBe('bye');
    mesh.links[1]!.send(frame(5));
    handlerB.closed('gone');
    expect(mesh.heard).toEqual(['closed gone']);
    expect(shaping.links()).toHaveLength(0);
    // What was held for a link the far end closed is dropped, not sent into the closed link.
    expect(mesh.links[1]!.bufferedAmount).toBe(0);
    timers.advanceTo(10_000);
    expect(innerB.sent).toEqual([]);
  });

  it('the app’s shape (shapeLinks) is a reliable channel: a lost copy is resent, later, in order, never dropped', () => {
    const timers = new BrowserTimers();
    const shaping = new LinkShaping(() => timers.clock, timers);
    const mesh = fakeMesh();
    // Every first copy lost: each frame comes one round trip (2 × 10 ms) after its first copy's time.
    shaping.set(checkLinkShape({ bytesPerSecond: null, latencyMs: 10, loss: 1 }));
    const inner = new RecordingLink(PEER_A, () => timers.clock);
    shaping.accept(mesh.accept)(inner);
    const link = mesh.links[0]!;
    for (let i = 0; i < 5; i++) link.send(frame(i));
    timers.advanceTo(29);
    expect(inner.sent).toEqual([]);
    timers.advanceTo(30);
    expect(inner.sent.map((s) => [s.at, s.bytes[0]])).toEqual([0, 1, 2, 3, 4].map((i) => [30, i]));

    // Half of them lost, at a rate: all arrive, in the order sent, none counted as dropped.
    shaping.set(checkLinkShape({ bytesPerSecond: 8000, latencyMs: 100, jitterMs: 20, loss: 0.5, seed: 3 }));
    for (let i = 5; i < 69; i++) link.send(frame(i, 50));
    timers.advanceTo(60_000);
    expect(inner.sent.map((s) => s.bytes[0])).toEqual([...Array(69).keys()]);
    expect((link as ShapedLink).stats.dropped).toBe(0);
  });

  it('refuses a shape the shaper cannot take, and keeps the one in force', () => {
    const timers = new BrowserTimers();
    const shaping = new LinkShaping(() => timers.clock, timers);
    shaping.set({ bytesPerSecond: 8000, latencyMs: 0, jitterMs: 0, loss: 0, seed: 1 });
    expect(() => shaping.set({ bytesPerSecond: 8000, latencyMs: 0, jitterMs: 0, loss: 2, seed: 1 })).toThrow(
      RangeError,
    );
    expect(shaping.current?.loss).toBe(0);
  });
});
