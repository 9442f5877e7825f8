import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../../../src/core/collections/min-heap';

type Op = { push: number } | 'pop';

describe('MinHeap', () => {
  it('pops what a sorted list would give, under any mix of pushes and pops', () => {
    const op = fc.oneof(fc.record({ push: fc.integer({ min: -50, max: 50 }) }), fc.constant<'pop'>('pop'));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops: Op[]) => {
        const heap = new MinHeap<number>((a, b) => a - b);
        const model: number[] = [];
        for (const o of ops) {
          if (o === 'pop') {
            model.sort((a, b) => a - b);
            expect(heap.pop()).toBe(model.shift());
          } else {
            heap.push(o.push);
            model.push(o.push);
          }
          expect(heap.size).toBe(model.length);
          expect(heap.peek()).toBe(model.length === 0 ? undefined : Math.min(...model));
        }
      }),
    );
  });

  it('keeps insertion order among equals when the comparator breaks ties by sequence', () => {
    const heap = new MinHeap<{ at: number; seq: number }>((a, b) => a.at - b.at || a.seq - b.seq);
    [3, 1, 3, 1, 2].forEach((at, seq) => heap.push({ at, seq }));
    const out: number[] = [];
    for (let e = heap.pop(); e !== undefined; e = heap.pop()) out.push(e.seq);
    expect(out).toEqual([1, 3, 4, 0, 2]);
  });

  it('reset replaces the contents', () => {
    const heap = new MinHeap<number>((a, b) => a - b);
    heap.push(5);
    heap.reset([9, 7, 8]);
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop()]).toEqual([7, 8, 9, undefined]);
  });
});
