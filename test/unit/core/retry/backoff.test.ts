import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../../src/core/retry/backoff';

const policy = { baseMs: 250, maxMs: 30_000 };

describe('backoffDelay', () => {
  it('waits nothing before a failure, then base, doubling, capped at max', () => {
    const waits = [0, 1, 2, 3, 7, 8, 9, 1000].map((f) => backoffDelay(f, policy));
    expect(waits).toEqual([0, 250, 500, 1000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('with jitter, stays within [0.5, 1.5) of the plain wait', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 0.999_999, noNaN: true }), (f, r) => {
        const plain = backoffDelay(f, policy);
        const jittered = backoffDelay(f, policy, () => r);
        expect(jittered).toBeGreaterThanOrEqual(Math.round(plain * 0.5));
        expect(jittered).toBeLessThanOrEqual(Math.round(plain * 1.5));
      }),
    );
  });
});
