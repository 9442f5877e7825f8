/**
 * The countdown to a request's deadline, in whole seconds rounded up: it shows 0:01 until the last
 * millisecond and 0:00 only once the deadline has passed, when the gate refuses decisions.
 */

/** The last stretch before the deadline, drawn as urgent. */
export const URGENT_MS = 10_000;

export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

export function isUrgent(deadline: number, now: number): boolean {
  return secondsLeft(deadline, now) * 1000 <= URGENT_MS;
}

/** `m:ss`, as a countdown reads. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Milliseconds until `secondsLeft` next changes, or undefined once the deadline has passed. So one
 * timer per prompt, armed for the earliest change, makes every countdown tick on its own second.
 */
export function msToNextChange(deadline: number, now: number): number | undefined {
  const left = deadline - now;
  if (left <= 0) return undefined;
  const part = left % 1000;
  return part === 0 ? 1000 : part;
}
