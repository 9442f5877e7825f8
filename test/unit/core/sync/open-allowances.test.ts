/**
 * A peer's reconcile-open allowance charges each open by the size of the set it makes us walk
 * (openCharge, limits.ts): the bound limits.ts and docs/security.md ("Per-link limits") state is
 * checked here against any sequence of set sizes and clock readings, the clock stepping back
 * included. fast-check; replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OpenAllowances,
  RECONCILE_OPEN_BURST,
  RECONCILE_OPEN_FULL_ITEMS,
  RECONCILE_OPEN_MIN_ITEMS,
  RECONCILE_OPENS_PER_MINUTE,
  openAllowance,
  openCharge,
} from '../../../../src/core/sync';
import { seededParams } from '../../support/test-keys';

const params = seededParams('open allowances', 300);
const RATE_PER_MS = RECONCILE_OPENS_PER_MINUTE / 60_000;
const EPS = 1e-9;

describe('openCharge', () => {
  it('charges a whole open from RECONCILE_OPEN_FULL_ITEMS up, a fraction below, at least the floor', () => {
    expect(openCharge(0)).toBe(RECONCILE_OPEN_MIN_ITEMS / RECONCILE_OPEN_FULL_ITEMS);
    expect(openCharge(RECONCILE_OPEN_MIN_ITEMS)).toBe(1 / 16);
    expect(openCharge(RECONCILE_OPEN_FULL_ITEMS / 2)).toBe(1 / 2);
    expect(openCharge(RECONCILE_OPEN_FULL_ITEMS)).toBe(1);
    expect(openCharge(10 * RECONCILE_OPEN_FULL_ITEMS)).toBe(1);
  });
});

describe('a peer’s open allowance', () => {
  it('lets a small set reopen 30 times a minute, and refuses a large set past its whole opens', () => {
    const opens = (items: number): number => {
      const bucket = openAllowance(0);
      let allowed = 0;
      for (let k = 0; k < 30; k++) if (bucket.take(k * 2_000, openCharge(items))) allowed += 1;
      return allowed;
    };
    expect(opens(1_000)).toBe(30);
    expect(opens(20_000)).toBe(30);
    // A whole open each: the burst, then one per 5 s over the 58 s from the first to the last.
    expect(opens(RECONCILE_OPEN_FULL_ITEMS)).toBe(RECONCILE_OPEN_BURST + 11);
    expect(opens(1_000_000)).toBe(RECONCILE_OPEN_BURST + 11);
  });

  it('keeps one bucket per peer across links: a relink of a large set takes up what the last link left', () => {
    const a = new OpenAllowances<string>();
    for (let i = 0; i < RECONCILE_OPEN_BURST; i++)
      expect(a.of('p', 0).take(0, openCharge(RECONCILE_OPEN_FULL_ITEMS))).toBe(true);
    expect(a.of('p', 0).take(0, openCharge(RECONCILE_OPEN_FULL_ITEMS))).toBe(false);
    // What is left is less than a whole open, and no open of a small set either.
    expect(a.of('p', 0).take(0, openCharge(1))).toBe(false);
    expect(a.of('p', 5_000).take(5_000, openCharge(RECONCILE_OPEN_FULL_ITEMS))).toBe(true);
  });

  it('never charges more than the stated bound in any window, whatever the sizes and clock readings', () => {
    const step = fc.record({
      // Clock steps back as well as forward (a wall clock set back, or readings out of order).
      dt: fc.oneof(fc.integer({ min: -120_000, max: 120_000 }), fc.integer({ min: 0, max: 3_000 })),
      items: fc.oneof(
        fc.constantFrom(RECONCILE_OPEN_MIN_ITEMS, RECONCILE_OPEN_FULL_ITEMS - 1, RECONCILE_OPEN_FULL_ITEMS),
        fc.integer({ min: 0, max: RECONCILE_OPEN_MIN_ITEMS }),
        fc.integer({ min: 0, max: RECONCILE_OPEN_FULL_ITEMS }),
        fc.integer({ min: RECONCILE_OPEN_FULL_ITEMS, max: 4 * RECONCILE_OPEN_FULL_ITEMS }),
      ),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.oneof(
          fc.array(step, { maxLength: 150, size: 'max' }),
          // A flood of opens of tiny sets close together: what the floor (RECONCILE_OPEN_MIN_ITEMS) bounds.
          fc.array(fc.record({ dt: fc.integer({ min: -50, max: 100 }), items: fc.integer({ min: 0, max: 64 }) }), {
            minLength: 100,
            maxLength: 150,
          }),
        ),
        (t0, steps) => {
          const bucket = openAllowance(t0);
          let t = t0;
          // Per step: the bucket's clock (the latest reading so far), and what an allowed open cost.
          const clock: number[] = [];
          const charged: number[] = [];
          const items: number[] = [];
          for (const s of steps) {
            t += s.dt;
            const c = openCharge(s.items);
            const ok = bucket.take(t, c);
            clock.push(Math.max(clock.at(-1) ?? t0, t));
            charged.push(ok ? c : 0);
            items.push(ok ? s.items : 0);
          }
          for (let i = 0; i < steps.length; i++) {
            let units = 0;
            let smallItems = 0;
            let opens = 0;
            let wholeOpens = 0;
            let largest = 0;
            let walked = 0;
            for (let k = i; k < steps.length; k++) {
              units += charged[k]!;
              if (charged[k]! > 0) {
                opens += 1;
                walked += items[k]!;
                largest = Math.max(largest, items[k]!);
                if (items[k]! >= RECONCILE_OPEN_FULL_ITEMS) wholeOpens += 1;
                else smallItems += items[k]!;
              }
              // Whole opens in the window from the clock before step i to the clock at step k.
              const bound = RECONCILE_OPEN_BURST + RATE_PER_MS * (clock[k]! - (i === 0 ? t0 : clock[i - 1]!));
              const over = [
                units - bound, // whole opens charged
                wholeOpens - bound, // sets of FULL items or more: at most one whole open each, as before
                smallItems - bound * RECONCILE_OPEN_FULL_ITEMS, // smaller sets: FULL items per whole open
                opens - (bound * RECONCILE_OPEN_FULL_ITEMS) / RECONCILE_OPEN_MIN_ITEMS, // at least 1/16 each
                walked - bound * Math.max(largest, RECONCILE_OPEN_FULL_ITEMS), // all: max(n, FULL) per whole open
              ];
              // (plain comparisons: expect() in this loop is too slow for the runs)
              if (over.some((x) => x > EPS)) expect({ i, k, over, bound }).toBe('within the bound');
            }
          }
        },
      ),
      params('charged units per window'),
    );
  });
});
