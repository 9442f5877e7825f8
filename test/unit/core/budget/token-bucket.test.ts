import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../../src/core/budget/token-bucket';

describe('TokenBucket', () => {
  it('starts full and refuses once the burst is spent', () => {
    const bucket = new TokenBucket(1, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.take(999)).toBe(false);
    expect(bucket.take(1000)).toBe(true);
  });

  it('never grants more than the burst plus the rate times the elapsed time, whatever the clock does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: -5_000, max: 5_000 }), { maxLength: 200 }),
        (rate, burst, steps) => {
          const bucket = new TokenBucket(rate, burst, 0);
          let now = 0;
          let latest = 0;
          let granted = 0;
          for (const step of steps) {
            now += step; // a clock that steps back must not refill the bucket
            latest = Math.max(latest, now);
            if (bucket.take(now)) granted += 1;
            expect(granted).toBeLessThanOrEqual(burst + (latest * rate) / 1000 + 1e-9);
          }
        },
      ),
    );
  });
});
