import { describe, expect, it } from 'vitest';
import {
  URGENT_MS,
  formatCountdown,
  isUrgent,
  msToNextChange,
  secondsLeft,
} from '../../../../src/ui/approvals/countdown';

describe('the approval countdown', () => {
  const deadline = 1_000_000;

  it('rounds up, so 0:00 means the deadline has passed', () => {
    expect(secondsLeft(deadline, deadline - 30_000)).toBe(30);
    expect(secondsLeft(deadline, deadline - 29_001)).toBe(30);
    expect(secondsLeft(deadline, deadline - 29_000)).toBe(29);
    expect(secondsLeft(deadline, deadline - 1)).toBe(1);
    expect(secondsLeft(deadline, deadline)).toBe(0);
    expect(secondsLeft(deadline, deadline + 5_000)).toBe(0);
  });

  it('formats minutes and seconds', () => {
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(9)).toBe('0:09');
    expect(formatCountdown(30)).toBe('0:30');
    expect(formatCountdown(125)).toBe('2:05');
  });

  it('is urgent from the tenth second left', () => {
    expect(isUrgent(deadline, deadline - URGENT_MS - 1)).toBe(false);
    expect(isUrgent(deadline, deadline - URGENT_MS)).toBe(true);
    expect(isUrgent(deadline, deadline)).toBe(true);
  });

  it('wakes exactly when the shown second changes, and not after the deadline', () => {
    for (const before of [30_000, 29_500, 1_000, 999, 1]) {
      const now = deadline - before;
      const wait = msToNextChange(deadline, now)!;
      expect(wait).toBeGreaterThan(0);
      expect(secondsLeft(deadline, now + wait)).toBe(secondsLeft(deadline, now) - 1);
      expect(secondsLeft(deadline, now + wait - 1)).toBe(secondsLeft(deadline, now));
    }
    expect(msToNextChange(deadline, deadline)).toBeUndefined();
  });
});
