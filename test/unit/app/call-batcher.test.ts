/**
 * The page's write batcher (src/app/call-batcher.ts): a burst leaves as callMany messages of at
 * most CALLS_PER_MESSAGE calls, in the order made, each call settling with its own outcome.
 */
import { describe, expect, it } from 'vitest';
import { CALLS_PER_MESSAGE, CallBatcher } from '../../../src/app/call-batcher';
import { packViews } from '../../../src/core/feed/packed-views';
import { encodeTs } from '../../../src/core/clock/timestamp';
import type { NodeId } from '../../../src/core/ids';
import type { EntityView } from '../../../src/core/store/entity-view';
import {
  MAX_CALLS_PER_MESSAGE,
  type BatchedCall,
  type CallOutcome,
  type CallReply,
} from '../../../src/node/worker-api';

/** A batcher whose "next task" runs when the test says, over a worker that echoes each call's first argument. */
function setup(): { batcher: CallBatcher; sent: BatchedCall[][]; nextTask: () => void } {
  const sent: BatchedCall[][] = [];
  const queued: (() => void)[] = [];
  const batcher = new CallBatcher(
    (calls) => {
      sent.push(calls);
      return Promise.resolve({ outcomes: calls.map((c): CallOutcome => ({ ok: true, value: c.args[0] })) });
    },
    (fn) => queued.push(fn),
  );
  return { batcher, sent, nextTask: () => queued.splice(0).forEach((fn) => fn()) };
}

describe('CallBatcher', () => {
  it('sends a burst of one task as messages of at most CALLS_PER_MESSAGE calls, in order', async () => {
    expect(CALLS_PER_MESSAGE).toBeLessThanOrEqual(MAX_CALLS_PER_MESSAGE);
    const { batcher, sent, nextTask } = setup();
    const n = 3 * CALLS_PER_MESSAGE + 5;
    const results = Array.from({ length: n }, (_, i) => batcher.call('create', [i]));
    nextTask();
    expect(sent.map((m) => m.length)).toEqual([CALLS_PER_MESSAGE, CALLS_PER_MESSAGE, CALLS_PER_MESSAGE, 5]);
    expect(sent.flat().map((c) => c.args[0])).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(await Promise.all(results)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('a few calls in one task still travel as one message', async () => {
    const { batcher, sent, nextTask } = setup();
    const results = [batcher.call('create', ['a']), batcher.call('update', ['b']), batcher.call('remove', ['c'])];
    expect(sent).toEqual([]);
    nextTask();
    expect(sent.map((m) => m.map((c) => c.name))).toEqual([['create', 'update', 'remove']]);
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
  });

  it('a call that cannot be copied fails alone; the worker still sees the others in the order made', async () => {
    // As comlink posts: inside a promise executor, so a message that cannot be copied fails a
    // microtask later, after the page went on.
    const sent: BatchedCall[][] = [];
    const queued: (() => void)[] = [];
    const batcher = new CallBatcher(
      (calls) =>
        new Promise<CallOutcome[]>((resolve) => {
          structuredClone(calls);
          sent.push(calls);
          resolve(calls.map((c): CallOutcome => ({ ok: true, value: c.args[0] })));
        }).then((outcomes) => ({ outcomes })),
      (fn) => queued.push(fn),
    );
    const n = 2 * CALLS_PER_MESSAGE + 37;
    const results = Array.from({ length: n }, (_, i) => batcher.call('create', [i === 0 ? () => i : i]));
    queued.splice(0).forEach((fn) => fn());
    const settled = await Promise.allSettled(results);
    expect(settled[0]).toMatchObject({ status: 'rejected', reason: { name: 'DataCloneError' } });
    expect(settled.slice(1)).toEqual(Array.from({ length: n - 1 }, (_, i) => ({ status: 'fulfilled', value: i + 1 })));
    expect(sent.flat().map((c) => c.args[0])).toEqual(Array.from({ length: n - 1 }, (_, i) => i + 1));
  });
  it("settles a call whose outcome is a row with that row's view of the packed views; an unreadable pack fails those calls alone", async () => {
    const author = 'n0000000000000000000000000000001' as NodeId;
    const view = (id: string, lat: number, extra: Record<string, unknown> = {}): EntityView =>
      ({
        id,
        components: { position: { lat, lon: 9 }, ...extra },
        meta: {
          position: { version: encodeTs({ ms: 5, c: 1, node: author }), author, time: 5, conflict: false, heads: 1 },
          ...(Object.keys(extra).length > 0
            ? {
                threat: {
                  version: encodeTs({ ms: 5, c: 2, node: author }),
                  author,
                  time: 5,
                  conflict: false,
                  heads: 1,
                },
              }
            : {}),
        },
        conflicts: [],
        updatedAt: 5,
      }) as unknown as EntityView;
    const views = [view('a', 40), view('b', 41, { threat: { level: 'LOW' } })];
    const reply = (bad: boolean): CallReply => {
      const packed = packViews(views);
      return structuredClone({
        outcomes: [
          { ok: true, row: 0 },
          { ok: true, value: 7 },
          { ok: true, row: 1 },
        ],
        views: bad ? { ...packed, buffer: new ArrayBuffer(4) } : packed,
      } satisfies CallReply);
    };
    for (const bad of [false, true]) {
      const queued: (() => void)[] = [];
      const batcher = new CallBatcher(
        () => Promise.resolve(reply(bad)),
        (fn) => queued.push(fn),
      );
      const results = [batcher.call('create', []), batcher.call('remove', []), batcher.call('update', [])];
      queued.splice(0).forEach((fn) => fn());
      const settled = await Promise.allSettled(results);
      if (!bad)
        expect(settled).toEqual(
          views.flatMap((v, i) => [
            { status: 'fulfilled', value: v },
            ...(i === 0 ? [{ status: 'fulfilled', value: 7 }] : []),
          ]),
        );
      else expect(settled.map((x) => x.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    }
  });
});
