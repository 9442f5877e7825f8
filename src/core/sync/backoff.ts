/**
 * Delay before the next reconciliation after `failures` consecutive failures: exponential, capped.
 * No jitter here (the core has no randomness); rounds are per link and started by one side only,
 * so retries of different links do not synchronise anyway.
 */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}
