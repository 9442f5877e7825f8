/**
 * Scenario 7's paths, alone, under the Chrome DevTools Protocol profiler (not a scenario: it saves
 * nothing): two linked app tabs; one bulk sync after heal of `n` components, then `small`
 * single-component creates; each phase profiles both tabs' page and worker.
 *   node --import tsx bench/profile-s7.ts [n] [small] [outDir] [note]
 * `note`: the bulk tracks carry a 1000-character `annotation` instead of a velocity (the s7 row with
 * larger components). Then summarise each .cpuprofile with bench/lib/cpu-profile-mapped.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page } from 'puppeteer-core';
import { launchApp, openPair, waitConnected, type AppPage } from './lib/app-browser';

const [nArg, smallArg, outArg, noteArg] = process.argv.slice(2);
const NOTE = noteArg === 'note';
const N = Number(nArg ?? 10_000);
const SMALL = Number(smallArg ?? 2_000);
const OUT = outArg ?? '/tmp';

async function sessions(tab: AppPage, name: string): Promise<[string, CDPSession][]> {
  const out: [string, CDPSession][] = [[`${name}-page`, await tab.page.createCDPSession()]];
  tab.page.workers().forEach((w, i) => out.push([`${name}-worker${i.toString()}`, w.client]));
  return out;
}

async function profiled<T>(all: [string, CDPSession][], phase: string, fn: () => Promise<T>): Promise<T> {
  for (const [, s] of all) {
    await s.send('Profiler.enable');
    await s.send('Profiler.setSamplingInterval', { interval: 200 });
    await s.send('Profiler.start');
  }
  const t0 = Date.now();
  const r = await fn();
  console.log(`${phase}: ${(Date.now() - t0).toString()} ms`);
  for (const [name, s] of all) {
    const { profile } = await s.send('Profiler.stop');
    writeFileSync(join(OUT, `${phase}-${name}.cpuprofile`), JSON.stringify(profile));
  }
  return r;
}

async function create(page: Page, tag: string, tracks: number, two: boolean, note = false): Promise<void> {
  await page.evaluate(
    async ({ tag, tracks, two, note }) => {
      const inflight = new Set<Promise<unknown>>();
      for (let k = 0; k < tracks; k++) {
        const components: Record<string, unknown> = { position: { lat: 50 + k * 1e-6, lon: 8, alt: 100 } };
        if (two && note) components.annotation = { text: `${k.toString()} `.repeat(1000).slice(0, 1000) };
        else if (two) components.velocity = { east: 10, north: -5 };
        const p: Promise<unknown> = window.lattice
          .create({ id: `${tag}-${k.toString()}`, components })
          .finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= 256) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    },
    { tag, tracks, two, note },
  );
}

/**
 * Polls B's stats() every 50 ms: it counts the shown entities (~1.4 ms at 10k), which at every
 * 20 ms was 9 % of B's worker in the profile, work the product never does while syncing.
 */
async function waitVersions(page: Page, want: number): Promise<void> {
  await page.waitForFunction(
    async (want: number) => (await window.lattice.stats()).versions >= want,
    {
      polling: 50,
      timeout: 120_000,
    },
    want,
  );
}

const app = await launchApp();
try {
  const [a, b] = await openPair(app, 'p7-');
  const all = [...(await sessions(a, 'A')), ...(await sessions(b, 'B'))];
  console.log(`targets: ${all.map(([n]) => n).join(' ')}`);
  // Bulk: B partitioned while A writes, then heal.
  await b.page.evaluate(() => window.lattice.partition());
  await new Promise((r) => setTimeout(r, 1000));
  const before = await b.page.evaluate(async () => (await window.lattice.stats()).versions);
  await create(a.page, 'bulk', N / 2, true, NOTE);
  await profiled(all, 'bulk', async () => {
    await b.page.evaluate(() => window.lattice.heal());
    await waitVersions(b.page, before + N);
  });
  await waitConnected(a.page, b.nodeId);
  const before2 = await b.page.evaluate(async () => (await window.lattice.stats()).versions);
  await profiled(all, 'small', async () => {
    await create(a.page, 'small', SMALL, false);
    await waitVersions(b.page, before2 + SMALL);
  });
} finally {
  await app.close();
}
