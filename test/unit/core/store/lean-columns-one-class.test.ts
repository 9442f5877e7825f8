import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { quantizeValue } from '../../../../src/core/wire';
import { haveSameMap } from '../../support/v8-natives';

/**
 * The columns of a store that has taken no head yet (a new store's, the one REPLACED_SHAPE_KEEPER
 * holds) have the hidden class of those that have: a field first set by the first head made them
 * two, and every method of the sole-author merge then saw both (docs/benchmarks.md, scenario 1,
 * "One merge for mixed traffic").
 */
const columnsOf = (store: EntityStore): object => (store as unknown as { cols: object }).cols;

describe('LeanColumns has one hidden class', () => {
  it('before and after the columns take their first head, and as they take more', () => {
    const fresh = columnsOf(new EntityStore());
    const store = new EntityStore();
    const used = columnsOf(store);
    expect(haveSameMap(fresh, used)).toBe(true);
    for (let n = 0; n < 3; n++)
      for (const node of ['sensor-a', 'sensor-b'])
        store.apply({
          entity: `track-${node}` as EntityId,
          kind: 'position' as ComponentKind,
          value: quantizeValue('position' as ComponentKind, { lat: 52 + n * 1e-4, lon: 4.5, alt: 30 } as never),
          ts: { ms: 1_700_000_000_000 + n, c: 0, node: node as NodeId },
          seen: [],
        });
    expect(store.size).toBe(2);
    expect(haveSameMap(fresh, used)).toBe(true);
  });
});
