import type { AxeResults, ImpactValue } from 'axe-core';
import type { AppShell } from '../../../src/ui/app-shell';
import { equal, eventually, ok } from './assert';
import { byTestId, queryAllDeep, queryDeep } from './dom';
import { afterEach, describe, it } from './mocha';
import { mountApp, unmountAll } from './mount';
import { openTestNode } from './test-node';

declare global {
  interface Window {
    axe?: { run: (context: Element, options: object) => Promise<AxeResults> };
  }
}

const OTHER_NODE = 'otherNodeBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const BLOCKING: readonly ImpactValue[] = ['serious', 'critical'];

/** axe-core as shipped (a UMD script that sets window.axe), served from node_modules by the test server. */
async function loadAxe(): Promise<NonNullable<Window['axe']>> {
  if (window.axe === undefined) {
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/node_modules/axe-core/axe.min.js';
      script.onload = () => resolve();
      script.onerror = () => reject(new Error('axe-core did not load'));
      document.head.append(script);
    });
  }
  ok(window.axe !== undefined, 'axe-core is loaded');
  return window.axe;
}

/** The serious and critical findings on the shell as it is now, one line each (rule, impact, where). */
async function blockingFindings(app: AppShell): Promise<string[]> {
  await app.updateComplete;
  const axe = await loadAxe();
  const results = await axe.run(app, { resultTypes: ['violations'] });
  return results.violations
    .filter((v) => v.impact !== undefined && v.impact !== null && BLOCKING.includes(v.impact))
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${String(v.impact)}): ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`),
    );
}

describe('accessibility (axe-core)', () => {
  afterEach(unmountAll);

  it('finds nothing serious or critical on any view, in either theme', async () => {
    const client = await openTestNode();
    await client.create({
      id: 'gunboat',
      components: {
        classification: { label: 'Gunboat', disposition: 'HOSTILE', environment: 'SURFACE', confidence: 0.9 },
        position: { lat: 51.47, lon: -0.46, accuracy: 80 },
        velocity: { east: 4, north: 2 },
        threat: { level: 'HIGH' },
      },
    });
    await client.create({
      id: 'ferry',
      components: {
        classification: { label: 'Ferry', disposition: 'NEUTRAL', environment: 'SURFACE', confidence: 1 },
        position: { lat: 51.45, lon: -0.42 },
        threat: { level: 'LOW' },
      },
    });
    client.remoteWrite('ferry', 'threat', { level: 'MEDIUM' }, OTHER_NODE);
    const { app } = await mountApp(client);
    await eventually(() => equal(queryAllDeep(app, byTestId('track-row')).length, 2, 'both tracks listed'));

    const views: [string, () => Promise<void>][] = [
      ['the map and the track list', async () => {}],
      [
        'the filter chips',
        async () => {
          queryDeep(app, byTestId('filters-toggle')).click();
          await eventually(() => queryDeep(app, byTestId('filter-chips')));
        },
      ],
      [
        'the inspector of a conflicted track',
        async () => {
          queryDeep(app, `${byTestId('track-row')}[data-entity-id="ferry"]`).click();
          await eventually(() => equal(queryDeep(app, byTestId('inspector-title')).textContent, 'ferry'));
        },
      ],
      [
        'the settings dialog, with a refused basemap file',
        async () => {
          queryDeep(app, byTestId('settings-open')).click();
          await eventually(() => queryDeep(app, byTestId('setting-basemap-file')));
          const panel = app.renderRoot.querySelector('lm-settings-panel')!;
          panel.basemapError = '"area.pmtiles" is not a PMTiles archive (it does not start with "PMTiles").';
          await panel.updateComplete;
        },
      ],
    ];
    const found: string[] = [];
    for (const theme of ['day', 'night'] as const) {
      app.theme = theme;
      for (const [name, open] of views) {
        await open();
        for (const f of await blockingFindings(app)) found.push(`${theme}, ${name}: ${f}`);
      }
      // Back to the first view for the other theme: fold the chips, clear the selection.
      queryDeep(app, byTestId('filters-toggle')).click();
      app.selectedId = null;
      app.settingsOpen = false;
    }
    equal(found.join('\n'), '', 'no serious or critical finding');
  });
});
