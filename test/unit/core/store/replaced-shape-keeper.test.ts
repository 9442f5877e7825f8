import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { REPLACED_SHAPE_KEEPER } from '../../../../src/core/store/lean-columns';
import { quantizeValue } from '../../../../src/core/wire';
import { haveSameMap, optimizedAfterFullGc } from '../../support/v8-natives';

/**
 * A sole author's update of a register held in the columns answers a Replaced, which lives for one
 * apply: with none alive at a full GC, V8 dropped its hidden class and deoptimized the merge built
 * on it (docs/benchmarks.md, scenario 1, "The store after a full GC"). The store itself outlives
 * the collections here, as a node's does.
 */
const TRACKS = 50;
let ms = 1_700_000_000_000;

/** A position and a threat update by each track's own sensor, 1 ms after the last round's. */
function round(): Version[] {
  ms += 1;
  return Array.from({ length: 2 * TRACKS }, (_, n) => {
    const i = n >> 1;
    const kind = n % 2 === 0 ? 'position' : 'threat';
    const value =
      kind === 'position'
        ? { lat: 52 + i * 1e-4 + ms * 1e-9, lon: 4.5 - i * 1e-4, alt: 30 + (ms % 7) }
        : { level: ms % 3 === 0 ? 'HIGH' : 'LOW' };
    return {
      entity: `track-${i}` as EntityId,
      kind: kind as ComponentKind,
      value: quantizeValue(kind, value as never),
      ts: { ms, c: 0, node: `sensor-${i % 5}` as NodeId },
      seen: [],
    };
  });
}

describe('Replaced keeps its hidden class through a full GC', () => {
  it('the sole-author merge (EntityStore.apply) stays optimized with no Replaced alive', () => {
    const store = new EntityStore();
    for (const v of round()) store.apply(v);
    // The outcomes escape, as they do to a node's listeners (a Replaced that does not escape the
    // optimized merge is never made), and none is kept past the run.
    const outcomes: unknown[] = [];
    const run = (): void => {
      for (let r = 0; r < 20; r++) for (const v of round()) outcomes.push(store.apply(v));
      outcomes.length = 0;
    };
    expect(optimizedAfterFullGc(EntityStore.prototype.apply, run)).toBe(true);
  });

  it('the keeper has the hidden class of the outcome the store answers, for every fixed kind', () => {
    const store = new EntityStore();
    const at = (n: number, kind: string, value: unknown): Version => ({
      entity: 'e' as EntityId,
      kind: kind as ComponentKind,
      value: quantizeValue(kind as ComponentKind, value as never),
      ts: { ms: 1_700_000_000_000 + n, c: 0, node: 'sensor' as NodeId },
      seen: [],
    });
    const values: Record<string, [unknown, unknown]> = {
      position: [
        { lat: 52.1, lon: 4.3, alt: 12.5 },
        { lat: 52.2, lon: 4.4, alt: 13 },
      ],
      velocity: [
        { east: 1.5, north: -2 },
        { east: 2, north: 0.25 },
      ],
      threat: [{ level: 'LOW' }, { level: 'HIGH' }],
      classification: [
        { label: 'vehicle', confidence: 0.4 },
        { label: 'vehicle', confidence: 0.9 },
      ],
    };
    let n = 0;
    for (const [kind, [first, second]] of Object.entries(values)) {
      expect(store.apply(at(++n, kind, first)).kind).toBe('applied');
      const out = store.apply(at(++n, kind, second));
      expect(out.kind).toBe('applied');
      expect(out.constructor).toBe(REPLACED_SHAPE_KEEPER.constructor);
      expect(haveSameMap(REPLACED_SHAPE_KEEPER, out)).toBe(true);
      // Reading `removed` stores the list in the same hidden class.
      expect(out.kind === 'applied' && out.removed.length).toBe(1);
      expect(haveSameMap(REPLACED_SHAPE_KEEPER, out)).toBe(true);
    }
  });
});
