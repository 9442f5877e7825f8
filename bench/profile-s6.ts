/**
 * Scenario 6's map page, alone, under the DevTools CPU profiler (not a scenario: it saves nothing):
 *   node --import tsx bench/profile-s6.ts [n] [seconds] [out.cpuprofile] [tracks moved per frame]
 * Mounts <lattice-map> with n tracks as bench/s6-map-frame.ts does, profiles the main thread while
 * every track moves once a second (or the given number a frame), then prints the page's own figures and the self time per function
 * (bench/lib/cpu-profile-top.ts reads the written profile again).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import type { FrameSample } from './browser/s6-map-page';
import { CHROME_ARGS, chromiumPath } from '../scripts/chromium';
import { bundlePage, servePage } from './lib/bench-page';
import { median } from './lib/stats';

const n = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 4);
const out = process.argv[4] ?? join(tmpdir(), `s6-${n.toString()}.cpuprofile`);
const perFrame = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
const dir = await mkdtemp(join(tmpdir(), 'lattice-s6p-'));
await bundlePage(dir, 's6-map-page', 'margin:0');
const { server, url } = await servePage(dir, 's6-map-page');
const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: true,
  userDataDir: join(dir, 'profile'),
  args: CHROME_ARGS,
  protocolTimeout: 600_000,
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1024, height: 768 });
  page.on('pageerror', (e) => console.log(`[page error] ${e instanceof Error ? e.message : String(e)}`));
  await page.goto(url);
  await page.waitForFunction(() => window.s6 !== undefined, { timeout: 30_000 });
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const task = async (): Promise<number> =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')!.value;
  await page.evaluate((a) => window.s6!.prepare(a), n);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const before = await task();
  const sample = (await page.evaluate((s, k) => window.s6!.measure(s, k), seconds, perFrame)) as FrameSample;
  const busy = (await task()) - before;
  const { profile } = await cdp.send('Profiler.stop');
  await writeFile(out, JSON.stringify(profile));
  console.log(
    `${n.toString()} tracks: ${sample.frames.toString()} frames in ${sample.seconds.toFixed(1)} s, ` +
      `main thread ${((busy * 1000) / Math.max(1, sample.frames)).toFixed(2)} ms/frame, ` +
      `update median ${median(sample.updateMs).toFixed(2)} ms, render median ${median(sample.renderMs).toFixed(2)} ms, ` +
      `feed median ${median(sample.feedMs).toFixed(2)} ms; profile ${out}`,
  );
} finally {
  await browser.close().catch(() => undefined);
  server.close();
  await rm(dir, { recursive: true, force: true });
}
spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lib', 'cpu-profile-top.ts'), out, '40'], {
  stdio: 'inherit',
});
