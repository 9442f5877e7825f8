import { describe, expect, it } from 'vitest';
import type { EntityView } from '../../../../src/node/node-api';
import { isStale, STALE_AFTER_MS } from '../../../../src/ui/map/stale';

const view = (positionTime: number, expiry?: number): EntityView =>
  ({
    id: 't',
    components: { position: { lat: 0, lon: 0 }, ...(expiry === undefined ? {} : { expiry: { at: expiry } }) },
    meta: { position: { version: 'v', author: 'n', time: positionTime, conflict: false, heads: 1 } },
    conflicts: [],
    updatedAt: positionTime,
  }) as unknown as EntityView;

describe('isStale', () => {
  it('dims a track whose position is older than the stale age', () => {
    expect(isStale(view(1000), 1000 + STALE_AFTER_MS)).toBe(false);
    expect(isStale(view(1000), 1001 + STALE_AFTER_MS)).toBe(true);
  });

  it('dims a track past its own stale time, however fresh its position', () => {
    expect(isStale(view(1000, 1500), 1499)).toBe(false);
    expect(isStale(view(1000, 1500), 1500)).toBe(true);
  });
});

describe('isStale of a fused track', () => {
  it('dims a fused track its engine marked stale, and by the same age rule as any track', () => {
    const fused = (stale: boolean): EntityView => {
      const v = view(1000);
      const fusion = { sources: [], position: { lat: 0, lon: 0 }, confidence: 0, ...(stale ? { stale: true } : {}) };
      return { ...v, components: { ...v.components, fusion } } as unknown as EntityView;
    };
    // The page's clock may be behind the worker's scan: the engine's mark still counts.
    expect(isStale(fused(true), 1000)).toBe(true);
    expect(isStale(fused(false), 1000)).toBe(false);
    expect(isStale(fused(false), 1001 + STALE_AFTER_MS)).toBe(true);
  });
});
