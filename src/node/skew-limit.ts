import { ValidationError } from '../core/errors';
import { num } from '../core/entity/validate-fields';

/** The storage meta key of the skew limit the operator set (setSkewLimit), restored on open. */
export const SKEW_LIMIT_META = 'skewLimit';

/**
 * Bounds of the skew limit (docs/requirements.md §3: datacenter databases use 500 ms, local-first
 * apps 60 s to 5 min). Below 100 ms ordinary network delay would hold honest writes; above an
 * hour a clock is misconfigured, and the operator accepts that one author (acceptHeld) rather than
 * let every peer's clock drag ours that far ahead.
 */
export const MIN_SKEW_LIMIT_MS = 100;
export const MAX_SKEW_LIMIT_MS = 60 * 60 * 1000;

/** Checks setSkewLimit's argument: whole milliseconds within the bounds. */
export function checkSkewLimit(x: unknown): number {
  const ms = num(x, 'setSkewLimit', MIN_SKEW_LIMIT_MS, MAX_SKEW_LIMIT_MS);
  if (!Number.isInteger(ms)) throw new ValidationError(`setSkewLimit: expected whole milliseconds, got ${ms}`);
  return ms;
}

/** A stored skew limit, or undefined when absent or damaged (the default then applies). */
export function storedSkewLimit(x: unknown): number | undefined {
  try {
    return x === undefined ? undefined : checkSkewLimit(x);
  } catch {
    return undefined;
  }
}
