import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IngestPacer } from '../../../../src/core/sync';

describe('IngestPacer (a link’s share of the merge)', () => {
  it('takes whole frames while a token is left, then makes the next wait until the debt is repaid', () => {
    const p = new IngestPacer(1000, 1000);
    expect(p.waitMs(0)).toBe(0);
    p.take(600, 0);
    expect(p.waitMs(0)).toBe(0);
    p.take(600, 0); // a frame is never split: 200 in debt
    expect(p.waitMs(0)).toBe(201); // (200 + 1) tokens at 1 a ms
    expect(p.waitMs(200)).toBe(1);
    expect(p.waitMs(201)).toBe(0);
  });

  it('a clock stepping back refills nothing and stalls nothing; a jump forward refills at most the burst', () => {
    const p = new IngestPacer(1000, 500);
    p.take(500, 10_000);
    expect(p.waitMs(10_000)).toBe(1);
    expect(p.waitMs(5_000)).toBe(1); // stepped back 5 s: still empty, nothing refilled
    // ... and the pace counts on from there: not stalled until the clock is back at 10,000.
    expect(p.waitMs(5_001)).toBe(0);
    p.take(1, 5_001);
    p.take(0, 5_101); // 100 tokens back
    p.take(100, 5_101);
    expect(p.waitMs(5_101)).toBe(1);
    expect(p.waitMs(1e12)).toBe(0);
    p.take(500, 1e12);
    expect(p.waitMs(1e12)).toBe(1); // only the burst came back, however long the gap
  });

  it('lets urgent frames overtake only while the debt stays within one burst', () => {
    const p = new IngestPacer(100, 50);
    expect(p.mayOvertake(0)).toBe(true);
    p.take(50, 0);
    expect(p.mayOvertake(0)).toBe(true);
    p.take(49, 0);
    expect(p.mayOvertake(0)).toBe(true);
    p.take(1, 0);
    expect(p.mayOvertake(0)).toBe(false);
    expect(p.mayOvertake(10)).toBe(true); // 1 token repaid
  });

  it('law: a sender that takes whenever allowed gets at most burst + rate × time + one frame,', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.array(fc.record({ n: fc.integer({ min: 1, max: 16_384 }), gap: fc.integer({ min: 0, max: 3_000 }) }), {
          minLength: 1,
          maxLength: 200,
        }),
        (rate, burst, frames) => {
          const p = new IngestPacer(rate, burst);
          let now = 0;
          let taken = 0;
          let largest = 0;
          for (const f of frames) {
            now += f.gap;
            const wait = p.waitMs(now);
            expect(wait).toBeGreaterThanOrEqual(0);
            now += wait;
            expect(p.waitMs(now)).toBe(0); // the wait it asked for is enough
            p.take(f.n, now);
            taken += f.n;
            largest = Math.max(largest, f.n);
            expect(taken).toBeLessThanOrEqual(burst + (rate * now) / 1000 + largest + 1);
          }
        },
      ),
    );
  });

  it('refuses a rate or burst that could never take a frame', () => {
    expect(() => new IngestPacer(0, 10)).toThrow(RangeError);
    expect(() => new IngestPacer(10, 0)).toThrow(RangeError);
    expect(() => new IngestPacer(Number.NaN, 10)).toThrow(RangeError);
  });
});
