/**
 * The whole app's main-thread time per frame (docs/ui.md "Frame time"): the built app served by
 * `server/app-server.ts`, opened in headless Chromium, fusion on, the simulators at 500 EO + 500
 * radar tracks (1 Hz; the radar's and the camera's tracks fuse in pairs, HIGH tracks raise
 * approvals), then 5 s measured through CDP: the Performance domain's TaskDuration delta, per
 * 60 Hz display frame and per frame the page drew (counted by requestAnimationFrame).
 * Run: `npx vite build && node --import tsx bench/profile-shell.ts` (set RUNS for more rounds).
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { createAppServer } from '../server/app-server';
import { CHROME_ARGS, chromiumPath } from '../scripts/chromium';

const RUNS = Number(process.env.RUNS ?? 3);
const WINDOW_MS = 5000;

const app = await createAppServer({ distDir: 'dist', port: 0, host: '127.0.0.1' });
const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: true,
  userDataDir: mkdtempSync(join(tmpdir(), 'lm-shell-')),
  args: [...CHROME_ARGS],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
  page.on('console', (m) => {
    if (m.type() === 'error') console.error('[page]', m.text());
  });
  await page.goto(`${app.url}/?lattice=bench-shell`);
  await page.waitForFunction(() => 'lattice' in window);
  // Strings, not functions: tsx's name helpers do not exist in the page.
  await page.evaluate(`(async () => {
    await window.lattice.setApprovalDeadline(600000);
    await window.lattice.setFusion({ enabled: true });
    await window.lattice.simulate({ eo: { tracks: 500, hz: 1 }, radar: { tracks: 500, hz: 1 }, seed: 7 });
  })()`);
  // Let the tracks appear, fuse and raise their approvals.
  await new Promise((r) => setTimeout(r, 8000));
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable');
  const task = async (): Promise<number> =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')!.value;
  const census = await page.evaluate(`(async () => {
    const all = await window.lattice.list();
    const pending = (await window.lattice.approvals()).filter((a) => a.state === 'pending');
    const map = document.querySelector('lm-app').shadowRoot.querySelector('lattice-map');
    return { entities: all.length, approvals: pending.length, marked: map.renderedPending().length };
  })()`);
  console.log('picture:', JSON.stringify(census));
  const figures: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await page.evaluate(`(() => {
      window.__frames = 0;
      window.__counting = true;
      const tick = () => { if (!window.__counting) return; window.__frames++; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    const before = await task();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const after = await task();
    const frames = (await page.evaluate(`(() => { window.__counting = false; return window.__frames; })()`)) as number;
    const busy = (after - before) * 1000;
    // Per 60 Hz display frame (what the doc's figures are), and per frame the page actually drew.
    const ms = busy / ((WINDOW_MS / 1000) * 60);
    figures.push(ms);
    console.log(
      `run ${run + 1}: ${busy.toFixed(0)} ms of main thread in ${WINDOW_MS} ms = ${ms.toFixed(1)} ms per 60 Hz frame; ` +
        `${frames} frames drawn (${(busy / Math.max(1, frames)).toFixed(1)} ms each)`,
    );
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `shell at 1k tracks: ${figures.map((f) => f.toFixed(1)).join(', ')} ms per 60 Hz frame (load average ${load})`,
  );
} finally {
  await browser.close();
  await app.close();
}
