import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Encoder } from '../../../../src/core/bytes';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import { IdCache } from '../../../../src/core/wire';
import { wireDecoder } from '../../../../src/core/wire/errors';
import { readNodeId, writeNodeId } from '../../../../src/core/wire/node-ids';
import { readEntityTable, writeEntityTable } from '../../../../src/core/wire/tables';
import { entityId, nodeId } from './arbitraries';

/**
 * The id cache's lookups that reuse what the tables already have (src/core/wire/ascii-ids.ts): an
 * entity id's hash stepped from its front-coded prefix (getHashed), a node id found by its packed
 * bytes (getPacked). Whatever a cache holds, a table reads to the ids it reads without one.
 * Replay a failure with SEED=<printed seed>.
 */
const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);

const entityTable = (ids: readonly EntityId[]): Uint8Array => {
  const w = new Encoder();
  writeEntityTable(w, ids);
  return w.finish();
};
const packedNode = (id: NodeId): Uint8Array => {
  const w = new Encoder();
  writeNodeId(w, id);
  return w.finish();
};

describe('id cache lookups', () => {
  it(`read every table to the ids read without a cache, at any bound, across tables (seed ${seed})`, () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.oneof(entityId, fc.constantFrom('track-0001', 'track-0002', 'track-1')), {
            minLength: 1,
            maxLength: 12,
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.array(fc.oneof(nodeId, fc.constantFrom('AAAA', 'AAAB', 'AAA')), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        (tables, nodes, bound) => {
          const cache = new IdCache(bound);
          for (const t of tables) {
            const ids = [...t].sort() as EntityId[];
            const bytes = entityTable(ids);
            expect(readEntityTable(wireDecoder(bytes), cache)).toEqual(readEntityTable(wireDecoder(bytes), undefined));
            expect(readEntityTable(wireDecoder(bytes), cache)).toEqual(ids);
          }
          for (const n of [...nodes, ...nodes]) {
            expect(readNodeId(wireDecoder(packedNode(n as NodeId)), cache)).toBe(n);
          }
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('finds a node id by its packed bytes, the same string each time, and nothing for other bytes', () => {
    const cache = new IdCache();
    const id = 'sensor_A-42' as NodeId;
    const bytes = packedNode(id);
    expect(cache.getPacked(bytes, 1, bytes.length - 1, id.length)).toBeUndefined();
    const first = readNodeId(wireDecoder(bytes), cache);
    expect(first).toBe(id);
    expect(cache.getPacked(bytes, 1, bytes.length - 1, id.length)).toBe(first);
    const other = packedNode('sensor_A-43' as NodeId);
    expect(cache.getPacked(other, 1, other.length - 1, id.length)).toBeUndefined();
    // One id more or less is another id, whatever its packed bytes share.
    expect(cache.getPacked(bytes, 1, bytes.length - 1, id.length - 1)).toBeUndefined();
  });

  it('still refuses a node id with padding bits set once the cache holds the id without them', () => {
    const cache = new IdCache();
    const id = 'AAAAA' as NodeId; // 5 × 6 bits: 30 bits in 4 bytes, 2 bits of padding
    const bytes = packedNode(id);
    expect(readNodeId(wireDecoder(bytes), cache)).toBe(id);
    const padded = bytes.slice();
    padded[padded.length - 1]! |= 0x01;
    expect(() => readNodeId(wireDecoder(padded), cache)).toThrow(/padding/);
  });

  it('hashes an entity id from its prefix as get() hashes it whole (getHashed finds what get() kept)', () => {
    const cache = new IdCache();
    const ids = ['track-0001', 'track-0002', 'track-0010'] as EntityId[];
    const read = readEntityTable(wireDecoder(entityTable(ids)), cache);
    const codes = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
    for (const s of read) expect(cache.get(codes(s), s.length)).toBe(s);
  });
});
