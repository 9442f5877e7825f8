import type { Task } from '../../core/entity/component-types';
import { effectiveTask } from '../../core/task/gate';
import { INTERCEPT_TASK, type ApprovalRecord, type TaskRecord } from '../../core/task/records';
import type { EntityView } from '../../node/node-api';

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
