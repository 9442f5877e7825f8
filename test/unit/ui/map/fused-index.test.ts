import { describe, expect, it } from 'vitest';
import type { EntityView } from '../../../../src/node/node-api';
import { FusedIndex } from '../../../../src/ui/map/fused-index';
import { Picture } from '../../../../src/ui/picture';

const fused = (id: string, sources: string[], positioned = true): EntityView =>
  ({
    id,
    components: {
      ...(positioned ? { position: { lat: 59, lon: 18 } } : {}),
      fusion: { sources, confidence: 0.5 },
    },
    meta: {},
    conflicts: [],
    updatedAt: 1,
  }) as unknown as EntityView;
const raw = (id: string): EntityView =>
  ({
    id,
    components: { position: { lat: 59, lon: 18 } },
    meta: {},
    conflicts: [],
    updatedAt: 1,
  }) as unknown as EntityView;

describe('the fused tracks index', () => {
  it('keeps the positioned fused tracks and their sources from the changed ids, and says when they changed', () => {
    const index = new FusedIndex();
    const views = new Picture();
    views.replace([fused('f1', ['s1', 's2']), raw('r')]);
    expect(index.update(views.frame(), undefined)).toBe(true);
    expect([...index.ids()]).toEqual(['f1']);
    expect([...index.fusedOver('s2')]).toEqual(['f1']);
    // A raw track moving concerns no link.
    views.set(raw('r'));
    expect(index.update(views.frame(), ['r'])).toBe(false);
    // The fused track takes another source: the old one is no longer under it.
    views.set(fused('f1', ['s1', 's3']));
    expect(index.update(views.frame(), ['f1'])).toBe(true);
    expect([...index.fusedOver('s2')]).toEqual([]);
    expect([...index.fusedOver('s3')]).toEqual(['f1']);
    // Without a position it has no link to draw; removed, it leaves.
    views.set(fused('f2', ['s4'], false));
    expect(index.update(views.frame(), ['f2'])).toBe(false);
    views.delete('f1');
    expect(index.update(views.frame(), ['f1'])).toBe(true);
    expect(index.size).toBe(0);
    expect([...index.fusedOver('s1')]).toEqual([]);
  });
});
