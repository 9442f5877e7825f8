import { describe, expect, it } from 'vitest';
import type { EntityView } from '../../../src/node/node-api';
import { shownId } from '../../../src/ui/shown-id';

const view = (id: string, components: Record<string, unknown>): EntityView =>
  ({ id, components, meta: {}, conflicts: [], updatedAt: 0 }) as unknown as EntityView;

describe('the id an entity is shown under', () => {
  it('is the fused view for a source hidden under it, else the id itself', () => {
    const position = { lat: 1, lon: 2 };
    const entities = new Map(
      [
        view('fused:00aa', { position, fusion: { sources: ['eo-1', 'radar-1'], position, confidence: 0.9 } }),
        view('eo-2', { position }),
      ].map((v) => [v.id, v]),
    );
    expect(shownId(entities, 'eo-1')).toBe('fused:00aa');
    expect(shownId(entities, 'radar-1')).toBe('fused:00aa');
    expect(shownId(entities, 'eo-2')).toBe('eo-2');
    expect(shownId(entities, 'fused:00aa')).toBe('fused:00aa');
    expect(shownId(entities, 'gone')).toBe('gone');
  });
});
