import type { EntityId, NodeId } from '../../../src/core/ids';
import type { ApprovalView, TaskView } from '../../../src/node/approval-views';
import type { ChangeBatch, EntityView } from '../../../src/node/node-api';
import type { ApprovalClient } from '../../../src/ui/approvals/approval-client';
import '../../../src/ui/approvals/approval-overlay';
import { decidedView, pendingView } from './approval-fixtures';
import { equal, eventually, ok } from './assert';
import { byTestId, queryAllDeep } from './dom';
import { afterEach, describe, it } from './mocha';

/** A node as the overlay sees it: approvals and tasks it can be told to change, reads counted. */
class FakeApprovals implements ApprovalClient {
  views: ApprovalView[] = [];
  taskViews: TaskView[] = [];
  reads = 0;
  decided: string[] = [];
  private listener: ((batch: ChangeBatch) => void) | undefined;

  approvals(): Promise<ApprovalView[]> {
    this.reads++;
    return Promise.resolve(this.views);
  }
  tasks(): Promise<TaskView[]> {
    return Promise.resolve(this.taskViews);
  }
  decide(entityId: string, decision: 'approve' | 'deny', requestId?: string): Promise<ApprovalView> {
    this.decided.push(`${entityId}:${decision}:${requestId}`);
    const v = this.views.find((x) => x.entityId === entityId && x.requestId === requestId);
    if (v === undefined) return Promise.reject(new Error(`nothing is pending for ${entityId}`));
    const done = decidedView(v, decision === 'approve' ? 'approved' : 'denied');
    this.views = this.views.map((x) => (x === v ? done : x));
    return Promise.resolve(done);
  }
  watch(listener: (batch: ChangeBatch) => void): () => void {
    this.listener = listener;
    return () => (this.listener = undefined);
  }
  emit(views: EntityView[], approvals: boolean): void {
    this.listener?.(approvals ? { changed: views, removed: [], approvals: true } : { changed: views, removed: [] });
  }
}

function view(id: string): EntityView {
  const meta = { version: 'v1', author: 'n' as NodeId, time: 0, conflict: false, heads: 1 };
  return { id: id as EntityId, components: {}, meta: { position: meta }, conflicts: [], updatedAt: 0 };
}

const cards = () => queryAllDeep(document.body, byTestId('approval-card'));

describe('<lm-approvals> on a node', () => {
  afterEach(() => {
    for (const el of document.querySelectorAll('lm-approvals')) el.remove();
  });

  it('reads again only on batches flagged with an approval change, and answers through decide', async () => {
    const node = new FakeApprovals();
    node.views = [pendingView('trk-1', { requestedAt: Date.now(), label: 'Fighter' })];
    const overlay = document.createElement('lm-approvals');
    overlay.client = node;
    document.body.append(overlay);
    await eventually(() => equal(cards().length, 1));
    const reads = node.reads;
    // The feed reads (or not) inside the batch's own turn, so the counts are exact without waiting.
    node.emit([view('trk-9'), view('trk-1')], false);
    equal(node.reads, reads, 'batches without an approval or task change cause no read');
    node.emit([view('trk-1')], true);
    equal(node.reads, reads + 1);
    await overlay.updateComplete;
    node.emit([view('trk-1'), view('trk-7')], false);
    equal(node.reads, reads + 1);

    cards()[0]!.querySelector<HTMLButtonElement>(byTestId('approve'))!.click();
    await eventually(() => equal(cards().length, 0));
    equal(node.decided.join(), `trk-1:approve:${node.views[0]!.requestId}`, 'the answer names the request on screen');
    const row = queryAllDeep(document.body, byTestId('approval-decision'))[0];
    ok(row !== undefined, 'the decision is listed');
    equal(row.dataset.state, 'approved');
  });

  it('says so when the requests cannot be read', async () => {
    const node = new FakeApprovals();
    node.approvals = () => Promise.reject(new Error('worker gone'));
    const overlay = document.createElement('lm-approvals');
    overlay.client = node;
    document.body.append(overlay);
    await eventually(() => equal(queryAllDeep(document.body, byTestId('approvals-unavailable')).length, 1));
  });
});
