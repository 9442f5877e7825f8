import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Encoder } from '../../../../src/core/bytes';
import { isEntityId, type EntityId } from '../../../../src/core/ids';
import { decodeVersions, encodeVersions, IdCache } from '../../../../src/core/wire';
import { wireDecoder } from '../../../../src/core/wire/errors';
import { readEntityTable, writeEntityTable } from '../../../../src/core/wire/tables';
import { version } from './arbitraries';

describe('wire id tables', () => {
  it('accept exactly the entity ids ids.ts accepts', () => {
    const chars = fc.constantFrom(...'aZ09._:@-/ #é\u0000'.split(''));
    fc.assert(
      fc.property(fc.array(fc.string({ unit: chars, maxLength: 130 }), { minLength: 1, maxLength: 4 }), (ids) => {
        const w = new Encoder();
        writeEntityTable(w, ids as EntityId[]);
        const valid = ids.every(isEntityId);
        const read = (): EntityId[] => readEntityTable(wireDecoder(w.finish()), undefined);
        if (valid) expect(read()).toEqual(ids);
        else expect(read).toThrow(/entity id|not ASCII|UTF-8|length/);
      }),
      { numRuns: 1000 },
    );
  });

  it('an id cache returns one string per id across batches, and the right one on hash collisions', () => {
    const ids = new IdCache(4);
    const a = decodeVersions(encodeVersions(fc.sample(version(), { numRuns: 20, seed: 3 })), { ids });
    const b = decodeVersions(encodeVersions(a), { ids });
    expect(b).toEqual(a);
    const codes = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
    const s1 = ids.get(codes('track-1'), 7);
    expect(ids.get(codes('track-1'), 7)).toBe(s1);
    expect(ids.get(codes('track-2'), 7)).toBe('track-2');
    for (let i = 0; i < 10; i++) expect(ids.get(codes(`id-${i}`), 4)).toBe(`id-${i}`);
  });
});
