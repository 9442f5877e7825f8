/** How retries spread out: the first waits `baseMs`, each later one twice as long, none longer than `maxMs`. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * The wait before the next try after `failures` consecutive failures (1 = the first retry):
 * base·2^(failures−1), capped; 0 when nothing failed. With `random` (uniform in [0, 1)), the wait
 * is scaled by a factor in [0.5, 1.5), so nodes that lost something together do not retry in
 * lockstep. The core passes none: a sync round is started by one side of one link only, so
 * retries of different links do not synchronise anyway (and the core has no randomness).
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random?: () => number): number {
  if (failures <= 0) return 0;
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
  return random === undefined ? exp : Math.round(exp * (0.5 + random()));
}
