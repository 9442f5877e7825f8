import { describe, expect, it } from 'vitest';
import { ClassQueue } from '../../../../src/core/budget/class-queue';
import { ALL_CLASSES, type PriorityClass } from '../../../../src/core/budget/priority-classes';
import { Scheduler } from '../../../../src/core/budget/scheduler';

const weights = { medium: 4, low: 2, none: 1, position: 1, sync: 1 };

function setup() {
  const queues = Object.fromEntries(
    ALL_CLASSES.map((c) => [c, new ClassQueue<number>({ maxItems: 1e6, maxBytes: 1e9 })]),
  ) as Record<PriorityClass, ClassQueue<number>>;
  const put = (cls: PriorityClass, n: number, bytes = 100) => {
    for (let i = 0; i < n; i++) queues[cls].enqueue({ cls, bytes, payload: i }, 0);
  };
  return { queues, put, scheduler: new Scheduler(queues, weights, 100) };
}

describe('Scheduler', () => {
  it('shares backlogged weighted classes by their weights, in byte quanta', () => {
    const { put, scheduler } = setup();
    put('medium', 1000);
    put('low', 1000);
    put('position', 1000);
    const frame = scheduler.commit(scheduler.planWeighted(1400)!);
    // Round one gives medium 4, low 2 and position 1 items of 100 B; round two the same.
    expect(frame.map((i) => i.cls).join(',')).toBe(
      'medium,medium,medium,medium,low,low,position,medium,medium,medium,medium,low,low,position',
    );
  });

  it('puts waiting control items ahead of the leading items in a lead-only frame', () => {
    const { queues, put, scheduler } = setup();
    put('high', 3);
    queues.control.enqueue({ cls: 'control', bytes: 300, payload: 99 }, 0);
    queues.high.enqueue({ cls: 'high', bytes: 60, payload: 7, lead: true }, 0);
    const frame = scheduler.commit(scheduler.planBorrowing(1000, true)!);
    expect(frame.map((i) => `${i.cls}:${i.item.payload}`)).toEqual(['control:99', 'high:7']);
  });

  it('continues a turn cut short by a full frame in the next frame', () => {
    const { put, scheduler } = setup();
    put('medium', 1000);
    put('low', 1000);
    const first = scheduler.commit(scheduler.planWeighted(200)!);
    const second = scheduler.commit(scheduler.planWeighted(300)!);
    expect(first.map((i) => i.cls)).toEqual(['medium', 'medium']);
    expect(second.map((i) => i.cls)).toEqual(['medium', 'medium', 'low']);
  });

  it('lets a class that ran dry bank no credit: back, it gets one quantum per turn like the others', () => {
    const { put, scheduler } = setup();
    put('medium', 1000);
    put('low', 1, 10); // uses 10 B of its 200 B turn, then runs dry
    scheduler.commit(scheduler.planWeighted(1000)!);
    put('low', 1000);
    const frame = scheduler.commit(scheduler.planWeighted(5000)!);
    const runs = frame
      .map((i) => i.cls)
      .join(',')
      .split('medium')
      .filter((r) => r.includes('low'));
    expect(runs.every((r) => r.split('low').length - 1 <= 2)).toBe(true);
  });

  it('plans without taking: an uncommitted plan changes nothing', () => {
    const { queues, put, scheduler } = setup();
    put('low', 3);
    put('high', 2);
    const borrowing = scheduler.planBorrowing(1000)!;
    expect(borrowing.picks).toEqual(['high', 'high']);
    scheduler.planWeighted(1000);
    expect([queues.low.length, queues.high.length]).toEqual([3, 2]);
    expect(scheduler.commit(scheduler.planWeighted(1000)!).length).toBe(3);
  });

  it('refuses a zero weight, which would stall the round robin', () => {
    const { queues } = setup();
    expect(() => new Scheduler(queues, { ...weights, sync: 0 }, 100)).toThrow(RangeError);
  });
});
