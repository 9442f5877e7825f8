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
    // The gunboat is HIGH: the gate raises a request and its card is on screen in every view below.
    const promptShown = async () => {
      const cards = await eventually(() => {
        const found = queryAllDeep(app, byTestId('approval-card'));
        equal(found.length, 1, 'the approval card is on screen');
        return found;
      }, 5_000);
      const box = cards[0]!.getBoundingClientRect();
      ok(box.width > 0 && box.height > 0, 'the card is drawn');
      equal(cards[0]!.dataset.entity, 'gunboat');
    };
    await promptShown();

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
        await promptShown();
        for (const f of await blockingFindings(app)) found.push(`${theme}, ${name}: ${f}`);
      }
      // Back to the first view for the other theme: fold the chips, clear the selection.
      queryDeep(app, byTestId('filters-toggle')).click();
      app.selectedId = null;
      app.settingsOpen = false;
    }
    equal(found.join('\n'), '', 'no serious or critical finding');
  });

  it('finds nothing serious or critical in the prompt after a decision (recent decisions open)', async () => {
    const client = await openTestNode();
    await client.create({
      id: 'gunboat',
      components: {
        classification: { label: 'Gunboat', disposition: 'HOSTILE', environment: 'SURFACE', confidence: 0.9 },
        position: { lat: 51.47, lon: -0.46 },
        threat: { level: 'HIGH' },
      },
    });
    const { app } = await mountApp(client);
    await eventually(
      () => equal(queryAllDeep(app, byTestId('approval-card')).length, 1, 'the card is on screen'),
      5_000,
    );
    const pending = (await client.approvals())[0]!;
    await client.decide('gunboat', 'deny', pending.requestId);
    await eventually(() => {
      equal(queryAllDeep(app, byTestId('approval-card')).length, 0, 'the card closed');
      equal(queryDeep(app, byTestId('approval-decision')).dataset.state, 'denied');
    }, 5_000);
    const found: string[] = [];
    for (const theme of ['day', 'night'] as const) {
      app.theme = theme;
      for (const f of await blockingFindings(app)) found.push(`${theme}: ${f}`);
    }
    equal(found.join('\n'), '', 'no serious or critical finding');
  });
});
