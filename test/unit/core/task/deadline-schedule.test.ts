/** The event loop's deadline queue against a naive model. Replay with SEED=<printed seed>. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineSchedule } from '../../../../src/core/task/deadline-schedule';

describe('DeadlineSchedule', () => {
  it('returns due keys earliest first, reschedules and cancels', () => {
    const s = new DeadlineSchedule<string>();
    s.schedule('a', 30);
    s.schedule('b', 10);
    s.schedule('c', 20);
    expect(s.nextWake()).toBe(10);
    s.schedule('b', 40); // moved
    s.cancel('c');
    expect(s.nextWake()).toBe(30);
    expect(s.due(29)).toEqual([]);
    expect(s.due(40)).toEqual(['a', 'b']);
    expect(s.nextWake()).toBeUndefined();
    expect(s.size).toBe(0);
  });

  it('equal deadlines come out in scheduling order', () => {
    const s = new DeadlineSchedule<number>();
    for (const k of [3, 1, 2]) s.schedule(k, 5);
    expect(s.due(5)).toEqual([3, 1, 2]);
  });

  it('refuses a non-finite deadline', () => {
    expect(() => new DeadlineSchedule<string>().schedule('a', NaN)).toThrow(RangeError);
  });

  it('keeps memory proportional to live deadlines under heavy rescheduling', () => {
    const s = new DeadlineSchedule<number>();
    for (let i = 0; i < 100_000; i++) s.schedule(i % 10, i);
    expect(s.size).toBe(10);
    expect(s.held).toBeLessThanOrEqual(64);
  });

  it('matches a naive map model over random operation sequences', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log(`deadline-schedule seed ${seed}; replay with SEED=${seed}`);
    const op = fc.oneof(
      fc.record({ t: fc.constant('schedule' as const), key: fc.nat(20), at: fc.nat(1_000) }),
      fc.record({ t: fc.constant('cancel' as const), key: fc.nat(20) }),
      fc.record({ t: fc.constant('due' as const), now: fc.nat(1_000) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const s = new DeadlineSchedule<number>();
        const model = new Map<number, { at: number; seq: number }>();
        let seq = 0;
        for (const o of ops) {
          if (o.t === 'schedule') {
            s.schedule(o.key, o.at);
            model.set(o.key, { at: o.at, seq: seq++ });
          } else if (o.t === 'cancel') {
            s.cancel(o.key);
            model.delete(o.key);
          } else {
            const expected = [...model]
              .filter(([, v]) => v.at <= o.now)
              .sort(([, x], [, y]) => x.at - y.at || x.seq - y.seq)
              .map(([k]) => k);
            for (const k of expected) model.delete(k);
            expect(s.due(o.now)).toEqual(expected);
          }
          const min = Math.min(...[...model.values()].map((v) => v.at));
          expect(s.nextWake()).toBe(model.size === 0 ? undefined : min);
          expect(s.size).toBe(model.size);
          for (const [k, v] of model) expect(s.at(k)).toBe(v.at);
        }
      }),
      { seed, numRuns: 300 },
    );
  });
});
