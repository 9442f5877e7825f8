import type { NodeId } from '../../src/core/ids';
import { MAX_FRAME_BYTES, type Link, type LinkHandler } from '../../src/ports/transport';
import type { ContractTestApi } from './storage-contract';

/**
 * One behavioural suite for every `Link` adapter (automerge-repo's network-adapter-tests idea):
 * what the mesh relies on, stated once, run against each transport. The test functions come in as
 * arguments, as for the storage suite, so the same cases can run under vitest and in Chromium.
 */

export const NODE_A = 'link-node-a' as NodeId;
export const NODE_B = 'link-node-b' as NodeId;

export interface LinkPair {
  /** The adapter's end under test, at node A: its `peer` is NODE_B. */
  readonly a: Link;
  /** The other end, at node B: its `peer` is NODE_A. */
  readonly b: Link;
  /** Lets whatever is in flight arrive (steps a simulated network, waits for a real one). */
  readonly settle: () => Promise<void>;
  readonly teardown: () => Promise<void>;
}

/** Opens a link between NODE_A and NODE_B whose ends report to these handlers. */
export type OpenLinkPair = (atA: LinkHandler, atB: LinkHandler) => Promise<LinkPair>;

/** What one end's handler was told. */
class Recorder implements LinkHandler {
  readonly frames: Uint8Array[] = [];
  readonly closes: string[] = [];
  /** Frames that came after this end heard its link close. */
  afterClose = 0;

  receive(frame: Uint8Array): void {
    if (this.closes.length > 0) this.afterClose += 1;
    // The adapter may reuse its buffer once receive returns: keep a copy.
    this.frames.push(frame.slice());
  }

  closed(reason: string): void {
    this.closes.push(reason);
  }
}

/** Frame i of a run: its index in the first four bytes, then a pattern that depends on it. */
function numbered(i: number, size = 16): Uint8Array {
  const out = new Uint8Array(Math.max(4, size));
  new DataView(out.buffer).setUint32(0, i);
  for (let j = 4; j < out.length; j++) out[j] = (i * 31 + j * 7) & 0xff;
  return out;
}

function indexOf(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0);
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.byteLength !== y.byteLength) return false;
  for (let i = 0; i < x.byteLength; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function runLinkContract(name: string, open: OpenLinkPair, t: ContractTestApi): void {
  const { describe, it, expect } = t;

  async function pair(): Promise<{ p: LinkPair; atA: Recorder; atB: Recorder }> {
    const atA = new Recorder();
    const atB = new Recorder();
    return { p: await open(atA, atB), atA, atB };
  }

  /** Settles until `done` holds; a real transport may need several turns of its event loop. */
  async function settleUntil(p: LinkPair, what: string, done: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    await p.settle();
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await p.settle();
    }
  }

  describe(`Link contract: ${name}`, () => {
    it('names the peer at each end', async () => {
      const { p } = await pair();
      expect(p.a.peer).toBe(NODE_B);
      expect(p.b.peer).toBe(NODE_A);
      await p.teardown();
    });

    it('delivers frames intact and in order, in both directions at once', async () => {
      const { p, atA, atB } = await pair();
      const n = 50;
      for (let i = 0; i < n; i++) {
        p.a.send(numbered(i, 8 + i));
        p.b.send(numbered(1000 + i, 8 + 2 * i));
      }
      await settleUntil(p, 'every frame', () => atA.frames.length >= n && atB.frames.length >= n);
      expect(atB.frames.map(indexOf)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(atA.frames.map(indexOf)).toEqual(Array.from({ length: n }, (_, i) => 1000 + i));
      expect(atB.frames.every((f, i) => sameBytes(f, numbered(i, 8 + i)))).toBe(true);
      expect(atA.frames.every((f, i) => sameBytes(f, numbered(1000 + i, 8 + 2 * i)))).toBe(true);
      await p.teardown();
    });

    it('copies the frame on send: the sender may reuse its buffer at once', async () => {
      const { p, atB } = await pair();
      const buffer = numbered(7, 64);
      p.a.send(buffer);
      buffer.fill(0xee);
      await settleUntil(p, 'the frame', () => atB.frames.length === 1);
      expect(sameBytes(atB.frames[0]!, numbered(7, 64))).toBe(true);
      await p.teardown();
    });

    it('delivers an empty frame as an empty frame', async () => {
      const { p, atB } = await pair();
      p.a.send(new Uint8Array(0));
      p.a.send(numbered(1));
      await settleUntil(p, 'both frames', () => atB.frames.length === 2);
      expect(atB.frames[0]!.byteLength).toBe(0);
      expect(indexOf(atB.frames[1]!)).toBe(1);
      await p.teardown();
    });

    it('carries frames of MAX_FRAME_BYTES intact', async () => {
      const { p, atA, atB } = await pair();
      p.a.send(numbered(1, MAX_FRAME_BYTES));
      p.b.send(numbered(2, MAX_FRAME_BYTES));
      await settleUntil(p, 'both large frames', () => atA.frames.length === 1 && atB.frames.length === 1);
      expect(sameBytes(atB.frames[0]!, numbered(1, MAX_FRAME_BYTES))).toBe(true);
      expect(sameBytes(atA.frames[0]!, numbered(2, MAX_FRAME_BYTES))).toBe(true);
      await p.teardown();
    });

    it('refuses a frame over MAX_FRAME_BYTES with a RangeError and stays usable', async () => {
      const { p, atB } = await pair();
      const error = (() => {
        try {
          p.a.send(new Uint8Array(MAX_FRAME_BYTES + 1));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(RangeError);
      p.a.send(numbered(3));
      await settleUntil(p, 'the next frame', () => atB.frames.length === 1);
      expect(indexOf(atB.frames[0]!)).toBe(3);
      await p.teardown();
    });

    it('carries many frames (5,000 each way, 4 MiB in all) without loss or reordering', async () => {
      const { p, atA, atB } = await pair();
      const n = 5000;
      for (let i = 0; i < n; i++) {
        p.a.send(numbered(i, 400));
        p.b.send(numbered(i, 400));
      }
      await settleUntil(p, 'every frame', () => atA.frames.length >= n && atB.frames.length >= n);
      expect(atA.frames.length).toBe(n);
      expect(atB.frames.length).toBe(n);
      expect(atA.frames.every((f, i) => indexOf(f) === i && sameBytes(f, numbered(i, 400)))).toBe(true);
      expect(atB.frames.every((f, i) => indexOf(f) === i && sameBytes(f, numbered(i, 400)))).toBe(true);
      await p.teardown();
    });

    it('reports a finite, non-negative bufferedAmount', async () => {
      const { p, atB } = await pair();
      p.a.send(numbered(0, 1000));
      const buffered = p.a.bufferedAmount;
      expect(Number.isFinite(buffered) && buffered >= 0).toBe(true);
      await settleUntil(p, 'the frame', () => atB.frames.length === 1);
      expect(Number.isFinite(p.a.bufferedAmount) && p.a.bufferedAmount >= 0).toBe(true);
      await p.teardown();
    });

    for (const closer of ['a', 'b'] as const) {
      it(`tells the far end once, with the reason, when ${closer} closes`, async () => {
        const { p, atA, atB } = await pair();
        const [near, far] = closer === 'a' ? [atA, atB] : [atB, atA];
        p[closer].close('operator closed it');
        p[closer].close('closed twice');
        await settleUntil(p, 'the far end told', () => far.closes.length > 0);
        await p.settle();
        expect(far.closes).toEqual(['operator closed it']);
        // The closing end may hear its own close, but at most once.
        expect(near.closes.length <= 1).toBe(true);
        await p.teardown();
      });

      it(`drops, without throwing, what either end sends after ${closer} closed`, async () => {
        const { p, atA, atB } = await pair();
        const far = closer === 'a' ? atB : atA;
        p.a.send(numbered(1));
        await settleUntil(p, 'the first frame', () => atB.frames.length === 1);
        p[closer].close('done');
        p[closer].send(numbered(2));
        await settleUntil(p, 'the far end told', () => far.closes.length > 0);
        p.a.send(numbered(3));
        p.b.send(numbered(4));
        await p.settle();
        await p.settle();
        expect(atB.frames.map(indexOf)).toEqual([1]);
        expect(atA.frames).toEqual([]);
        expect(atA.afterClose + atB.afterClose).toBe(0);
        await p.teardown();
      });
    }

    it('delivers nothing to an end after it heard the close, even with frames in flight', async () => {
      const { p, atA, atB } = await pair();
      for (let i = 0; i < 100; i++) {
        p.a.send(numbered(i, 2000));
        p.b.send(numbered(i, 2000));
      }
      p.b.close('cut mid-stream');
      for (let i = 100; i < 200; i++) p.a.send(numbered(i, 2000));
      await settleUntil(p, 'A told', () => atA.closes.length > 0);
      await p.settle();
      await p.settle();
      expect(atA.afterClose + atB.afterClose).toBe(0);
      // What did arrive is a prefix of what was sent: nothing skipped, nothing reordered.
      expect(atB.frames.every((f, i) => indexOf(f) === i)).toBe(true);
      expect(atA.frames.every((f, i) => indexOf(f) === i)).toBe(true);
      await p.teardown();
    });
  });
}
