import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FramePacker, frameTargetBytes } from '../../../../src/core/budget/frame-packer';
import { RateMeter } from '../../../../src/core/budget/rate-meter';
import { quantile, SampleWindow } from '../../../../src/core/budget/sample-window';

const MAX_FRAME = 256 * 1024 - 1024;
const sizing = { latencyTargetMs: 250, floorBytes: 512, maxFrameBytes: MAX_FRAME, overheadBytes: 93 };

describe('frameTargetBytes', () => {
  it('aims for what the rate carries within the latency target, within the burst, the floor and the maximum', () => {
    expect(frameTargetBytes({ ...sizing, bytesPerSecond: 8000, burstBytes: 8000 })).toBe(2000);
    expect(frameTargetBytes({ ...sizing, bytesPerSecond: 8000, burstBytes: 1093 })).toBe(1000);
    expect(frameTargetBytes({ ...sizing, bytesPerSecond: 100, burstBytes: 100 })).toBe(512);
    expect(frameTargetBytes({ ...sizing, bytesPerSecond: Infinity, burstBytes: Infinity })).toBe(MAX_FRAME);
    expect(frameTargetBytes({ ...sizing, bytesPerSecond: 1e9, burstBytes: 1e9 })).toBe(MAX_FRAME);
  });
});

describe('FramePacker', () => {
  it('always takes a first item, then only what fits the target', () => {
    const packer = new FramePacker(100);
    expect(packer.fits(500)).toBe(true);
    packer.add(500);
    expect(packer.fits(1)).toBe(false);
    const small = new FramePacker(100);
    small.add(60);
    expect([small.fits(40), small.fits(41)]).toEqual([true, false]);
  });
});

describe('SampleWindow and quantile', () => {
  it('keeps only the window, bounded in count, and a clock stepping back expires nothing early', () => {
    const w = new SampleWindow(1000, 3);
    w.add(1, 0);
    w.add(2, 500);
    expect(w.current(999)).toEqual([1, 2]);
    expect(w.current(1000)).toEqual([2]);
    w.add(3, 200); // back in time: stamped at the latest time seen
    expect(w.current(1400)).toEqual([2, 3]);
    w.add(4, 1400);
    w.add(5, 1400);
    expect(w.current(1400)).toEqual([3, 4, 5]);
  });

  it('takes the nearest-rank quantile', () => {
    expect(quantile([], 0.99)).toBe(0);
    expect(quantile([5], 0.99)).toBe(5);
    expect(
      quantile(
        Array.from({ length: 100 }, (_, i) => 100 - i),
        0.99,
      ),
    ).toBe(99);
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1 }), (xs) => {
        const p = quantile(xs, 0.99);
        expect(xs.filter((x) => x <= p).length / xs.length).toBeGreaterThanOrEqual(0.99 - 1e-9);
      }),
    );
  });
});

describe('RateMeter', () => {
  it('measures bytes per second over its window and forgets what left it', () => {
    const m = new RateMeter(10_000, 0);
    for (let t = 0; t < 20_000; t += 100) m.add(800, t); // 8,000 B/s
    expect(m.perSecond(20_000)).toBeCloseTo(8000, -2);
    expect(m.perSecond(40_000)).toBe(0);
    m.add(1000, 30_000); // back in time: counted now, not in an old bin
    expect(m.perSecond(40_000)).toBeCloseTo(1000 / 9.8, 6); // 49 full bins and the newest, just begun
  });

  it('does not overstate the rate of a young meter', () => {
    const m = new RateMeter(10_000, 0);
    m.add(500, 10);
    expect(m.perSecond(20)).toBe(500);
  });
});
