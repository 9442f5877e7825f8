import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../src/core/ids';
import type { EntityView } from '../../../src/core/store/entity-view';
import type { ChangeBatch } from '../../../src/node/node-api';
import { WatchRelay } from '../../../src/node/watch-relay';

const view = (id: string, updatedAt: number): EntityView =>
  ({ id: id as EntityId, components: {}, meta: {}, conflicts: [], updatedAt }) as unknown as EntityView;

/** A watcher in another thread: each delivery settles when the test says it was taken. */
function slowWatcher() {
  const got: ChangeBatch[] = [];
  const takes: (() => void)[] = [];
  const fails: ((e: Error) => void)[] = [];
  const deliver = (batch: ChangeBatch): Promise<void> => {
    got.push(batch);
    return new Promise<void>((resolve, reject) => {
      takes.push(resolve);
      fails.push(reject);
    });
  };
  const settle = async (): Promise<void> => {
    takes.shift()!();
    fails.shift();
    // The relay sends the next batch once the delivery's promise has settled.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { got, deliver, settle, fails, takes };
}

const ids = (b: ChangeBatch | undefined): string[] => (b?.changed ?? []).map((v) => `${v.id}@${v.updatedAt}`);

describe('WatchRelay', () => {
  it('keeps one batch in flight and merges what comes meanwhile into the next, latest view first kept in place', async () => {
    const w = slowWatcher();
    const errors: unknown[] = [];
    const relay = new WatchRelay(w.deliver, (e) => errors.push(e));
    relay.push({ changed: [view('a', 1)], removed: [] });
    relay.push({ changed: [view('b', 2), view('a', 3)], removed: [] });
    relay.push({ changed: [view('c', 4)], removed: [] });
    relay.push({ changed: [view('a', 5)], removed: [] });
    expect(w.got).toHaveLength(1);
    expect(ids(w.got[0])).toEqual(['a@1']);
    expect(relay.waiting).toBe(true);
    await w.settle();
    expect(w.got).toHaveLength(2);
    expect(ids(w.got[1])).toEqual(['b@2', 'a@5', 'c@4']);
    expect(w.got[1]!.approvals).toBeUndefined();
    expect(relay.waiting).toBe(false);
    await w.settle();
    // Nothing waited: nothing more is sent until something changes.
    expect(w.got).toHaveLength(2);
    relay.push({ changed: [view('d', 6)], removed: [] });
    expect(ids(w.got[2])).toEqual(['d@6']);
    expect(w.got[2]!.approvals).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('sends the approvals cue at once, alone, while a batch is in flight; the views wait for the next batch', async () => {
    const w = slowWatcher();
    const relay = new WatchRelay(w.deliver, () => undefined);
    relay.push({ changed: [view('a', 1)], removed: [] });
    relay.push({ changed: [view('c', 4)], removed: [], approvals: true });
    expect(w.got).toHaveLength(2);
    expect(w.got[1]).toEqual({ changed: [], removed: [], approvals: true });
    // One cue in flight: another waits for it, and goes alone while the bulk is still in flight.
    relay.push({ changed: [], removed: [], approvals: true });
    expect(w.got).toHaveLength(2);
    w.takes.splice(1, 1)[0]!();
    w.fails.splice(1, 1);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(w.got).toHaveLength(3);
    expect(w.got[2]!.approvals).toBe(true);
    expect(w.got[2]!.changed).toEqual([]);
    // The bulk batch taken: the views that waited follow, without a cue (it went already).
    w.takes.splice(0, 1)[0]!();
    w.fails.splice(0, 1);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(ids(w.got[3])).toEqual(['c@4']);
    expect(w.got[3]!.approvals).toBeUndefined();
  });

  it('carries the approval lists, read when the batch leaves, with the cue', async () => {
    const w = slowWatcher();
    let reads = 0;
    const state = { approvals: [], tasks: [] };
    const relay = new WatchRelay(
      w.deliver,
      () => undefined,
      async () => {
        reads++;
        return state;
      },
    );
    relay.push({ changed: [view('a', 1)], removed: [] });
    expect(w.got[0]!.approvalLists).toBeUndefined();
    relay.push({ changed: [], removed: [], approvals: true });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(reads).toBe(1);
    expect(w.got[1]).toEqual({ changed: [], removed: [], approvals: true, approvalLists: state });
  });

  it('a removal after a change wins, and a change after a removal wins', async () => {
    const w = slowWatcher();
    const relay = new WatchRelay(w.deliver, () => undefined);
    relay.push({ changed: [view('x', 1)], removed: [] });
    relay.push({ changed: [view('a', 2), view('b', 2)], removed: [] });
    relay.push({ changed: [], removed: ['a' as EntityId, 'c' as EntityId] });
    relay.push({ changed: [view('c', 3)], removed: [] });
    await w.settle();
    expect(ids(w.got[1])).toEqual(['b@2', 'c@3']);
    expect(w.got[1]!.removed).toEqual(['a']);
  });

  it('goes on after a watcher that rejected or threw, and stops once closed', async () => {
    const w = slowWatcher();
    const errors: unknown[] = [];
    let throwNext = false;
    const relay = new WatchRelay(
      (batch) => {
        if (throwNext) {
          throwNext = false;
          throw new Error('thrown');
        }
        return w.deliver(batch);
      },
      (e) => errors.push((e as Error).message),
    );
    relay.push({ changed: [view('a', 1)], removed: [] });
    relay.push({ changed: [view('b', 2)], removed: [] });
    w.fails.shift()!(new Error('gone'));
    w.takes.shift();
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(errors).toEqual(['gone']);
    expect(ids(w.got[1])).toEqual(['b@2']);
    throwNext = true;
    relay.push({ changed: [view('c', 3)], removed: [] });
    await w.settle();
    expect(errors).toEqual(['gone', 'thrown']);
    relay.push({ changed: [view('d', 4)], removed: [] });
    expect(ids(w.got[2])).toEqual(['d@4']);
    relay.close();
    relay.push({ changed: [view('e', 5)], removed: [] });
    await w.settle();
    expect(w.got).toHaveLength(3);
  });

  it('opens with a first batch delivered at once, even empty; what is pushed meanwhile follows it, merged', async () => {
    const w = slowWatcher();
    const relay = new WatchRelay(w.deliver, () => undefined);
    relay.open({ changed: [], removed: [] });
    expect(w.got).toHaveLength(1);
    expect(() => relay.open({ changed: [], removed: [] })).toThrow(/first batch/);
    relay.push({ changed: [view('a', 1)], removed: [] });
    relay.push({ changed: [view('a', 2)], removed: [] });
    expect(w.got).toHaveLength(1);
    await w.settle();
    expect(ids(w.got[1])).toEqual(['a@2']);
  });
});
