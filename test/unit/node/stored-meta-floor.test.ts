/**
 * A stored entity meta's floor (src/node/stored-check.ts, storedMetaProblem): a floor is a deadline
 * that fired or a floor an expiry carried (docs/architecture.md, "Expiry"), and a deadline may be
 * fractional ms, so such a floor loads; the carried floor never lies above the floor. A meta set
 * aside loses what no stored version restores: a carried floor whose carrier was superseded.
 */
import { describe, expect, it } from 'vitest';
import { storedMetaProblem } from '../../../src/node/stored-check';

const T0 = 1_700_000_000_000;

describe('a stored meta’s floor', () => {
  it('loads a fractional floor and a carried floor at or below it; refuses one above it', () => {
    expect(storedMetaProblem({ id: 'x', floor: T0 + 0.5, knowledge: [] })).toBeUndefined();
    expect(storedMetaProblem({ id: 'x', floor: T0 + 0.5, carried: T0 + 0.5, knowledge: [] })).toBeUndefined();
    expect(storedMetaProblem({ id: 'x', floor: T0, carried: T0 - 10, knowledge: [] })).toBeUndefined();
    expect(storedMetaProblem({ id: 'x', floor: T0, carried: T0 + 1, knowledge: [] })).toBe('bad carried floor');
    expect(storedMetaProblem({ id: 'x', carried: T0, knowledge: [] })).toBe('bad carried floor');
    expect(storedMetaProblem({ id: 'x', floor: Number.NaN, knowledge: [] })).toBe('bad floor');
    expect(storedMetaProblem({ id: 'x', floor: -1, knowledge: [] })).toBe('bad floor');
  });
});
