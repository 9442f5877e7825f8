import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RESEND_WINDOW_MS, SENT_REMEMBERED, SentRecently } from '../../../../src/core/sync/sent-recently';

const id = (n: number): Uint8Array => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, n, true);
  new DataView(b.buffer).setUint32(8, Math.imul(n, 0x9e3779b1) >>> 0, true);
  return b;
};
const seed = new Uint8Array(16).map((_, i) => i * 37 + 1);

describe('SentRecently: what one link was answered lately', () => {
  it('an id sent is remembered for the window, then forgotten; one never sent is never reported', () => {
    const s = new SentRecently(seed);
    expect(s.sentLately(id(1), 0)).toBe(false);
    s.sent(id(1), 1_000);
    expect(s.sentLately(id(1), 1_000)).toBe(true);
    expect(s.sentLately(id(1), 1_000 + RESEND_WINDOW_MS - 1)).toBe(true);
    expect(s.sentLately(id(1), 1_000 + RESEND_WINDOW_MS)).toBe(false);
    expect(s.sentLately(id(2), 1_000)).toBe(false);
  });

  it('a clock that steps back never refuses a resend', () => {
    const s = new SentRecently(seed);
    s.sent(id(7), 10_000);
    expect(s.sentLately(id(7), 9_999)).toBe(false);
  });

  it('remembers every one of a set well below its size at once (buckets, not one position an id)', () => {
    const s = new SentRecently(seed);
    const n = SENT_REMEMBERED / 8;
    for (let i = 0; i < n; i++) s.sent(id(i), 5);
    let remembered = 0;
    for (let i = 0; i < n; i++) if (s.sentLately(id(i), 6)) remembered++;
    expect(remembered).toBe(n);
  });

  it('property: never reports an id that was not sent, and reports the last few sent', () => {
    const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
    fc.assert(
      fc.property(
        seedArb,
        fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 3_000 }),
        (k, sends) => {
          const s = new SentRecently(new Uint8Array(16).map((_, i) => (k >>> ((i % 4) * 8)) & 255));
          const sent = new Set<number>();
          sends.forEach((n, t) => {
            s.sent(id(n), t);
            sent.add(n);
          });
          const now = sends.length;
          for (let n = 0; n < 50_000; n += 97) if (!sent.has(n)) expect(s.sentLately(id(n), now)).toBe(false);
          // The last one sent is always held (it replaced its bucket's oldest).
          expect(s.sentLately(id(sends[sends.length - 1]!), now)).toBe(true);
        },
      ),
      { seed: Number(process.env.SEED ?? 15), numRuns: 60 },
    );
    console.log(`sent-recently property: SEED=${process.env.SEED ?? 15}`);
  });
});
