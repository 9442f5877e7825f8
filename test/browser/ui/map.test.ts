import { sendMouse } from '@web/test-runner-commands';
import type { LatticeMap } from '../../../src/ui/map/lattice-map';
import { equal, eventually, ok } from './assert';
import { byTestId, queryDeep } from './dom';
import { afterEach, describe, it } from './mocha';
import { mountApp, unmountAll } from './mount';
import { openTestNode, type TestNode } from './test-node';

const track = (id: string, disposition: string, environment: string, lat: number, lon: number) => ({
  id,
  components: {
    classification: { label: id, disposition, environment, confidence: 0.9 },
    position: { lat, lon, accuracy: 50 },
    velocity: { east: 5, north: 5 },
  },
});

async function mountMap(client: TestNode): Promise<{ app: HTMLElement; map: LatticeMap }> {
  const { app } = await mountApp(client);
  const map = await eventually(() => queryDeep<LatticeMap>(app, 'lattice-map'));
  await map.updateComplete;
  return { app, map };
}

/** Clicks where a track's symbol is drawn, as a mouse (or a finger) does: a real input event at page pixels. */
async function clickSymbol(map: LatticeMap, id: string): Promise<void> {
  const pixel = await eventually(() => {
    const p = map.pixelOf(id);
    ok(p !== undefined, `${id} is on the map`);
    return p;
  });
  const box = map.getBoundingClientRect();
  const x = Math.round(box.left + pixel[0]);
  const y = Math.round(box.top + pixel[1]);
  ok(x > box.left && x < box.right && y > box.top && y < box.bottom, `${id} is in view at ${x},${y}`);
  await sendMouse({ type: 'click', position: [x, y] });
}

describe('<lattice-map>', () => {
  afterEach(unmountAll);

  it('draws every positioned track with the SIDC its classification gives', async () => {
    const client = await openTestNode();
    await client.create(track('fighter', 'HOSTILE', 'AIR', 59.33, 18.06));
    await client.create(track('patrol', 'FRIENDLY', 'LAND', 59.32, 18.04));
    await client.create(track('boat', 'SUSPICIOUS', 'SURFACE', 59.31, 18.1));
    await client.create(track('sub', 'PENDING', 'SUB_SURFACE', 59.3, 18.08));
    await client.create({ id: 'bare', components: { position: { lat: 59.34, lon: 18.07 } } });
    await client.create({ id: 'no-fix', components: { threat: { level: 'LOW' } } });
    const { map } = await mountMap(client);
    equal(map.renderer, 'webgl', 'the test browser has WebGL (SwiftShader): the GPU layer draws the symbols');
    await eventually(() =>
      equal(map.symbolSite, 'worker', 'the test browser has OffscreenCanvas WebGL: the symbols are drawn in a worker'),
    );
    await eventually(() =>
      equal(
        JSON.stringify(Object.entries(map.renderedSidcs()).sort()),
        JSON.stringify(
          [
            ['bare', 'SUZP-----------'],
            ['boat', 'SSSP-----------'],
            ['fighter', 'SHAP-----------'],
            ['patrol', 'SFGP-----------'],
            ['sub', 'SPUP-----------'],
          ].sort(),
        ),
        'one symbol per positioned track, none for the track without a fix',
      ),
    );
    // A reclassification redraws the symbol.
    await client.update('patrol', {
      classification: { label: 'p', disposition: 'HOSTILE', environment: 'LAND', confidence: 1 },
    });
    await eventually(() => equal(map.renderedSidcs().patrol, 'SHGP-----------'));
    await client.remove('boat');
    await eventually(() => equal(map.renderedSidcs().boat, undefined, 'a removed track leaves the map'));
  });

  it('opens the inspector when a symbol is tapped, and closes it on empty map', async () => {
    const client = await openTestNode();
    await client.create(track('alpha', 'HOSTILE', 'AIR', 59.33, 18.0));
    await client.create(track('bravo', 'FRIENDLY', 'LAND', 59.3, 18.1));
    const { app, map } = await mountMap(client);
    await eventually(() => ok(map.renderedSidcs().bravo !== undefined, 'bravo drawn'));
    await clickSymbol(map, 'bravo');
    await eventually(() => equal(queryDeep(app, byTestId('inspector-title')).textContent, 'bravo'));
    await clickSymbol(map, 'alpha');
    await eventually(() => equal(queryDeep(app, byTestId('inspector-title')).textContent, 'alpha'));
    // Far from both symbols: the selection clears.
    const box = map.getBoundingClientRect();
    await sendMouse({ type: 'click', position: [Math.round(box.left + 80), Math.round(box.bottom - 80)] });
    await eventually(() => {
      let title: string | null = null;
      try {
        title = queryDeep(app, byTestId('inspector-title')).textContent;
      } catch {
        // No title: nothing selected.
      }
      equal(title, null, 'nothing inspected');
    });
  });

  it('moves a symbol when its track moves', async () => {
    const client = await openTestNode();
    await client.create(track('mover', 'UNKNOWN', 'SURFACE', 59.3, 18.0));
    await client.create(track('anchor', 'NEUTRAL', 'SURFACE', 59.35, 18.1));
    const { map } = await mountMap(client);
    const before = await eventually(() => {
      const p = map.pixelOf('mover');
      ok(p !== undefined, 'mover drawn');
      return p;
    });
    const anchor = map.pixelOf('anchor')!;
    await client.update('mover', { position: { lat: 59.33, lon: 18.05 } });
    const after = await eventually(() => {
      const p = map.pixelOf('mover')!;
      ok(Math.hypot(p[0] - before[0], p[1] - before[1]) > 20, `moved from ${before.join(',')} to ${p.join(',')}`);
      return p;
    });
    ok(after[0] > before[0] && after[1] < before[1], 'moved east and north on screen');
    const anchorNow = map.pixelOf('anchor')!;
    equal(anchorNow.join(','), anchor.join(','), 'the view did not move (the other symbol stayed)');
  });
});
