import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fusion } from '../../../../src/core/entity/component-types';
import { decodeVersions, encodeVersions } from '../../../../src/core/wire';
import { quantizePosition, quantizeVelocity } from '../../../../src/core/wire/quantize';
import { firstIndices, RepeatSet, strictlyAscending } from '../../../../src/core/wire/repeat-set';
import type { Position, Velocity } from '../../../../src/core/entity/component-types';
import { batch } from './arbitraries';

/** SEED=n replays one run of every property here. */
const seeded = process.env.SEED === undefined ? {} : { seed: Number(process.env.SEED) };

/**
 * The decoder's shortcuts (docs/benchmarks.md, scenario 1, "Decoder after a full GC") give what the
 * general path gives: positions and velocities built as whole literals have the general form's
 * fields in its order; a sorted entity table skips firstIndices only where it would be the identity;
 * the reused repeat set answers as a new one would, whatever the batch before it left in it.
 */
describe('decoder fast paths', () => {
  // First in the file: a spare left full by earlier batches falls back to exact text keys and would hide a stale slot.
  it('a key of the batch before is not a repeat in the next', () => {
    const first = RepeatSet.forBatch(2);
    expect(first.add(1, 1, 1_700_000_000_000, 0, 0)).toBe(true);
    expect(first.add(2, 1, 1_700_000_000_000, 0, 0)).toBe(true);
    const next = RepeatSet.forBatch(2);
    expect(next.add(2, 1, 1_700_000_000_000, 0, 0)).toBe(true);
    expect(next.add(1, 1, 1_700_000_000_000, 0, 0)).toBe(true);
    expect(next.add(1, 1, 1_700_000_000_000, 0, 0)).toBe(false);
  });

  it('positions and velocities come out with the fields of the general form, in its order', () => {
    fc.assert(
      fc.property(batch, (vs) => {
        const decoded = decodeVersions(encodeVersions(vs));
        for (const v of decoded) {
          // quantizePosition and quantizeVelocity add the optional fields one by one, in wire order.
          if (v.kind === 'position') {
            expect(JSON.stringify(v.value)).toBe(JSON.stringify(quantizePosition(v.value as Position)));
          } else if (v.kind === 'velocity') {
            expect(JSON.stringify(v.value)).toBe(JSON.stringify(quantizeVelocity(v.value as Velocity)));
          } else if (v.kind === 'fusion') {
            const p = (v.value as Fusion).position;
            expect(JSON.stringify(p)).toBe(JSON.stringify(quantizePosition(p)));
          }
        }
      }),
      { numRuns: 400, ...seeded },
    );
  });

  it('mutated bytes give the same versions or the same error whatever batch the decoder read before', () => {
    const outcome = (bytes: Uint8Array): string => {
      try {
        return JSON.stringify(decodeVersions(bytes), (_, x: unknown) => (x instanceof Uint8Array ? [...x] : x));
      } catch (e) {
        return `error ${(e as Error).message}`;
      }
    };
    fc.assert(
      fc.property(batch, batch, fc.nat(), fc.nat(255), (vs, other, at, byte) => {
        const bytes = encodeVersions(vs);
        if (bytes.length > 0) bytes[at % bytes.length] = byte;
        const first = outcome(bytes);
        outcome(encodeVersions(other));
        expect(outcome(bytes)).toBe(first);
      }),
      { numRuns: 300, ...seeded },
    );
  });

  it('a strictly ascending table is one firstIndices maps to itself; any other goes through firstIndices', () => {
    const table = fc.array(fc.constantFrom('a', 'b', 'ab', 'b.', 'track-1', 'track-10', 'track-2'), { maxLength: 8 });
    fc.assert(
      fc.property(table, (t) => {
        const sorted = [...new Set(t)].sort();
        expect(strictlyAscending(sorted)).toBe(true);
        expect([...firstIndices(sorted)]).toEqual(sorted.map((_, i) => i));
        const identity = [...firstIndices(t)].every((f, i) => f === i);
        // Ascending implies every entry is its own first (the converse need not hold: ['b', 'a']).
        if (strictlyAscending(t)) expect(identity).toBe(true);
        if (!identity) expect(strictlyAscending(t)).toBe(false);
      }),
      { numRuns: 300, ...seeded },
    );
  });

  it('the reused repeat set answers as a new set would, batch after batch, also after a batch left half way', () => {
    const key = fc.tuple(fc.nat(3), fc.nat(2), fc.constantFrom(0, 1, 2 ** 40), fc.nat(1), fc.nat(2));
    const round = fc.record({ keys: fc.array(key, { maxLength: 40 }), stopAt: fc.nat(40) });
    fc.assert(
      fc.property(fc.array(round, { minLength: 1, maxLength: 6 }), (rounds) => {
        for (const { keys, stopAt } of rounds) {
          const set = RepeatSet.forBatch(keys.length);
          const fresh = new RepeatSet(keys.length);
          // A batch that fails at a repeat or a bad byte stops adding: the next batch must not see its keys.
          for (const k of keys.slice(0, stopAt)) expect(set.add(...k)).toBe(fresh.add(...k));
        }
      }),
      { numRuns: 300, ...seeded },
    );
  });

  it('a batch larger than the spare repeat set gets a set of its own', () => {
    const big = RepeatSet.forBatch(5000);
    expect(RepeatSet.forBatch(10)).not.toBe(big);
    for (let i = 0; i < 5000; i++) expect(big.add(i, 1, 7, 0, 0)).toBe(true);
    expect(big.add(4999, 1, 7, 0, 0)).toBe(false);
  });
});
