import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors';
import {
  asLatticeName,
  isLatticeName,
  LATTICE_NAME_RULE,
  MAX_LATTICE_NAME_LENGTH,
} from '../../../src/core/lattice-name';

describe('lattice names', () => {
  it.each(['a', 'A', '7', 'exercise-north', 'a_b', 'x'.repeat(MAX_LATTICE_NAME_LENGTH)])('accepts %j', (name) => {
    expect(isLatticeName(name)).toBe(true);
    expect(asLatticeName(name)).toBe(name);
  });

  it.each(['', '-a', '_a', '../etc', 'a b', 'é', 'x'.repeat(MAX_LATTICE_NAME_LENGTH + 1), 7, undefined])(
    'refuses %j, saying the rule',
    (name) => {
      expect(isLatticeName(name)).toBe(false);
      expect(() => asLatticeName(name)).toThrow(ValidationError);
      expect(() => asLatticeName(name)).toThrow(LATTICE_NAME_RULE);
    },
  );

  it('states the first-character rule in its message', () => {
    expect(LATTICE_NAME_RULE).toMatch(/starting with a letter or digit/);
    expect(LATTICE_NAME_RULE).toContain(`1-${MAX_LATTICE_NAME_LENGTH}`);
  });
});
