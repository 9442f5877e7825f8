import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RESEND_WINDOW_MS, SentRecently } from '../../../../src/core/sync/sent-recently';

const id = (n: number): Uint8Array => {
  const b = new Uint8Array(16);
  const view = new DataView(b.buffer);
  view.setUint32(0, n, true);
  view.setUint32(4, Math.imul(n, 0x85ebca77) >>> 0, true);
  view.setUint32(8, Math.imul(n, 0x9e3779b1) >>> 0, true);
  view.setUint32(12, Math.imul(n ^ 0x5bd1e995, 0xc2b2ae3d) >>> 0, true);
  return b;
};
const secret = new Uint8Array(16).map((_, i) => i * 37 + 1);

describe('SentRecently: what one link was answered lately', () => {
  it('an id answered is remembered for at least half the window and forgotten after the window', () => {
    for (const at of [0, 1, RESEND_WINDOW_MS / 2 - 1]) {
      const s = new SentRecently(secret);
      s.sentLately(id(99), 0); // the window starts
      expect(s.sentLately(id(1), at)).toBe(false);
      s.sent(id(1), at);
      expect(s.sentLately(id(1), at)).toBe(true);
      expect(s.sentLately(id(1), at + RESEND_WINDOW_MS / 2 - 1)).toBe(true);
      expect(s.sentLately(id(1), at + RESEND_WINDOW_MS)).toBe(false);
      expect(s.sentLately(id(2), at)).toBe(false);
    }
  });

  it('a clock that steps back, and a round that opens, forget (a resend, never a refusal)', () => {
    const s = new SentRecently(secret);
    s.sent(id(7), 10_000);
    expect(s.sentLately(id(7), 9_999)).toBe(false);
    s.sent(id(8), 20_000);
    s.reset();
    expect(s.sentLately(id(8), 20_001)).toBe(false);
  });

  it('nothing a peer asks for evicts an answer: 60,000 other ids later, the first is still remembered', () => {
    const s = new SentRecently(secret);
    s.sent(id(0), 5);
    for (let i = 1; i <= 60_000; i++) s.sent(id(i), 6);
    expect(s.sentLately(id(0), 7)).toBe(true);
  });

  it('property: every id answered is remembered; ids never answered are rarely taken for answered (< 1 % at 16k)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 1, max: 16_384 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        (key, n, offset) => {
          const s = new SentRecently(key);
          for (let i = 0; i < n; i++) s.sent(id(offset + i), 1);
          for (let i = 0; i < n; i += 97) expect(s.sentLately(id(offset + i), 2)).toBe(true);
          let wrong = 0;
          const probes = 4_000;
          for (let i = 0; i < probes; i++) if (s.sentLately(id(offset + n + 1 + i), 2)) wrong++;
          expect(wrong / probes).toBeLessThan(0.01);
        },
      ),
      { seed: Number(process.env.SEED ?? 15), numRuns: 25 },
    );
    console.log(`sent-recently property: SEED=${process.env.SEED ?? 15}`);
  });
});
