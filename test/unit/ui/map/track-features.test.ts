import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityView } from '../../../../src/node/node-api';
import { TrackFeatures } from '../../../../src/ui/map/track-features';
import { TRACK } from '../../../../src/ui/map/track-props';
import { Picture } from '../../../../src/ui/picture';

const NOW = 1_700_000_000_000;
const seed = Number(process.env.SEED ?? Date.now()) >>> 0;
console.log('track-features seed', seed);

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
const byId = (views: EntityView[]): Map<string, EntityView> => new Map(views.map((v) => [v.id, v]));

describe('keeping the map features in step with the picture', () => {
  it('adds, moves and removes tracks from the changed ids alone', () => {
    const t = tracks();
    const picture = new Picture();
    const a = view('a', 59);
    const b = view('b', 60);
    for (const v of [a, b, view('c', 61)]) picture.set(v);
    expect(t.sync(picture.views, undefined, NOW)).toBe(true);
    let drawn = picture.revision;
    expect(t.size).toBe(3);
    expect(t.buffer.size).toBe(3);
    // b moves: only its id is handed over; nothing came or went.
    picture.set(view('b', 60.5));
    expect(picture.changedSince(drawn)).toEqual(['b']);
    expect(t.sync(picture.views, picture.changedSince(drawn), NOW)).toBe(false);
    drawn = picture.revision;
    expect(latOf(t, 'b')).toBe(60.5);
    // c leaves, a loses its fix: both leave the map.
    picture.delete('c');
    picture.set({ ...a, components: { classification: a.components.classification } } as EntityView);
    expect(t.sync(picture.views, picture.changedSince(drawn), NOW)).toBe(true);
    expect(Object.keys(t.sidcs())).toEqual(['b']);
    expect(t.buffer.size).toBe(1);
    // An id handed over that is neither held nor in the picture changes nothing.
    expect(t.sync(picture.views, ['nobody'], NOW)).toBe(false);
    expect(b.id).toBe('b');
  });

  it('a whole walk removes the held tracks no longer in the picture', () => {
    const t = tracks();
    const views = ['a', 'b', 'c', 'd'].map((id, i) => view(id, 50 + i));
    t.sync(byId(views), undefined, NOW);
    const moved = [views[3]!, view('a', 50, 'FRIENDLY'), views[1]!];
    expect(t.sync(byId(moved), undefined, NOW)).toBe(true);
    expect(t.sidcs()).toEqual({ a: 'SFAP-----------', b: 'SHAP-----------', d: 'SHAP-----------' });
    expect(t.sync(byId(moved), undefined, NOW)).toBe(false);
    expect(t.size).toBe(3);
  });

  it('dims a track that went stale only when asked to re-evaluate the clock', () => {
    const t = tracks();
    const old = view('old', 59, 'HOSTILE', NOW - 60_000);
    t.sync(byId([old]), undefined, NOW);
    expect(t.feature('old')!.get(TRACK.stale)).toBe(false);
    const later = NOW + 120_000;
    t.sync(byId([old]), ['old'], later);
    expect(t.feature('old')!.get(TRACK.stale)).toBe(false);
    t.restale(later);
    expect(t.feature('old')!.get(TRACK.stale)).toBe(true);
  });

  it('law: syncing the changed ids after each step draws what a whole walk of the picture draws', () => {
    const step = fc.oneof(
      fc.record({
        op: fc.constant('set' as const),
        id: fc.integer({ min: 0, max: 12 }),
        lat: fc.integer({ min: -80, max: 95 }),
      }),
      fc.record({ op: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 12 }) }),
      fc.record({
        op: fc.constant('replace' as const),
        ids: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 6 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(step, { maxLength: 8 }), { maxLength: 12 }), (frames) => {
        const picture = new Picture();
        const incremental = tracks();
        let drawn = picture.revision;
        for (const frame of frames) {
          for (const s of frame) {
            if (s.op === 'set') picture.set(view(`t${s.id.toString()}`, s.lat));
            else if (s.op === 'delete') picture.delete(`t${s.id.toString()}`);
            else picture.replace(s.ids.map((id) => view(`t${id.toString()}`, id)));
          }
          incremental.sync(picture.views, picture.changedSince(drawn), NOW);
          drawn = picture.revision;
          const whole = tracks();
          whole.sync(picture.views, undefined, NOW);
          expect(incremental.sidcs()).toEqual(whole.sidcs());
          for (const id of Object.keys(whole.sidcs())) expect(latOf(incremental, id)).toBe(latOf(whole, id));
          expect(incremental.buffer.size).toBe(whole.buffer.size);
        }
      }),
      { seed, numRuns: 200 },
    );
  });
});
