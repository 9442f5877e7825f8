import { describe, expect, it } from 'vitest';
import type { EntityView } from '../../../../src/node/node-api';
import { TrackFeatures } from '../../../../src/ui/map/track-features';
import { TRACK } from '../../../../src/ui/map/track-props';

const NOW = 1_700_000_000_000;

function view(id: string, lat: number, disposition = 'HOSTILE', time = NOW): EntityView {
  const meta = { version: 'v', author: 'a', time, conflict: false, heads: 1 };
  return {
    id,
    components: {
      classification: { label: id, disposition, environment: 'AIR', confidence: 1 },
      position: { lat, lon: 18 },
    },
    meta: { position: meta, classification: meta },
    conflicts: [],
    updatedAt: time,
  } as unknown as EntityView;
}

const tracks = (): TrackFeatures => new TrackFeatures(() => ({ x: 0, y: 0, halfWidth: 10, halfHeight: 10 }));
const latOf = (t: TrackFeatures, id: string): number => t.feature(id)!.get(TRACK.lat) as number;

describe('keeping the map features in step with the picture', () => {
  it('adds, moves, keeps and removes tracks as the picture changes from sync to sync', () => {
    const t = tracks();
    const a = view('a', 59);
    const b = view('b', 60);
    const c = view('c', 61);
    expect(t.sync([a, b, c], NOW)).toBe(true);
    expect(t.size).toBe(3);
    expect(t.buffer.size).toBe(3);
    // b moves, in place (a new view at the same index): nothing came or went.
    const b2 = view('b', 60.5);
    expect(t.sync([a, b2, c], NOW)).toBe(false);
    expect(latOf(t, 'b')).toBe(60.5);
    // c leaves, a loses its fix: both leave the map.
    const aNoFix = { ...a, components: { classification: a.components.classification } } as EntityView;
    expect(t.sync([aNoFix, b2], NOW)).toBe(true);
    expect(Object.keys(t.sidcs())).toEqual(['b']);
    expect(t.buffer.size).toBe(1);
  });

  it('finds every change when tracks change places in the picture, and a picture handed over again', () => {
    const t = tracks();
    const views = ['a', 'b', 'c', 'd'].map((id, i) => view(id, 50 + i));
    t.sync(views, NOW);
    // Reordered, one reclassified, one gone: the same objects at other indices are still the same tracks.
    const moved = [views[3]!, view('a', 50, 'FRIENDLY'), views[1]!];
    expect(t.sync(moved, NOW)).toBe(true);
    expect(t.sidcs()).toEqual({ a: 'SFAP-----------', b: 'SHAP-----------', d: 'SHAP-----------' });
    // The same array again (the stale tick): nothing lost.
    expect(t.sync(moved, NOW)).toBe(false);
    expect(t.size).toBe(3);
    // A removal hidden among unchanged views at their old indices.
    expect(t.sync([moved[0]!, moved[1]!], NOW)).toBe(true);
    expect(Object.keys(t.sidcs()).sort()).toEqual(['a', 'd']);
  });

  it('dims a track that went stale only when asked to re-evaluate the clock', () => {
    const t = tracks();
    const old = view('old', 59, 'HOSTILE', NOW - 60_000);
    t.sync([old], NOW);
    expect(t.feature('old')!.get(TRACK.stale)).toBe(false);
    const later = NOW + 120_000;
    t.sync([old], later);
    expect(t.feature('old')!.get(TRACK.stale)).toBe(false);
    t.sync([old], later, true);
    expect(t.feature('old')!.get(TRACK.stale)).toBe(true);
  });
});
