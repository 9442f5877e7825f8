import type { Task } from '../../core/entity/component-types';
import { effectiveTask } from '../../core/task/gate';
import { INTERCEPT_TASK, type ApprovalRecord, type TaskRecord } from '../../core/task/records';
import type { EntityView } from '../../node/node-api';
import { taskStatusText } from '../format';
import type { Field } from '../readable';

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
 * The `task` component as the inspector lists it: kind and status, and for an intercept task
 * whether it is in force. The register may hold an intercept whose approval lost a merge to a deny
 * or a time-out, or whose approval has not arrived yet (after a partition heals, until the actor's
 * cancel arrives); it is said not to be in force, so the raw register never reads as a running
 * intercept (docs/c2-pipeline.md).
 */
export function taskFields(view: EntityView): Field[] {
  const task = view.components.task as Task;
  const out: Field[] = [
    { label: 'Task', text: task.task },
    { label: 'Status', text: taskStatusText(task.status) },
  ];
  if (task.task === INTERCEPT_TASK)
    out.push({
      label: 'In force',
      text: standingTask(view) === undefined ? 'no: its approval does not approve this request' : 'yes: approved',
    });
  return out;
}
