/**
 * The whole app's main-thread time per frame (docs/ui.md "Frame time"): the built app served by
 * `server/app-server.ts`, opened in headless Chromium, fusion on, the simulators at 500 EO + 500
 * radar tracks (1 Hz; the radar's and the camera's tracks fuse in pairs, HIGH tracks raise
 * approvals), then 5 s measured through CDP: the Performance domain's TaskDuration delta, per
 * 60 Hz display frame and per frame the page drew (counted by requestAnimationFrame).
 * Run: `npx vite build && node --import tsx bench/profile-shell.ts [eo] [radar] [out.cpuprofile]`: eo and
 * radar are the simulators' track counts (500 and 500 by default: 1k; 5000 5000 for 10k); with an
 * out path the page's main thread is also profiled (DevTools CPU profiler) over the last window and
 * the self time per function printed (bench/lib/cpu-profile-top.ts). Set RUNS for more rounds,
 * SETTLE_MS for the wait before measuring, DIST_DIR for another build (an older commit's, to compare).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { createAppServer } from '../server/app-server';
import { CHROME_ARGS, chromiumPath } from '../scripts/chromium';

const RUNS = Number(process.env.RUNS ?? 3);
const EO = Number(process.argv[2] ?? 500);
const RADAR = Number(process.argv[3] ?? 500);
const PROFILE_OUT = process.argv[4];
const WINDOW_MS = 5000;

const app = await createAppServer({ distDir: process.env.DIST_DIR ?? 'dist', port: 0, host: '127.0.0.1' });
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
    await window.lattice.simulate({ eo: { tracks: ${EO}, hz: 1 }, radar: { tracks: ${RADAR}, hz: 1 }, seed: 7 });
  })()`);
  // Let the tracks appear, fuse and raise their approvals.
  await new Promise((r) => setTimeout(r, Number(process.env.SETTLE_MS ?? 8000)));
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
    const profiling = PROFILE_OUT !== undefined && run === RUNS - 1;
    if (profiling) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const before = await task();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const after = await task();
    if (profiling) {
      const { profile } = await cdp.send('Profiler.stop');
      await writeFile(PROFILE_OUT, JSON.stringify(profile));
    }
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
    `shell at ${EO} EO + ${RADAR} radar tracks: ${figures.map((f) => f.toFixed(1)).join(', ')} ms per 60 Hz frame (load average ${load})`,
  );
} finally {
  await browser.close();
  await app.close();
}
if (PROFILE_OUT !== undefined) {
  spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'lib', 'cpu-profile-top.ts'), PROFILE_OUT, '40'],
    {
      stdio: 'inherit',
    },
  );
}
