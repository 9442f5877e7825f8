import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityView } from '../../../../src/node/node-api';
import { TrackFeatures } from '../../../../src/ui/map/track-features';
import { TRACK } from '../../../../src/ui/map/track-props';
import { Picture, type PictureFrame } from '../../../../src/ui/picture';

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
const latOf = (t: TrackFeatures, id: string): number => t.state(id)!.lat;
const byId = (views: EntityView[]): PictureFrame => {
  const picture = new Picture();
  picture.replace(views);
  return picture.frame();
};

describe('keeping the map features in step with the picture', () => {
  it('adds, moves and removes tracks from the changed ids alone', () => {
    const t = tracks();
    const picture = new Picture();
    const a = view('a', 59);
    const b = view('b', 60);
    for (const v of [a, b, view('c', 61)]) picture.set(v);
    expect(t.sync(picture.frame(), undefined, NOW)).toBe(true);
    let drawn = picture.revision;
    expect(t.size).toBe(3);
    expect(t.buffer.size).toBe(3);
    // b moves: only its id is handed over; nothing came or went.
    picture.set(view('b', 60.5));
    expect(picture.changedSince(drawn)).toEqual(['b']);
    expect(t.sync(picture.frame(), picture.changedSince(drawn), NOW)).toBe(false);
    drawn = picture.revision;
    expect(latOf(t, 'b')).toBe(60.5);
    // c leaves, a loses its fix: both leave the map.
    picture.delete('c');
    picture.set({ ...a, components: { classification: a.components.classification } } as EntityView);
    expect(t.sync(picture.frame(), picture.changedSince(drawn), NOW)).toBe(true);
    expect(Object.keys(t.sidcs())).toEqual(['b']);
    expect(t.buffer.size).toBe(1);
    // An id handed over that is neither held nor in the picture changes nothing.
    expect(t.sync(picture.frame(), ['nobody'], NOW)).toBe(false);
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
    const picture = byId([old]);
    t.sync(picture, undefined, NOW);
    expect(t.state('old')!.stale).toBe(false);
    const later = NOW + 120_000;
    // A frame in which nothing changed looks at no track.
    t.sync(picture, [], later);
    expect(t.state('old')!.stale).toBe(false);
    t.restale(later);
    expect(t.state('old')!.stale).toBe(true);
  });

  it('keeps OpenLayers features only for the tracks kept for detail, and keeps those in step', () => {
    const t = tracks();
    const picture = new Picture();
    for (let i = 0; i < 5; i++) picture.set(view(`t${i.toString()}`, 50 + i));
    t.sync(picture.frame(), undefined, NOW);
    // No track has a feature until one is kept: the GPU slots are written from the views alone.
    for (let i = 0; i < 5; i++) expect(t.feature(`t${i.toString()}`)).toBeUndefined();
    expect(t.buffer.size).toBe(5);
    const kept = t.keepFeatures(['t1', 't3', 'nobody', 't1']);
    expect(kept.map((f) => f.getId())).toEqual(['t1', 't3']);
    expect(kept[0]!.get(TRACK.sidc)).toBe('SHAP-----------');
    // A kept track that moves moves its feature; one that is not kept gets none.
    let drawn = picture.revision;
    picture.set(view('t1', 58, 'FRIENDLY'));
    picture.set(view('t2', 58));
    t.sync(picture.frame(), picture.changedSince(drawn), NOW);
    drawn = picture.revision;
    expect(t.feature('t1')!.get(TRACK.lat)).toBe(58);
    expect(t.feature('t1')!.get(TRACK.sidc)).toBe('SFAP-----------');
    expect(t.feature('t1')!.getGeometry()!.getCoordinates()).toEqual([t.state('t1')!.x, t.state('t1')!.y]);
    expect(t.feature('t2')).toBeUndefined();
    // Kept no longer: the feature goes; the selected track stays drawn with its ring from the buffer.
    t.keepFeatures(['t3']);
    expect(t.feature('t1')).toBeUndefined();
    expect(t.feature('t3')).toBeDefined();
    // A removed kept track takes its feature with it.
    picture.delete('t3');
    t.sync(picture.frame(), picture.changedSince(drawn), NOW);
    expect(t.feature('t3')).toBeUndefined();
    expect(t.keepFeatures(['t3'])).toEqual([]);
  });

  it('gives every track a feature in its source for the 2D fallback, as tracks come and go', () => {
    const t = tracks();
    const picture = new Picture();
    picture.set(view('a', 50));
    t.sync(picture.frame(), undefined, NOW);
    t.drawFromSource();
    expect(t.source.getFeatures().map((f) => f.getId())).toEqual(['a']);
    let drawn = picture.revision;
    picture.set(view('b', 51));
    t.sync(picture.frame(), picture.changedSince(drawn), NOW);
    drawn = picture.revision;
    expect(
      t.source
        .getFeatures()
        .map((f) => f.getId())
        .sort(),
    ).toEqual(['a', 'b']);
    // Detail choices do not take features away from the fallback's layer.
    t.keepFeatures([]);
    expect(t.feature('a')).toBeDefined();
    picture.delete('a');
    t.sync(picture.frame(), picture.changedSince(drawn), NOW);
    expect(t.source.getFeatures().map((f) => f.getId())).toEqual(['b']);
  });

  it('finds the nearest track within a tolerance, the tracks in an extent, and the bounding box', () => {
    const t = tracks();
    t.sync(byId([view('a', 50), view('b', 51), view('c', 52)]), undefined, NOW);
    const a = t.state('a')!;
    const b = t.state('b')!;
    expect(t.nearest([a.x + 10, a.y], 50)).toBe('a');
    expect(t.nearest([a.x + 100, a.y], 50)).toBeUndefined();
    expect(t.nearest([(a.x + b.x) / 2, b.y - 1], 1e9)).toBe('b');
    expect(t.idsIn([a.x - 1, a.y - 1, b.x + 1, b.y + 1], 5)).toEqual(['a', 'b']);
    expect(t.idsIn([a.x - 1, a.y - 1, b.x + 1, b.y + 1], 1)).toBeUndefined();
    expect(t.extent()).toEqual([a.x, a.y, t.state('c')!.x, t.state('c')!.y]);
    expect(tracks().extent()).toBeUndefined();
  });

  it('a tap takes the symbol drawn on top: a decoy on a HIGH track, written after it, does not take its tap', () => {
    const t = tracks();
    const high = view('high', 50);
    const withThreat = { ...high, components: { ...high.components, threat: { level: 'HIGH' } } } as EntityView;
    t.sync(byId([withThreat, view('decoy', 50, 'FRIEND')]), undefined, NOW);
    const h = t.state('high')!;
    expect(t.nearest([h.x + 1, h.y], 50)).toBe('high');
    // Of equal draw order, the nearest.
    t.sync(byId([view('p', 50), view('q', 50.0001)]), undefined, NOW);
    expect(t.nearest([t.state('q')!.x, t.state('q')!.y], 1e9)).toBe('q');
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
          incremental.sync(picture.frame(), picture.changedSince(drawn), NOW);
          drawn = picture.revision;
          const whole = tracks();
          whole.sync(picture.frame(), undefined, NOW);
          expect(incremental.sidcs()).toEqual(whole.sidcs());
          for (const id of Object.keys(whole.sidcs())) expect(latOf(incremental, id)).toBe(latOf(whole, id));
          expect(incremental.buffer.size).toBe(whole.buffer.size);
        }
      }),
      { seed, numRuns: 200 },
    );
  });
});
