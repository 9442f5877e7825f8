import { encodeTs } from '../../../src/core/clock/timestamp';
import { APPROVAL_STATES, type JsonValue } from '../../../src/core/entity/component-types';
import type { NodeId } from '../../../src/core/ids';

/**
 * Shared by the replay tests that compare a restarted node with a twin (restart-vs-twin.test.ts,
 * priority-meta-window.test.ts).
 */

/** JSON with every object's keys sorted: the order a view lists components in is not state. */
export function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Lets every pending promise callback and immediate run: the write-behind starts the commits it has. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * The gate decisions an author may write (core/task/gate-authority.ts), on one of two requests
 * made at `t0` and `t0 + 1` by `actors[0]` and `actors[1]`: `approvalBy(author, v)`.
 */
export function approvalsBy(actors: readonly NodeId[], t0: number): (author: NodeId, v: number) => JsonValue {
  return (author, v) => {
    const actor = actors[v % 2]!;
    const requestId = encodeTs({ ms: t0 + (v % 2), c: 0, node: actor });
    const common = { requestId, reason: 'HIGH', requestedAt: t0, deadline: t0 + 1e9 };
    if (author === actor) {
      const state = v % 3 === 0 ? 'cancelled' : 'pending';
      return state === 'pending' ? { ...common, state } : { ...common, state, decidedBy: 'auto', decidedOn: author };
    }
    const state = APPROVAL_STATES[1 + (v % 2)]!; // approved or denied
    return { ...common, state, decidedBy: `op${v % 3}`, decidedOn: author, decidedAt: t0 };
  };
}
