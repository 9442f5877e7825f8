import { describe, expect, it } from 'vitest';
import { ByteBucket } from '../../../../src/core/budget/byte-bucket';
import { LinkBudgeter, type LinkBudgeterOptions } from '../../../../src/core/budget/link-budgeter';
import { ALL_CLASSES, type PriorityClass } from '../../../../src/core/budget/priority-classes';
import { PER_MESSAGE_OVERHEAD_BYTES } from '../../../../src/core/budget/wire-overhead';
import { MAX_SYNC_FRAME_BYTES } from '../../../../src/core/sync/codec';
import { drive } from './drive';

/** The transport's frame limit: the budgeter takes it as a parameter. */
const MAX_FRAME = MAX_SYNC_FRAME_BYTES;
const O = PER_MESSAGE_OVERHEAD_BYTES;

const budgeter = (options: Partial<LinkBudgeterOptions> = {}, now = 0) =>
  new LinkBudgeter<string>({ maxFrameBytes: MAX_FRAME, ...options }, now);

const item = (cls: PriorityClass, payload: string, bytes = 100, key?: string) => ({ cls, bytes, payload, key });

/** Spends the link's whole burst at `now` with one LOW frame. */
function exhaust(b: LinkBudgeter<string>, burst: number, now: number): void {
  b.enqueue(item('low', 'filler', burst - O), now);
  expect(b.poll(now).type).toBe('frame');
}

describe('LinkBudgeter', () => {
  it('sends a HIGH change at zero budget at once; LOW waits, and longer for the debt HIGH ran up', () => {
    const withHigh = budgeter({ budget: { bytesPerSecond: 1000, burstBytes: 1000 } });
    const without = budgeter({ budget: { bytesPerSecond: 1000, burstBytes: 1000 } });
    for (const b of [withHigh, without]) exhaust(b, 1000, 0);

    withHigh.enqueue(item('high', 'threat', 107), 0);
    const sent = withHigh.poll(0);
    expect(sent).toMatchObject({ type: 'frame', chargedBytes: 200, items: [{ cls: 'high', enqueuedAt: 0 }] });

    for (const b of [withHigh, without]) b.enqueue(item('low', 'later', 107), 0);
    expect(without.poll(0)).toEqual({ type: 'wait', until: 200 });
    expect(withHigh.poll(0)).toEqual({ type: 'wait', until: 400 }); // the 200 B of debt are repaid first
    expect(withHigh.poll(399).type).toBe('wait');
    expect(withHigh.poll(400).type).toBe('frame');
  });

  it('lets deletes, approvals and control go before a queue of lower classes, in strict order', () => {
    const b = budgeter({ budget: { bytesPerSecond: 1000, burstBytes: 1000 } });
    exhaust(b, 1000, 0);
    b.enqueue(item('position', 'p'), 0);
    b.enqueue(item('medium', 'm'), 0);
    b.enqueue(item('high', 'h'), 0);
    b.enqueue(item('delete', 'd'), 0);
    b.enqueue(item('control', 'c'), 0);
    const frame = b.poll(0);
    expect(frame.type === 'frame' && frame.items.map((i) => i.item.payload)).toEqual(['c', 'd', 'h']);
    expect(b.poll(0).type).toBe('wait');
  });

  it("sends a decision ahead of the HIGH tracks' motion that keeps the class at its debt bound, alone as soon as it fits", () => {
    const b = budgeter({ budget: { bytesPerSecond: 8000, burstBytes: 8000 } });
    // 400 HIGH tracks' positions: 16,000 B of borrowing traffic, twice the burst.
    for (let i = 0; i < 400; i++) b.enqueue(item('high', `pos${i}`, 40, `track${i}\u0000position`), 0);
    while (b.poll(0).type === 'frame');
    b.enqueue({ ...item('high', 'approval', 60, 'track7\u0000approval'), lead: true }, 0);
    b.enqueue(item('high', 'pos-late', 40, 'track400\u0000position'), 0);
    let now = 0;
    let r = b.poll(now);
    while (r.type === 'wait') r = b.poll((now = r.until));
    // Not after the 200-odd positions still queued (over a second of tokens): the next frame, on
    // the tokens its own 153 B need, and nothing else rides on it.
    expect(r.type === 'frame' && r.items.map((i) => i.item.payload)).toEqual(['approval']);
    expect(now).toBeLessThanOrEqual(Math.ceil(((60 + O) / 8000) * 1000));
    // The motion then goes on in its order.
    r = b.poll((now += 1000));
    expect(r.type === 'frame' && r.items[0]!.item.payload).toMatch(/^pos\d+$/);
  });

  it('makes an anti-entropy flood yield to a live HIGH change', () => {
    const b = budgeter({ budget: { bytesPerSecond: 8000, burstBytes: 8000 } });
    for (let i = 0; i < 100; i++) b.enqueue(item('sync', `s${i}`, 500), 0);
    const first = b.poll(0);
    expect(first.type === 'frame' && first.items.every((i) => i.cls === 'sync')).toBe(true);
    b.enqueue(item('high', 'h', 40), 0);
    expect(b.poll(0)).toMatchObject({ type: 'frame', items: [{ cls: 'high' }] });
  });

  it('keeps only the latest value of a coalesced track and counts the replaced ones', () => {
    const b = budgeter({ budget: { bytesPerSecond: 1000, burstBytes: 1000 } });
    exhaust(b, 1000, 0);
    for (let t = 0; t < 5; t++) b.enqueue(item('position', `p${t}`, 24, 'track-1'), t * 100);
    drive({
      budgeters: [b],
      from: 400,
      to: 10_000,
      onFrame: (frame) => expect(frame.items.map((i) => i.item.payload)).toEqual(['p4']),
    });
    const stats = b.stats(10_000).classes.position;
    expect(stats).toMatchObject({ queued: 0, sent: 1, coalesced: 4, deferred: 0 });
    expect(stats.latencyP99Ms).toBeGreaterThan(0); // counted from the first change the item stood for
  });

  it('defers what overflows a bounded queue, with counts, and hands back the keys', () => {
    const b = budgeter({
      budget: { bytesPerSecond: 1000, burstBytes: 1000 },
      limits: { position: { maxItems: 4, maxBytes: 1000 } },
    });
    const deferred: string[] = [];
    for (let i = 0; i < 10; i++) {
      const outcome = b.enqueue(item('position', `p${i}`, 24, `t${i}`), 0);
      if (outcome.type === 'deferred') deferred.push(outcome.key);
    }
    expect(deferred).toEqual(['t4', 't5', 't6', 't7', 't8', 't9']);
    expect(b.enqueue(item('low', 'huge', MAX_FRAME + 1, 'big'), 0)).toEqual({ type: 'deferred', key: 'big' });
    const stats = b.stats(0).classes;
    expect(stats.position).toMatchObject({ queued: 4, deferred: 6 });
    expect(stats.low).toMatchObject({ queued: 0, deferred: 1 });
  });

  it('reports the budgetStats shape for every class', () => {
    const b = budgeter();
    const stats = b.stats(0);
    expect(Object.keys(stats).sort()).toEqual(['burstBytes', 'bytesPerSecond', 'classes', 'sentBytesPerSecond']);
    expect(Object.keys(stats.classes).sort()).toEqual([...ALL_CLASSES].sort());
    expect(stats.bytesPerSecond).toBe(Infinity);
    b.setBudget({ bytesPerSecond: 8000, burstBytes: null }, 0);
    expect(b.stats(0)).toMatchObject({ bytesPerSecond: 8000, burstBytes: Infinity });
  });

  it('sends everything at once, in frames up to the transport maximum, when unlimited', () => {
    const b = budgeter({ limits: { position: { maxItems: 30_000, maxBytes: 1 << 20 } } });
    for (let i = 0; i < 30_000; i++) b.enqueue(item('position', `p${i}`, 24, `t${i}`), 0);
    const frames: number[] = [];
    drive({ budgeters: [b], from: 0, to: 0, onFrame: (f) => frames.push(f.payloadBytes) });
    expect(frames.reduce((a, c) => a + c, 0)).toBe(30_000 * 24);
    expect(Math.max(...frames)).toBeLessThanOrEqual(MAX_FRAME);
    expect(frames.length).toBe(Math.ceil((30_000 * 24) / (Math.floor(MAX_FRAME / 24) * 24)));
  });

  it('neither sends early nor bursts when the clock steps back; HIGH still passes', () => {
    const b = budgeter({ budget: { bytesPerSecond: 1000, burstBytes: 1000 } }, 10_000);
    exhaust(b, 1000, 10_000);
    b.enqueue(item('low', 'l', 107), 10_000);
    // Wherever the clock is, the wake-up is when the refill, which resumes at 10 s, covers 200 B.
    for (const back of [9_000, 0, 5_000, 10_000, 10_199]) expect(b.poll(back)).toEqual({ type: 'wait', until: 10_200 });
    b.enqueue(item('high', 'h', 107), 3_000);
    expect(b.poll(3_000)).toMatchObject({ type: 'frame', items: [{ item: { payload: 'h' } }] });
    expect(b.poll(10_399).type).toBe('wait');
    expect(b.poll(10_400)).toMatchObject({ type: 'frame', items: [{ item: { payload: 'l' } }] });
    expect(b.stats(2_000).classes.high.latencyP99Ms).toBe(0); // never a negative latency
  });

  it('holds two links to their own budgets and to the node-wide budget they share', () => {
    const node = new ByteBucket({ bytesPerSecond: 8000, burstBytes: 4000 }, 0);
    const a = budgeter({ budget: { bytesPerSecond: 2000, burstBytes: 1000 }, shared: [node] });
    const b = budgeter({ budget: { bytesPerSecond: 8000, burstBytes: 4000 }, shared: [node] });
    const charged = [0, 0];
    const seconds = 300;
    drive({
      budgeters: [a, b],
      from: 0,
      to: seconds * 1000,
      topUp: (now) => {
        for (const link of [a, b]) {
          if (link.stats(now).classes.low.queued < 100) link.enqueue(item('low', 'x', 200), now);
        }
      },
      onFrame: (frame, _now, link) => (charged[link]! += frame.chargedBytes),
    });
    const rateA = charged[0]! / seconds;
    const rateB = charged[1]! / seconds;
    expect(rateA).toBeGreaterThan(2000 * 0.95);
    expect(rateA).toBeLessThan(2000 * 1.05);
    expect(rateA + rateB).toBeGreaterThan(8000 * 0.95); // the radio stays busy
    expect(rateA + rateB).toBeLessThan(8000 * 1.05);
  });
});
