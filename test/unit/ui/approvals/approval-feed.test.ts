/**
 * The prompt's copy of approvals() and tasks() (approval-feed.ts): a batch from the worker that
 * carries the lists is taken as is, without a call back; a bare cue makes it read; position
 * reports make it do nothing.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { describe, expect, it } from 'vitest';
import type { ApprovalView, TaskView } from '../../../../src/node/approval-views';
import type { ChangeBatch } from '../../../../src/node/node-api';
import type { ApprovalClient } from '../../../../src/ui/approvals/approval-client';
import { ApprovalFeed } from '../../../../src/ui/approvals/approval-feed';

const request = (id: string): ApprovalView =>
  ({
    entityId: id,
    requestId: `r-${id}`,
    state: 'pending',
    reason: 'closing',
    requestedAt: 1,
    deadline: 2,
  }) as ApprovalView;

function setUp() {
  let listener: ((batch: ChangeBatch) => void) | undefined;
  const calls = { approvals: 0 };
  let stored: ApprovalView[] = [];
  const client = {
    watch: (l: (batch: ChangeBatch) => void) => {
      listener = l;
      return () => undefined;
    },
    approvals: async () => {
      calls.approvals++;
      return stored;
    },
    tasks: async (): Promise<TaskView[]> => [],
    decide: async () => undefined,
  } as unknown as ApprovalClient;
  const controllers: ReactiveController[] = [];
  let updates = 0;
  const host = {
    addController: (c: ReactiveController) => controllers.push(c),
    removeController: () => undefined,
    requestUpdate: () => updates++,
    updateComplete: Promise.resolve(true),
  } as ReactiveControllerHost;
  const feed = new ApprovalFeed(host);
  feed.setClient(client);
  feed.hostConnected();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return {
    feed,
    calls,
    settle,
    send: (b: ChangeBatch) => listener!(b),
    store: (list: ApprovalView[]) => (stored = list),
    updates: () => updates,
  };
}

describe("the approval prompt's feed", () => {
  it('takes the lists a batch carries without calling back, and reads on a bare cue', async () => {
    const t = setUp();
    await t.settle();
    expect(t.calls.approvals).toBe(1); // the first read, on connecting
    const before = t.updates();
    t.send({ changed: [], removed: [], approvals: true, approvalLists: { approvals: [request('a')], tasks: [] } });
    expect(t.feed.approvals.map((a) => a.entityId)).toEqual(['a']);
    expect(t.updates()).toBeGreaterThan(before);
    expect(t.calls.approvals).toBe(1);
    t.send({ changed: [], removed: [] });
    await t.settle();
    expect(t.calls.approvals).toBe(1);
    t.store([request('b')]);
    t.send({ changed: [], removed: [], approvals: true });
    await t.settle();
    expect(t.calls.approvals).toBe(2);
    expect(t.feed.approvals.map((a) => a.entityId)).toEqual(['b']);
    t.feed.hostDisconnected();
  });
});
