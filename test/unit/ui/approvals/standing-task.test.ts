import { describe, expect, it } from 'vitest';
import type { EntityView } from '../../../../src/node/node-api';
import { standingTask, taskLine } from '../../../../src/ui/approvals/standing-task';

const REQUEST = '018bcfe5680000000nodeA';
const view = (components: Record<string, unknown>): EntityView =>
  ({ id: 't', components, meta: {}, conflicts: [], updatedAt: 0 }) as unknown as EntityView;
const task = (kind: string) => ({
  task: kind,
  requestId: REQUEST,
  status: 'executing',
  assignedBy: 'nodeA',
  updatedAt: 1,
});
const approval = (state: string) => ({ requestId: REQUEST, state, reason: 'r', requestedAt: 0, deadline: 1 });

describe('the task shown on a track row', () => {
  it('shows an intercept only while its approval stands, any other task as written', () => {
    expect(standingTask(view({ task: task('intercept'), approval: approval('approved') }))).toMatchObject({
      task: 'intercept',
    });
    expect(standingTask(view({ task: task('intercept'), approval: approval('denied') }))).toBeUndefined();
    expect(standingTask(view({ task: task('intercept') }))).toBeUndefined();
    expect(standingTask(view({ task: task('patrol') }))).toMatchObject({ task: 'patrol', status: 'executing' });
    expect(standingTask(view({}))).toBeUndefined();
  });

  it('says in the component list when an intercept task is not in force', () => {
    expect(taskLine(view({ task: task('intercept'), approval: approval('approved') }))).toBe('intercept · executing');
    expect(taskLine(view({ task: task('intercept'), approval: approval('denied') }))).toBe(
      'intercept · executing · not in force (no approval)',
    );
    expect(taskLine(view({ task: task('patrol') }))).toBe('patrol · executing');
  });
});
