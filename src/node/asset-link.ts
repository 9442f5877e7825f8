import type { LatticeTaskStatus, TaskRecord } from '../core/task/records';

/**
 * A simulated asset link: the asset an intercept task is sent to, reporting progress on a fixed
 * schedule (dispatched after 1 s, acknowledged 1 s later, executing 1 s later, done 3 s later), so
 * an approved task visibly advances. Only the task's actor runs it (gate.ts `assignedHere`); a real
 * link (a Lattice gateway) would report the same statuses, one to one. Pure: the loop asks when the
 * next report is due and feeds it to the gate as a `task-report`.
 */
export const ASSET_STEPS: Readonly<Partial<Record<LatticeTaskStatus, { next: LatticeTaskStatus; afterMs: number }>>> = {
  created: { next: 'sent', afterMs: 1_000 },
  sent: { next: 'acknowledged', afterMs: 1_000 },
  acknowledged: { next: 'executing', afterMs: 1_000 },
  executing: { next: 'done_ok', afterMs: 3_000 },
};

/** The asset's next report on this task and when it is due, or undefined once the task is finished. */
export function nextAssetReport(task: TaskRecord): { status: LatticeTaskStatus; at: number } | undefined {
  const step = ASSET_STEPS[task.status];
  return step === undefined ? undefined : { status: step.next, at: task.updatedAt + step.afterMs };
}
