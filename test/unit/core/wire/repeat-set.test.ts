import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { firstIndices, RepeatSet } from '../../../../src/core/wire/repeat-set';

/** A key as decode.ts gives it: entity, kind, ms, counter, node. */
type Key = [number, number, number, number, number];

const key = fc.tuple(
  fc.nat(3),
  fc.nat(2),
  fc.constantFrom(0, 1, 1_700_000_000_000, 2 ** 32, 2 ** 48 - 1),
  fc.constantFrom(0, 1, 0xffffffff),
  fc.nat(2),
);

describe('RepeatSet: the repeat check of a batch', () => {
  it('refuses exactly the keys added before, whether it hashes or falls back to text keys', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 60 }), fc.constantFrom(0, 1, 32), (keys: Key[], maxProbe) => {
        const set = new RepeatSet(keys.length, maxProbe);
        const seen = new Set<string>();
        for (const k of keys) {
          const text = k.join(' ');
          expect(set.add(...k)).toBe(!seen.has(text));
          seen.add(text);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keys differing only in the high bits of the clock are different keys', () => {
    const set = new RepeatSet(2);
    expect(set.add(0, 1, 2 ** 40, 0, 0)).toBe(true);
    expect(set.add(0, 1, 2 ** 40 + 2 ** 32, 0, 0)).toBe(true);
    expect(set.add(0, 1, 2 ** 40, 0, 0)).toBe(false);
  });

  it('firstIndices names an id listed twice by its first entry', () => {
    expect([...firstIndices(['a', 'b', 'a', 'c', 'b'])]).toEqual([0, 1, 0, 3, 1]);
  });
});
