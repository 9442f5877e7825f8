/**
 * The sync index's id → slot table (core/sync/id-table.ts) against a Map, on random adds and
 * deletes whose ids often share their first word (one table position, long runs to shift back).
 * Replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdTable } from '../../../../src/core/sync/id-table';
import { idKey } from '../../../../src/core/sync/version-id';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);

/** An id whose first word is one of a few values (collisions) and whose rest tells it apart. */
const arbKey = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 2 ** 31 })).map(([home, rest]) => {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(0, home * 0x01000001, true);
  new DataView(id.buffer).setUint32(4, rest, true);
  return idKey(id);
});

describe('IdTable (the sync index ids)', () => {
  it('answers as a Map does through adds, deletes and growth', () => {
    console.log(`id-table seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), arbKey), { maxLength: 400 }), (ops) => {
        const table = new IdTable();
        const model = new Map<string, number>();
        ops.forEach(([add, key], n) => {
          if (add && !model.has(key)) {
            table.add(key, n);
            model.set(key, n);
          } else {
            expect(table.delete(key)).toBe(model.get(key));
            model.delete(key);
          }
          expect(table.size).toBe(model.size);
        });
        for (const [, key] of ops) expect(table.get(key)).toBe(model.get(key));
        for (const [key, slot] of model) expect(table.has(key) && table.get(key) === slot).toBe(true);
      }),
      { seed, numRuns: 300 },
    );
  });
});
