import { ValidationError } from '../core/errors';
import { MAX_SKEW_LIMIT_MS, MIN_SKEW_LIMIT_MS } from '../core/clock/hlc';
import { num } from '../core/entity/validate-fields';

/** The storage meta key of the skew limit the operator set (setSkewLimit), restored on open. */
export const SKEW_LIMIT_META = 'skewLimit';

/** Checks setSkewLimit's argument: whole milliseconds within the bounds (core/clock/hlc.ts). */
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
