/**
 * Scenario 6's writeMany in the built app in headless Chromium under the DevTools profiler (not a
 * scenario: it saves nothing): one tab, `calls` writeMany calls of `items` entities × 4 components
 * (as bench/s6-write-many.ts makes them), the page and the node's worker profiled together:
 *   node --import tsx bench/profile-write-many-browser.ts [items] [calls] [outDir]
 * Then summarise each .cpuprofile with bench/lib/cpu-profile-mapped.ts against the build served.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession } from 'puppeteer-core';
import { launchApp } from './lib/app-browser';

const [itemsArg, callsArg, outArg] = process.argv.slice(2);
const ITEMS = Number(itemsArg ?? 2_000);
const CALLS = Number(callsArg ?? 6);
const OUT = outArg ?? '/tmp';

const app = await launchApp();
try {
  const { page } = await app.openApp(`lattice=pwm-${Date.now().toString(36)}&signal=broadcast`);
  const run = (calls: number, k0: number): Promise<number[]> =>
    page.evaluate(
      async ({ items, calls, k0 }) => {
        const ms: number[] = [];
        for (let c = 0; c < calls; c++) {
          const k = k0 + c;
          const batch = [];
          for (let i = 0; i < items; i++) {
            batch.push({
              id: `w${i.toString()}`,
              components: {
                position: { lat: 50 + (i % 1000) * 1e-4 + k * 1e-6, lon: 8 + Math.floor(i / 1000) * 1e-4 },
                velocity: { east: (k % 7) - 3, north: 2 },
                threat: { level: k % 2 === 0 ? 'LOW' : 'MEDIUM' },
                classification: { label: 'vessel', disposition: 'UNKNOWN', environment: 'SURFACE', confidence: 0.5 },
              },
            });
          }
          const s = performance.now();
          await window.lattice.writeMany(batch);
          ms.push(performance.now() - s);
        }
        return ms;
      },
      { items: ITEMS, calls, k0 },
    );
  // The first call creates the entities; the profiled calls update them, as the scenario's do.
  await run(2, 0);
  const all: [string, CDPSession][] = [['page', await page.createCDPSession()]];
  page.workers().forEach((w, i) => all.push([`worker${i.toString()}`, w.client]));
  for (const [, s] of all) {
    await s.send('Profiler.enable');
    await s.send('Profiler.setSamplingInterval', { interval: 200 });
    await s.send('Profiler.start');
  }
  const ms = await run(CALLS, 2);
  for (const [name, s] of all) {
    const { profile } = await s.send('Profiler.stop');
    writeFileSync(join(OUT, `write-many-${name}.cpuprofile`), JSON.stringify(profile));
  }
  const sorted = [...ms].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    `writeMany ${ITEMS.toString()}×4 in Chromium: calls ${ms.map((x) => x.toFixed(0)).join(', ')} ms; p50 ${p50.toFixed(1)} ms, ` +
      `${Math.round((ITEMS * 4) / (p50 / 1000)).toString()} component writes/s; build ${app.build.dir}`,
  );
} finally {
  await app.close();
}
process.exit(0);
