import type { Task } from '../../core/entity/component-types';
import { effectiveTask } from '../../core/task/gate';
import { INTERCEPT_TASK, type ApprovalRecord, type TaskRecord } from '../../core/task/records';
import type { EntityView } from '../../node/node-api';
import { summarize } from '../format';

/**
 * The task that stands on this track. An intercept task is read the way the gate reads it
 * (effectiveTask): the task register's winner only while the approval's winner approves the very
 * request it names; one whose approval lost a merge, or has not arrived yet, is not shown. Any
 * other task (a patrol an operator assigned) is not the gate's and stands as written.
 */
export function standingTask(view: EntityView): Task | undefined {
  // The store validated both known kinds against these shapes (validate-component.ts).
  const task = view.components.task as Task | undefined;
  if (task === undefined || task.task !== INTERCEPT_TASK) return task;
  return effectiveTask({
    approval: view.components.approval as ApprovalRecord | undefined,
    task: task as TaskRecord,
  });
}

/**
 * The `task` component's line in a track's component list: as written, and for an intercept task
 * that does not stand (its approval lost a merge to a deny or a time-out, or has not arrived yet)
 * said to be not in force, so the raw register never reads as a running intercept.
 */
export function taskLine(view: EntityView): string {
  const task = view.components.task as Task;
  const line = summarize('task', task);
  return task.task === INTERCEPT_TASK && standingTask(view) === undefined
    ? `${line} · not in force (no approval)`
    : line;
}
