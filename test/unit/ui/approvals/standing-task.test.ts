import { describe, expect, it } from 'vitest';
import type { EntityView } from '../../../../src/node/node-api';
import { standingTask, taskFields } from '../../../../src/ui/approvals/standing-task';

// An encoded HLC timestamp: 12 hex ms, 4 hex counter, then the actor (nodeA, who assigns the task).
const REQUEST = '018bcfe568000000nodeA';
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

  it('says in the inspector whether an intercept task is in force, and reads statuses as words', () => {
    const fields = (v: EntityView) => Object.fromEntries(taskFields(v).map((f) => [f.label, f.text]));
    expect(fields(view({ task: task('intercept'), approval: approval('approved') }))).toEqual({
      Task: 'intercept',
      Status: 'executing',
      'In force': 'yes: approved',
    });
    // A replica whose approval winner is a deny still holds the actor's task until its cancel arrives.
    expect(fields(view({ task: task('intercept'), approval: approval('denied') }))['In force']).toBe(
      'no: its approval does not approve this request',
    );
    expect(fields(view({ task: task('intercept') }))['In force']).toMatch(/^no/);
    expect(fields(view({ task: { ...task('patrol'), status: 'done_not_ok' } }))).toEqual({
      Task: 'patrol',
      Status: 'done, not ok',
    });
  });
});
