import { ValidationError } from './errors';
import { describe } from './ids';

/**
 * A lattice's name: nodes of different lattices never meet. One rule for the page's `?lattice=`,
 * the worker's start, signaling, pairing codes and the sync hello.
 */
export const MAX_LATTICE_NAME_LENGTH = 32;
const LATTICE_NAME = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,${MAX_LATTICE_NAME_LENGTH - 1}}$`);
/** The rule in words, for error messages. */
export const LATTICE_NAME_RULE = `1-${MAX_LATTICE_NAME_LENGTH} characters of [A-Za-z0-9_-], starting with a letter or digit`;

export function isLatticeName(x: unknown): x is string {
  return typeof x === 'string' && LATTICE_NAME.test(x);
}

export function asLatticeName(x: unknown): string {
  if (!isLatticeName(x))
    throw new ValidationError(`invalid lattice name ${describe(x)}: expected ${LATTICE_NAME_RULE}`);
  return x;
}
