import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClassQueue } from '../../../../src/core/budget/class-queue';

const item = (key: string | undefined, payload: string, bytes = 10) => ({
  cls: 'position' as const,
  key,
  bytes,
  payload,
});

describe('ClassQueue', () => {
  it('coalesces: only the latest value per key stays, in the first one’s place and with its enqueue time', () => {
    const q = new ClassQueue<string>({ maxItems: 10, maxBytes: 1000 });
    expect(q.enqueue(item('a', 'a1'), 0)).toEqual({ type: 'queued' });
    q.enqueue(item('b', 'b1'), 1);
    expect(q.enqueue(item('a', 'a2', 30), 2)).toEqual({ type: 'coalesced' });
    expect(q.enqueue(item('a', 'a3', 20), 3)).toEqual({ type: 'coalesced' });
    expect(q.length).toBe(2);
    expect(q.bytes).toBe(30);
    const taken = q.take(5);
    expect(taken.map((e) => e.item.payload)).toEqual(['a3', 'b1']);
    expect(taken.map((e) => e.enqueuedAt)).toEqual([0, 1]);
    // Once sent, the key starts afresh.
    expect(q.enqueue(item('a', 'a4'), 4)).toEqual({ type: 'queued' });
  });

  it('serves leading items first, in their own order, and coalesces them in place', () => {
    const q = new ClassQueue<string>({ maxItems: 10, maxBytes: 1000 });
    q.enqueue(item('p1', 'p1'), 0);
    q.enqueue(item('p2', 'p2'), 1);
    q.enqueue({ ...item('d1', 'd1'), lead: true }, 2);
    q.enqueue(item('p3', 'p3'), 3);
    q.enqueue({ ...item('d2', 'd2'), lead: true }, 4);
    expect(q.enqueue({ ...item('d1', 'd1b', 20), lead: true }, 5)).toEqual({ type: 'coalesced' });
    expect(q.length).toBe(5);
    expect(q.leading).toBe(2);
    expect(q.bytes).toBe(60);
    expect([0, 1, 2, 3, 4].map((i) => q.peek(i)?.item.payload)).toEqual(['d1b', 'd2', 'p1', 'p2', 'p3']);
    const first = q.take(3);
    expect(first.map((e) => [e.item.payload, e.enqueuedAt])).toEqual([
      ['d1b', 2],
      ['d2', 4],
      ['p1', 0],
    ]);
    expect(q.leading).toBe(0);
    q.enqueue({ ...item('d3', 'd3'), lead: true }, 6);
    expect(q.take(5).map((e) => e.item.payload)).toEqual(['d3', 'p2', 'p3']);
    expect(q.bytes).toBe(0);
  });

  it('never coalesces keyless items', () => {
    const q = new ClassQueue<string>({ maxItems: 10, maxBytes: 1000 });
    q.enqueue(item(undefined, 'p1'), 0);
    q.enqueue(item(undefined, 'p2'), 0);
    expect(q.take(5).map((e) => e.item.payload)).toEqual(['p1', 'p2']);
  });

  it('defers what overflows its item or byte cap and hands the key back, refusing keyless items', () => {
    const q = new ClassQueue<string>({ maxItems: 2, maxBytes: 25 });
    q.enqueue(item('a', 'a'), 0);
    q.enqueue(item('b', 'b'), 0);
    expect(q.enqueue(item('c', 'c'), 0)).toEqual({ type: 'deferred', key: 'c' });
    expect(q.enqueue(item(undefined, 'x'), 0)).toEqual({ type: 'refused' });
    expect(q.enqueue(item('a', 'a-big', 16), 0)).toEqual({ type: 'deferred', key: 'a' }); // 26 B > 25 B
    expect(q.enqueue(item('a', 'a2', 15), 0)).toEqual({ type: 'coalesced' }); // a replacement needs no new slot
    expect(q.take(5).map((e) => e.item.payload)).toEqual(['a2', 'b']);
  });

  it('accounts for every item: sent + deferred + coalesced-away + queued = enqueued, latest values win', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('put' as const), key: fc.integer({ min: 0, max: 20 }), bytes: fc.nat(50) }),
            fc.record({ op: fc.constant('take' as const), n: fc.nat(5) }),
          ),
          { maxLength: 300 },
        ),
        (ops) => {
          const q = new ClassQueue<number>({ maxItems: 8, maxBytes: 200 });
          let enqueued = 0;
          let gone = 0;
          const latest = new Map<string, number>();
          ops.forEach((op, seq) => {
            if (op.op === 'put') {
              enqueued += 1;
              const outcome = q.enqueue({ cls: 'low', key: String(op.key), bytes: op.bytes, payload: seq }, seq);
              if (outcome.type === 'deferred' || outcome.type === 'coalesced') gone += 1;
              if (outcome.type !== 'deferred') latest.set(String(op.key), seq);
            } else {
              for (const e of q.take(op.n)) {
                gone += 1;
                expect(e.item.payload).toBe(latest.get(e.item.key!)); // the newest accepted value
              }
            }
            expect(q.length).toBeLessThanOrEqual(8);
            expect(q.bytes).toBeLessThanOrEqual(200);
            expect(gone + q.length).toBe(enqueued);
          });
        },
      ),
    );
  });
});
