/** Exponential backoff with jitter, so nodes that lost a link together do not retry in lockstep. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/** The wait before retry number `attempt` (0 = first): base·2^attempt capped, times a factor in [0.5, 1.5). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt), 20));
  return Math.round(exp * (0.5 + random()));
}
