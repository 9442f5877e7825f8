import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { quantizeValue } from '../../../../src/core/wire';

/**
 * What every EntityState holds, whatever it was given: its id, the store's columns, its lean bits
 * and row, and its number. Each field more is 8 B an entity, ~1.3 B a component of scenario 10's
 * running node (docs/benchmarks.md, scenario 10: ≤ 100 B a component); what only some entities
 * need (a floor, evidence, the heads a cut moved) is kept beside them or made on demand.
 */
describe('an EntityState', () => {
  it("holding a sensor's track (six lean registers, one author) has four fields", () => {
    const store = new EntityStore();
    const values: Record<string, unknown> = {
      position: { lat: 52, lon: 4.1, alt: 100 },
      velocity: { east: 40, north: 0 },
      classification: { label: 'fixed wing', disposition: 'ASSUMED_FRIENDLY', environment: 'AIR', confidence: 0.0387 },
      threat: { level: 'LOW' },
      source: { sensorId: 'sensor-0', sensorType: 'radar' },
      expiry: { at: 1_700_000_030_000 },
    };
    for (const [kind, value] of Object.entries(values))
      store.apply({
        entity: 'track-1' as EntityId,
        kind: kind as ComponentKind,
        value: quantizeValue(kind as ComponentKind, value as never),
        ts: { ms: 1_700_000_000_000, c: 0, node: 'sensor-a' as NodeId },
        seen: [],
      });
    const view = store.view('track-1' as EntityId, 1_700_000_000_000);
    expect(Object.keys(view?.components ?? {}).sort()).toEqual(Object.keys(values).sort());
    expect(Object.keys(store.state('track-1' as EntityId)!).sort()).toEqual(['cols', 'id', 'lean', 'number']);
  });
});
