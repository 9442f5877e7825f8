import { PER_MESSAGE_OVERHEAD_BYTES } from '../core/budget/wire-overhead';
import { DEFAULT_FRAME_FLOOR_BYTES, DEFAULT_LATENCY_TARGET_MS } from '../core/budget/link-budgeter';
import { ValidationError } from '../core/errors';
import { num, onlyKeys, record } from '../core/entity/validate-fields';
import { isNodeId, type NodeId } from '../core/ids';

/** A budget as the handle takes it and the node stores it: `null` is unlimited. */
export interface BudgetSetting {
  readonly bytesPerSecond: number | null;
  readonly burstBytes: number | null;
}

/** Whose budget `setBudget` sets: one peer's link, the default for every link (`*`), or the node-wide one. */
export type BudgetTarget =
  { readonly type: 'link'; readonly peer: NodeId } | { readonly type: 'links' } | { readonly type: 'node' };

export const UNLIMITED: BudgetSetting = { bytesPerSecond: null, burstBytes: null };

/** Above this a budget means nothing on any link we know (1 GB/s); `Infinity` or `null` is unlimited. */
export const MAX_BUDGET_BYTES = 1e9;

export function checkBudgetTarget(x: unknown): BudgetTarget {
  if (x === '*') return { type: 'links' };
  if (x === 'node') return { type: 'node' };
  if (isNodeId(x)) return { type: 'link', peer: x };
  throw new ValidationError(`setBudget: expected a peer id, '*' or 'node', got ${JSON.stringify(x)}`);
}

/**
 * Checks `setBudget`'s budget: `bytesPerSecond` a number ≥ 0, `Infinity` or `null` (unlimited);
 * `burstBytes` likewise, or left out. A limited rate without a burst gets one frame's worth (the
 * rate over the latency target, plus headers): on a thin link a burst near one frame keeps HIGH
 * traffic from queueing behind a standing backlog (docs/budgeter.md, "Choosing the burst").
 */
export function checkBudget(x: unknown): BudgetSetting {
  const v = record(x, 'setBudget.budget');
  onlyKeys(v, ['bytesPerSecond', 'burstBytes'], 'setBudget.budget');
  const rate = amount(v.bytesPerSecond, 'setBudget.budget.bytesPerSecond');
  if (rate === undefined) throw new ValidationError('setBudget.budget.bytesPerSecond: expected a number or null');
  const burst = amount(v.burstBytes, 'setBudget.budget.burstBytes');
  if (rate === null) return UNLIMITED;
  return { bytesPerSecond: rate, burstBytes: burst ?? defaultBurst(rate) };
}

/** One frame at the latency target, headers included. */
export function defaultBurst(bytesPerSecond: number): number {
  const frame = Math.max(DEFAULT_FRAME_FLOOR_BYTES, (bytesPerSecond * DEFAULT_LATENCY_TARGET_MS) / 1000);
  return Math.ceil(frame + PER_MESSAGE_OVERHEAD_BYTES);
}

/** A stored or handed-in amount: a number in range, `null`/`Infinity` for unlimited, undefined if absent. */
function amount(x: unknown, path: string): number | null | undefined {
  if (x === undefined) return undefined;
  if (x === null || x === Infinity) return null;
  return num(x, path, 0, MAX_BUDGET_BYTES);
}
