import { effectiveTask } from '../../core/task/gate';
import type { ApprovalRecord, TaskRecord } from '../../core/task/records';
import type { EntityView } from '../../node/node-api';

/**
 * The task that stands on this track, read the way the gate reads it (effectiveTask): the task
 * register's winner only while the approval's winner approves the very request it names. A task
 * whose approval lost a merge, or has not arrived yet, is not shown as the track's task.
 */
export function standingTask(view: EntityView): TaskRecord | undefined {
  // The store validated both known kinds against these shapes (validate-component.ts).
  return effectiveTask({
    approval: view.components.approval as ApprovalRecord | undefined,
    task: view.components.task as TaskRecord | undefined,
  });
}
