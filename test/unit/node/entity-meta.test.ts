/** metasToKeep (entity-meta.ts): which entities need a stored meta, told without reading the columns. */
import { describe, expect, it, vi } from 'vitest';
import type { EntityId } from '../../../src/core/ids';
import { LeanColumns } from '../../../src/core/store/lean-columns';
import { metasToKeep } from '../../../src/node/entity-meta';
import { node } from '../core/support/sim-node';

describe('metasToKeep', () => {
  it('keeps none for sensor tracks held in the columns, and reads none of their registers to say so', () => {
    const a = node('a', 1_000);
    const ids: EntityId[] = [];
    for (let k = 0; k < 100; k++) {
      const id = `t${k.toString()}`;
      a.write(id, 'position', { lat: 50, lon: 8 + k * 1e-4, alt: 100 });
      a.write(id, 'velocity', { east: 10, north: -5 });
      ids.push(id as EntityId);
    }
    const read = vi.spyOn(LeanColumns.prototype, 'read');
    try {
      expect(metasToKeep(a.store, ids)).toEqual([]);
      expect(read).not.toHaveBeenCalled();
    } finally {
      read.mockRestore();
    }
  });

  it('keeps the meta of an entity a second writer or a delete taught something', () => {
    const a = node('a', 1_000);
    const b = node('b', 1_000);
    a.write('lone', 'position', { lat: 1, lon: 2 });
    a.receive(b.write('shared', 'position', { lat: 1, lon: 2 }));
    a.write('shared', 'position', { lat: 1, lon: 3 }); // saw b's: a context
    a.write('gone', 'position', { lat: 1, lon: 2 });
    a.delete('gone');
    const kept = metasToKeep(a.store, ['lone', 'shared', 'gone'] as EntityId[]).map((m) => m.id);
    expect(kept.sort()).toEqual(['gone', 'shared']);
  });
});
