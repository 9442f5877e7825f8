import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BudgetGate } from '../../../../src/core/budget/budget-gate';
import { ByteBucket, normaliseBudget } from '../../../../src/core/budget/byte-bucket';

describe('ByteBucket', () => {
  it('starts full, then admits only what the rate refills', () => {
    const bucket = new ByteBucket({ bytesPerSecond: 1000, burstBytes: 500 }, 0);
    expect(bucket.canSend(500, 0)).toBe(true);
    bucket.charge(500, 0);
    expect(bucket.canSend(100, 0)).toBe(false);
    expect(bucket.sendWaitMs(100, 0)).toBe(100);
    expect(bucket.canSend(100, 99)).toBe(false);
    expect(bucket.canSend(100, 100)).toBe(true);
    expect(bucket.available(10_000)).toBe(500); // never above the burst
  });

  it('lets the borrowing classes pass at zero tokens, within the debt bound, and the debt is repaid', () => {
    const bucket = new ByteBucket({ bytesPerSecond: 1000, burstBytes: 200, maxDebtBytes: 300 }, 0);
    bucket.charge(200, 0);
    expect(bucket.canSend(50, 0)).toBe(false);
    expect(bucket.canBorrow(300, 0)).toBe(true);
    bucket.charge(300, 0);
    expect(bucket.available(0)).toBe(-300);
    expect(bucket.canBorrow(1, 0)).toBe(false); // the debt is bounded
    expect(bucket.borrowWaitMs(100, 0)).toBe(100);
    // A non-borrowing send now waits for the debt plus its own bytes.
    expect(bucket.sendWaitMs(100, 0)).toBe(400);
  });

  it('lets a message larger than the burst go from a full bucket, leaving the excess as debt', () => {
    const bucket = new ByteBucket({ bytesPerSecond: 1000, burstBytes: 100 }, 0);
    expect(bucket.canSend(250, 0)).toBe(true);
    bucket.charge(250, 0);
    expect(bucket.available(0)).toBe(-150);
    expect(bucket.sendWaitMs(250, 0)).toBe(250);
  });

  it('neither refills nor bursts again when the clock steps back', () => {
    const bucket = new ByteBucket({ bytesPerSecond: 1000, burstBytes: 1000 }, 10_000);
    bucket.charge(1000, 10_000);
    expect(bucket.available(5_000)).toBe(0); // back 5 s: no negative refill
    expect(bucket.sendWaitMs(100, 5_000)).toBe(5_100); // the refill resumes only at 10 s
    expect(bucket.available(9_000)).toBe(0); // forward again, still before the latest time seen
    expect(bucket.available(10_500)).toBe(500); // refills only for time past the latest seen
  });

  it('is unlimited at an infinite rate, and a limit set later starts from a full burst', () => {
    const bucket = new ByteBucket(normaliseBudget({ bytesPerSecond: null, burstBytes: null }), 0);
    expect(bucket.unlimited).toBe(true);
    bucket.charge(1e12, 0);
    expect(bucket.canSend(1e9, 0)).toBe(true);
    bucket.setBudget({ bytesPerSecond: 100, burstBytes: 50 }, 1);
    expect(bucket.available(1)).toBe(50);
    expect(bucket.canSend(60, 1)).toBe(true);
    bucket.charge(60, 1);
    expect(bucket.canSend(1, 1)).toBe(false);
  });

  it('waits forever at a zero rate', () => {
    const bucket = new ByteBucket({ bytesPerSecond: 0, burstBytes: 0 }, 0);
    bucket.charge(10, 0);
    expect(bucket.sendWaitMs(10, 0)).toBe(Infinity);
  });

  it('refuses a negative or NaN budget', () => {
    expect(() => normaliseBudget({ bytesPerSecond: -1, burstBytes: 1 })).toThrow(RangeError);
    expect(() => normaliseBudget({ bytesPerSecond: 1, burstBytes: NaN })).toThrow(RangeError);
  });

  it('never lets more through than burst + rate × time + the debt bound, whatever the clock does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.array(
          fc.record({
            step: fc.integer({ min: -2_000, max: 2_000 }),
            bytes: fc.integer({ min: 1, max: 3_000 }),
            borrow: fc.boolean(),
          }),
          { maxLength: 300 },
        ),
        (rate, burst, maxDebt, sends) => {
          const bucket = new ByteBucket({ bytesPerSecond: rate, burstBytes: burst, maxDebtBytes: maxDebt }, 0);
          let now = 0;
          let latest = 0;
          let spent = 0;
          let largest = 0;
          for (const { step, bytes, borrow } of sends) {
            now += step;
            latest = Math.max(latest, now);
            const ok = borrow ? bucket.canBorrow(bytes, now) : bucket.canSend(bytes, now);
            if (!ok) continue;
            bucket.charge(bytes, now);
            spent += bytes;
            largest = Math.max(largest, bytes);
            // A message is admitted only with tokens ≥ -maxDebt, so it can overshoot by one message.
            expect(spent).toBeLessThanOrEqual(burst + (latest * rate) / 1000 + maxDebt + largest + 1e-6);
            expect(bucket.available(now)).toBeGreaterThanOrEqual(-maxDebt - largest - 1e-6);
          }
        },
      ),
    );
  });
});

describe('BudgetGate', () => {
  it('admits a send only when the link bucket and the shared node bucket both have room, and charges both', () => {
    const node = new ByteBucket({ bytesPerSecond: 1000, burstBytes: 1000 }, 0);
    const a = new BudgetGate([new ByteBucket({ bytesPerSecond: 800, burstBytes: 800 }, 0), node]);
    const b = new BudgetGate([new ByteBucket({ bytesPerSecond: 800, burstBytes: 800 }, 0), node]);
    expect(a.canSend(800, 0)).toBe(true);
    a.charge(800, 0);
    expect(b.canSend(800, 0)).toBe(false); // the node's radio has only 200 B left
    expect(b.canSend(200, 0)).toBe(true);
    expect(b.sendWaitMs(800, 0)).toBe(600);
    expect(a.sendWaitMs(800, 0)).toBe(1000); // its own bucket is the tighter one
    expect(a.effectiveBudget()).toEqual({ bytesPerSecond: 800, burstBytes: 800 });
  });
});
