import { ValidationError } from '../errors';
import { describe } from '../ids';

/** Field checks shared by the component validators; each throws a ValidationError naming the path. */

export function record(x: unknown, path: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new ValidationError(`${path}: expected an object, got ${Array.isArray(x) ? 'array' : describe(x)}`);
  }
  return x as Record<string, unknown>;
}

export function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      throw new ValidationError(`${path}: unknown field "${key}" (allowed: ${allowed.join(', ')})`);
  }
}

export function num(x: unknown, path: string, min: number, max: number): number {
  if (typeof x !== 'number' || !Number.isFinite(x))
    throw new ValidationError(`${path}: expected a finite number, got ${describe(x)}`);
  if (x < min || x > max) throw new ValidationError(`${path}: ${x} is out of range [${min}, ${max}]`);
  return x;
}

export function optNum(x: unknown, path: string, min: number, max: number): number | undefined {
  return x === undefined ? undefined : num(x, path, min, max);
}

export function str(x: unknown, path: string, maxLength: number): string {
  if (typeof x !== 'string') throw new ValidationError(`${path}: expected a string, got ${describe(x)}`);
  if (x.length > maxLength) throw new ValidationError(`${path}: longer than ${maxLength} characters`);
  return wellFormed(x, path);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text must be well-formed Unicode: a lone surrogate has no UTF-8 encoding, so the wire could never
 * carry it and the write would be accepted here yet never replicate.
 */
export function wellFormed(x: string, path: string): string {
  const bad = LONE_SURROGATE.exec(x);
  if (bad !== null) {
    throw new ValidationError(`${path}: not well-formed Unicode (a lone surrogate at index ${bad.index})`);
  }
  return x;
}

export function oneOf<T extends string>(x: unknown, allowed: readonly T[], path: string): T {
  if (typeof x !== 'string' || !(allowed as readonly string[]).includes(x)) {
    throw new ValidationError(`${path}: expected one of ${allowed.join(' | ')}, got ${describe(x)}`);
  }
  return x as T;
}
