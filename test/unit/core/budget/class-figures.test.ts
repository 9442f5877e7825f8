import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkBudgeter } from '../../../../src/core/budget/link-budgeter';
import { ALL_CLASSES, type PriorityClass } from '../../../../src/core/budget/priority-classes';
import { PER_MESSAGE_OVERHEAD_BYTES as O } from '../../../../src/core/budget/wire-overhead';
import { MAX_SYNC_FRAME_BYTES } from '../../../../src/core/sync/codec';

/** Per-class live figures (issue 9): bytes/s sent and the count of versions handed to anti-entropy. */
const budgeter = (bytesPerSecond: number | null, limits?: ConstructorParameters<typeof LinkBudgeter>[0]['limits']) =>
  new LinkBudgeter<string>(
    {
      maxFrameBytes: MAX_SYNC_FRAME_BYTES,
      budget: { bytesPerSecond, burstBytes: bytesPerSecond === null ? null : bytesPerSecond },
      ...(limits === undefined ? {} : { limits }),
    },
    0,
  );

const sumClasses = (b: LinkBudgeter<string>, now: number): number =>
  ALL_CLASSES.reduce((a, cls) => a + b.stats(now).classes[cls].sentBytesPerSecond, 0);

describe('per-class figures', () => {
  it('splits a frame by payload bytes, overhead included', () => {
    const b = budgeter(10_000);
    b.enqueue({ cls: 'medium', bytes: 300, payload: 'm', key: 'm' }, 0);
    b.enqueue({ cls: 'low', bytes: 100, payload: 'l', key: 'l' }, 0);
    const f = b.poll(0);
    expect(f).toMatchObject({ type: 'frame', chargedBytes: 400 + O });
    const s = b.stats(0);
    expect(s.classes.medium.sentBytesPerSecond).toBeCloseTo(((400 + O) * 3) / 4, 6);
    expect(s.classes.low.sentBytesPerSecond).toBeCloseTo((400 + O) / 4, 6);
    expect(s.classes.high.sentBytesPerSecond).toBe(0);
    // Settled with what went on the wire: shared out over the frame's classes the same way.
    b.settle(-100, 0);
    expect(b.stats(0).classes.medium.sentBytesPerSecond).toBeCloseTo(((300 + O) * 3) / 4, 6);
    // Settled by a caller that names the frame's classes (a frame signed after later polls).
    b.settle(50, 0, ['low']);
    expect(b.stats(0).classes.low.sentBytesPerSecond).toBeCloseTo((300 + O) / 4 + 50, 6);
  });

  it('counts the unlimited pass-through per class', () => {
    const b = budgeter(null);
    expect(b.passThrough('sync', 500, 0)).toBe(true);
    expect(b.stats(0).classes.sync.sentBytesPerSecond).toBe(500 + O);
  });

  it('adds up to the link rate, whatever the traffic and settlements (law)', () => {
    const cls = fc.constantFrom<PriorityClass>(...ALL_CLASSES);
    const step = fc.oneof(
      fc.record({ t: fc.constant('enqueue' as const), cls, bytes: fc.integer({ min: 0, max: 3000 }), key: fc.nat(40) }),
      fc.record({ t: fc.constant('poll' as const), dt: fc.integer({ min: -50, max: 800 }) }),
      fc.record({ t: fc.constant('settle' as const), delta: fc.integer({ min: -300, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.constantFrom(2000, 8000, null), fc.array(step, { maxLength: 80 }), (rate, steps) => {
        const b = budgeter(rate);
        let now = 0;
        let framed = false;
        for (const s of steps) {
          if (s.t === 'enqueue') b.enqueue({ cls: s.cls, bytes: s.bytes, payload: 'x', key: `k${s.key}` }, now);
          else if (s.t === 'poll') {
            now += s.dt;
            framed ||= b.poll(now).type === 'frame';
          } else if (framed) b.settle(s.delta, now); // a settlement follows a frame
        }
        const total = b.stats(now).sentBytesPerSecond;
        // Clamped at 0 per class (a refund can outweigh a quiet class): the sum is at least the total.
        expect(sumClasses(b, now)).toBeGreaterThanOrEqual(total - 1e-6);
        if (steps.every((s) => s.t !== 'settle' || s.delta >= 0)) expect(sumClasses(b, now)).toBeCloseTo(total, 6);
      }),
    );
  });

  it('counts keyed overflow as handed to anti-entropy, keyless refusals as deferred only', () => {
    const b = budgeter(1000, {
      position: { maxItems: 2, maxBytes: 1 << 20 },
      sync: { maxItems: 1, maxBytes: 1 << 20 },
    });
    for (let i = 0; i < 5; i++) b.enqueue({ cls: 'position', bytes: 20, payload: 'p', key: `t${i}` }, 0);
    b.enqueue({ cls: 'position', bytes: 20, payload: 'p', key: 't0' }, 0); // coalesced, not dropped
    b.enqueue({ cls: 'sync', bytes: 20, payload: 's' }, 0);
    b.enqueue({ cls: 'sync', bytes: 20, payload: 's' }, 0); // refused: its sender retries
    b.countRefused('sync');
    for (const key of ['h1', 'h2', 'h3']) b.enqueue({ cls: 'high', bytes: 20, payload: 'h', key }, 0);
    expect(b.poll(0).type).toBe('frame');
    b.cutFromFrame('high', 2); // charged, then two cut from the frame and left to anti-entropy
    const c = b.stats(0).classes;
    expect(c.position).toMatchObject({ queued: 2, coalesced: 1, deferred: 3, droppedToAntiEntropy: 3 });
    expect(c.sync).toMatchObject({ queued: 1, deferred: 2, droppedToAntiEntropy: 0 });
    expect(c.high).toMatchObject({ queued: 0, sent: 1, deferred: 2, droppedToAntiEntropy: 2 });
  });

  it('counts every item handed in exactly once: queued + sent + coalesced + deferred = enqueued (law)', () => {
    // Whatever comes in, goes out, is put back or cut from its frame, per class; and the versions
    // handed to anti-entropy are among the deferred (docs/budgeter.md, "Queues").
    const cls = fc.constantFrom<PriorityClass>(...ALL_CLASSES);
    const step = fc.oneof(
      fc.record({
        t: fc.constant('enqueue' as const),
        cls,
        bytes: fc.integer({ min: 1, max: 3000 }),
        key: fc.option(fc.nat(12), { nil: undefined }),
      }),
      fc.record({ t: fc.constant('pass' as const), cls, bytes: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ t: fc.constant('refuse' as const), cls }),
      fc.record({
        t: fc.constant('poll' as const),
        dt: fc.integer({ min: -50, max: 800 }),
        // Of the frame's items: how many go, how many are put back, and the rest is cut.
        go: fc.nat(),
        back: fc.nat(),
      }),
    );
    const limits = { maxItems: 4, maxBytes: 6000 };
    fc.assert(
      fc.property(fc.constantFrom(2000, 8000, null), fc.array(step, { maxLength: 120 }), (rate, steps) => {
        const b = budgeter(rate, Object.fromEntries(ALL_CLASSES.map((c) => [c, limits])));
        const enqueued = Object.fromEntries(ALL_CLASSES.map((c) => [c, 0])) as Record<PriorityClass, number>;
        let now = 0;
        for (const s of steps) {
          if (s.t === 'enqueue') {
            b.enqueue(
              { cls: s.cls, bytes: s.bytes, payload: 'x', ...(s.key === undefined ? {} : { key: `k${s.key}` }) },
              now,
            );
            enqueued[s.cls] += 1;
          } else if (s.t === 'pass') {
            if (b.passThrough(s.cls, s.bytes, now)) enqueued[s.cls] += 1;
          } else if (s.t === 'refuse') {
            b.countRefused(s.cls);
            enqueued[s.cls] += 1;
          } else {
            now += s.dt;
            const r = b.poll(now);
            if (r.type !== 'frame') continue;
            const go = s.go % (r.items.length + 1);
            const back = r.items.slice(go, go + (s.back % (r.items.length - go + 1)));
            for (const t of back) b.putBack(t.item, now);
            for (const t of r.items.slice(go + back.length)) b.cutFromFrame(t.cls);
          }
        }
        const c = b.stats(now).classes;
        for (const k of ALL_CLASSES) {
          expect(c[k].queued + c[k].sent + c[k].coalesced + c[k].deferred).toBe(enqueued[k]);
          expect(c[k].sent).toBeGreaterThanOrEqual(0);
          expect(c[k].droppedToAntiEntropy).toBeLessThanOrEqual(c[k].deferred);
        }
      }),
    );
  });
});
