import { sendMouse } from '@web/test-runner-commands';
import '../../../src/ui/map/lattice-map';
import type { EntityView } from '../../../src/node/node-api';
import type { LatticeMap } from '../../../src/ui/map/lattice-map';
import { DETAIL_LIMIT } from '../../../src/ui/map/track-detail';
import { Picture } from '../../../src/ui/picture';
import { equal, eventually, ok } from './assert';
import { afterEach, describe, it } from './mocha';

/** A grid of tracks, `side` × `side`, every one moving with an accuracy: ellipse and leader when detailed. */
const SIDE = 100;

function grid(at: number, shift = 0): EntityView[] {
  const views: EntityView[] = [];
  for (let i = 0; i < SIDE * SIDE; i++) {
    const meta = { version: 'v', author: 'a', time: at, conflict: false, heads: 1 };
    views.push({
      id: `t${i.toString()}`,
      components: {
        classification: { label: `T${i.toString()}`, disposition: i % 2 ? 'HOSTILE' : 'FRIENDLY', environment: 'AIR' },
        position: { lat: 59 + Math.floor(i / SIDE) * 0.01, lon: 18 + (i % SIDE) * 0.02 + shift, accuracy: 40 },
        velocity: { east: 10, north: 0 },
      },
      meta: { position: meta, classification: meta },
      conflicts: [],
      updatedAt: at,
    } as unknown as EntityView);
  }
  return views;
}

let mounted: LatticeMap | undefined;

async function mount(picture: Picture): Promise<LatticeMap> {
  const map = document.createElement('lattice-map');
  map.style.cssText = 'position:fixed;inset:0;';
  document.body.append(map);
  mounted = map;
  map.picture = picture.frame();
  await map.updateComplete;
  return map;
}

/** Clicks a track's symbol where the map draws it, and returns the id the map selected. */
async function tap(map: LatticeMap, id: string): Promise<string | null> {
  // Apart from the last tap by more than OpenLayers' double-click time (250 ms), which would zoom in.
  await new Promise((r) => setTimeout(r, 400));
  const pixel = map.pixelOf(id);
  ok(pixel !== undefined, `${id} is on the map`);
  const box = map.getBoundingClientRect();
  ok(pixel[0] > 0 && pixel[1] > 0 && pixel[0] < box.width && pixel[1] < box.height, `${id} in view at ${pixel.join()}`);
  const picked = new Promise<string | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no entity-select after a tap on ${id}`)), 5000);
    map.addEventListener(
      'entity-select',
      (e) => {
        clearTimeout(timer);
        resolve(e.detail.id);
      },
      { once: true },
    );
  });
  await sendMouse({ type: 'click', position: [Math.round(box.left + pixel[0]), Math.round(box.top + pixel[1])] });
  return picked;
}

describe('<lattice-map> with ten thousand tracks', () => {
  afterEach(() => {
    mounted?.remove();
    mounted = undefined;
  });

  it('hits any of them by tap, and gives ellipses and leaders only to the selected one until few are in view', async function () {
    (this as { timeout(ms: number): void }).timeout(90_000);
    const picture = new Picture();
    picture.replace(grid(Date.now()));
    const map = await mount(picture);
    await eventually(() => equal(Object.keys(map.renderedSidcs()).length, SIDE * SIDE), 5000);
    map.followTracks();
    // Three tracks across the grid, tapped where they are drawn.
    // (Inside the grid: the scale bar and the zoom buttons stand over its corners, and take taps there.)
    for (const id of [
      `t${(SIDE * 10 + 10).toString()}`,
      `t${(SIDE * 50 + 37).toString()}`,
      `t${(SIDE * 90 + 95).toString()}`,
    ]) {
      equal(await tap(map, id), id, `a tap on ${id} selects it`);
    }
    // Thousands in view: no detail but the selected track's.
    equal(map.renderedDetail().length, 0, 'no detail for a crowd');
    map.selectedId = 't4242';
    await map.updateComplete;
    equal(map.renderedDetail().join(), 't4242', 'the selected track has its ellipse and leader');
    // The tracks move (a new view each): the symbols follow, the hit test with them.
    for (const v of grid(Date.now(), 0.005)) picture.set(v);
    map.picture = picture.frame();
    await map.updateComplete;
    equal(await tap(map, 't4243'), 't4243', 'a moved track is hit where it is now');
    // Zoomed in on a corner: the few tracks in view get their detail.
    map.selectedId = null;
    await map.updateComplete;
    const view = map.olMap!.getView();
    view.setZoom(13);
    view.setCenter(map.olMap!.getCoordinateFromPixel(map.pixelOf('t0')!));
    await eventually(() => {
      const shown = map.renderedDetail();
      ok(shown.length > 0 && shown.length <= DETAIL_LIMIT, `${shown.length.toString()} tracks with detail`);
      ok(shown.includes('t0'), 't0 is in view with its detail');
    }, 5000);
  });
});
