import { describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../../../src/node/approval-views';
import { decidedText, outcomeSentence, taskSentence } from '../../../../src/ui/approvals/approval-text';

const NODE = '41a5a26f89015d63c55a2e6554367a45';
const base: ApprovalView = {
  entityId: 'trk-1',
  requestId: 'r1',
  state: 'denied',
  reason: 'HOSTILE 0.90',
  requestedAt: Date.UTC(2026, 0, 1, 9, 0, 0),
  deadline: Date.UTC(2026, 0, 1, 9, 0, 30),
  decidedOn: NODE,
  decidedAt: Date.UTC(2026, 0, 1, 9, 0, 12, 345),
  conflict: false,
};

describe('how a decision is worded', () => {
  it('names the operator, the node and the Zulu time', () => {
    expect(decidedText({ ...base, decidedBy: 'alice' })).toBe('by alice on node 41a5a26f… at 09:00:12.345Z');
    expect(decidedText({ ...base, decidedBy: NODE })).toBe('by the operator on node 41a5a26f… at 09:00:12.345Z');
    expect(decidedText({ ...base, decidedBy: 'auto', state: 'timed_out' })).toBe(
      'by the gate on node 41a5a26f… at 09:00:12.345Z',
    );
  });

  it('says what each outcome means, and marks a conflict', () => {
    expect(outcomeSentence({ ...base, decidedBy: 'bob', label: 'Fighter', conflict: true })).toBe(
      'Fighter (trk-1): denied (conflicting decisions: the safer one stands) by bob on node 41a5a26f… at 09:00:12.345Z. No task.',
    );
    expect(outcomeSentence({ ...base, state: 'cancelled', decidedBy: 'auto' })).toContain('the request was withdrawn');
  });

  it('says an approval waits for its task until the task is there', () => {
    const approved = { ...base, state: 'approved' as const, decidedBy: 'alice', label: 'Fighter' };
    expect(outcomeSentence(approved)).toBe(
      'Fighter (trk-1): approved by alice on node 41a5a26f… at 09:00:12.345Z. Waiting for the intercept task.',
    );
    expect(outcomeSentence(approved, true)).toContain('. Intercept task assigned.');
    expect(outcomeSentence({ ...base, decidedBy: 'bob' }, true)).toContain('No task.');
    expect(taskSentence(approved)).toBe('Intercept task assigned: Fighter (trk-1).');
  });
});
