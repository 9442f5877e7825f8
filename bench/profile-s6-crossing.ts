/**
 * Scenario 6's missing part, measured apart (not a scenario: it saves nothing): what the page's main
 * thread spends reading a `watch` change batch of 167 views (a 60 Hz frame's share of 10k tracks
 * reporting once a second) posted from a worker as cloned objects, as src/node/watch-relay.ts
 * delivers them today. Chromium deserialises a message when the page reads `data`; that read is timed.
 *   node --import tsx bench/profile-s6-crossing.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { CHROME_ARGS, chromiumPath } from '../scripts/chromium';
import { bundlePage, servePage } from './lib/bench-page';

const dir = await mkdtemp(join(tmpdir(), 'lattice-s6x-'));
await bundlePage(dir, 's6-map-page', 'margin:0');
const { server, url } = await servePage(dir, 's6-map-page');
const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: true,
  userDataDir: join(dir, 'profile'),
  args: CHROME_ARGS,
});
try {
  const page = await browser.newPage();
  await page.goto(url);
  const figures = await page.evaluate(`(async () => {
    const views = Array.from({ length: 167 }, (_, i) => {
      const meta = { version: '01a23ccfa3b300003042e1d013c0694b', author: '3042e1d013c0694b', time: Date.now(), conflict: false, heads: 1 };
      return {
        id: 'trk-' + i,
        components: {
          classification: { label: 'T' + i, disposition: 'HOSTILE', environment: 'AIR', confidence: 0.9 },
          position: { lat: 59 + i * 1e-3, lon: 18, accuracy: 50 },
          velocity: { east: 3, north: 4 },
          threat: { level: 'LOW' },
        },
        meta: { position: meta, velocity: meta, classification: meta, threat: meta },
        conflicts: [],
        updatedAt: Date.now(),
      };
    });
    const source = 'onmessage = (e) => { let n = 0; const t = setInterval(() => { postMessage({ changed: e.data, removed: [] }); if (++n === 400) clearInterval(t); }, 5); };';
    const worker = new Worker(URL.createObjectURL(new Blob([source])));
    const ms = [];
    await new Promise((done) => {
      worker.onmessage = (e) => {
        const t0 = performance.now();
        const batch = e.data;
        void batch.changed.length;
        ms.push(performance.now() - t0);
        if (ms.length === 400) done();
      };
      worker.postMessage(views);
    });
    worker.terminate();
    ms.sort((a, b) => a - b);
    return { median: ms[200], p90: ms[360] };
  })()`);
  console.log('reading a batch of 167 cloned views on the page:', figures);
} finally {
  await browser.close().catch(() => undefined);
  server.close();
  await rm(dir, { recursive: true, force: true });
}
