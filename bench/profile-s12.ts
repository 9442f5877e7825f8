/**
 * Scenario 12's load, alone, under the Chrome DevTools Protocol profiler (not a scenario: it saves
 * nothing but profiles): two meshed app tabs in separate browser contexts, tab A simulating
 * 1,000 EO + 1,000 radar tracks at 1 Hz; after a warm-up, each tab's page and workers are profiled
 * for a window, and A's write-behind backlog is printed around it.
 *   node --import tsx bench/profile-s12.ts [warmupS] [windowS] [outDir]
 * then summarise each .cpuprofile with bench/lib/cpu-profile-top.ts. An unminified build makes the
 * names readable: `npx vite build --minify false --outDir /tmp/lattice-bench-dist --emptyOutDir`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession } from 'puppeteer-core';
import { launchApp, waitConnected, type AppPage } from './lib/app-browser';

const [warmArg, windowArg, outArg] = process.argv.slice(2);
const WARM_S = Number(warmArg ?? 15);
const WINDOW_S = Number(windowArg ?? 10);
const OUT = outArg ?? '/tmp';

async function sessions(tab: AppPage, name: string): Promise<[string, CDPSession][]> {
  const out: [string, CDPSession][] = [[`${name}-page`, await tab.page.createCDPSession()]];
  tab.page
    .workers()
    .forEach((w, i) => out.push([`${name}-worker${i.toString()}-${w.url().split('/').pop() ?? ''}`, w.client]));
  return out;
}

const pending = async (tab: AppPage): Promise<number> =>
  (await tab.page.evaluate(() => window.lattice.stats())).storage.pending;

const app = await launchApp();
try {
  const lattice = `p12-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const query = `lattice=${lattice}&signal=websocket&open=1`;
  const a = await app.openApp(query, await app.browser.createBrowserContext());
  const b = await app.openApp(query, await app.browser.createBrowserContext());
  await waitConnected(a.page, b.nodeId, 60_000);
  await waitConnected(b.page, a.nodeId, 60_000);
  await a.page.evaluate(() =>
    window.lattice.simulate({ eo: { tracks: 1000, hz: 1 }, radar: { tracks: 1000, hz: 1 }, seed: 20_261_202 }),
  );
  for (let s = 0; s < WARM_S; s += 5) {
    await new Promise((r) => setTimeout(r, 5000));
    console.log(`warm-up ${(s + 5).toString()} s: A's write-behind ${(await pending(a)).toString()} versions behind`);
  }
  const all = [...(await sessions(a, 'A')), ...(await sessions(b, 'B'))];
  console.log(`targets: ${all.map(([n]) => n).join(' ')}`);
  for (const [, s] of all) {
    await s.send('Profiler.enable');
    await s.send('Profiler.setSamplingInterval', { interval: 500 });
    await s.send('Profiler.start');
  }
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  for (const [name, s] of all) {
    const { profile } = await s.send('Profiler.stop');
    writeFileSync(join(OUT, `s12-${name}.cpuprofile`), JSON.stringify(profile));
  }
  console.log(`after the window: A's write-behind ${(await pending(a)).toString()} versions behind`);
  const approvals = await b.page.evaluate(async () => (await window.lattice.approvals()).length);
  console.log(`B lists ${approvals.toString()} requests`);
  for (const line of app.consoleErrors.slice(-60)) console.log(line);
} finally {
  await app.close();
}
