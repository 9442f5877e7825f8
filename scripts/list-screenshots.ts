/**
 * A look at the track list as an operator sees it with a large moving picture (docs/ui.md "The
 * track list"): serves dist/ (run after `npm run build`), starts the simulators with fusion on,
 * scrolls the list half way down and captures the page at a tablet (1280×800) and a phone (390×844)
 * size, landscape tablet with the list beside the map, phone with the page scrolled to the list.
 *   node --import tsx scripts/list-screenshots.ts [out-dir] [eo] [radar]
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { createAppServer } from '../server/app-server';
import { CHROME_ARGS, chromiumPath } from './chromium';

const out = process.argv[2] ?? join(tmpdir(), 'list-shots');
const eo = Number(process.argv[3] ?? 1000);
const radar = Number(process.argv[4] ?? 1000);
const SIZES = [
  { name: 'tablet', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

mkdirSync(out, { recursive: true });
const app = await createAppServer({ distDir: 'dist', port: 0, host: '127.0.0.1' });
const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: true,
  userDataDir: mkdtempSync(join(tmpdir(), 'lm-list-')),
  args: [...CHROME_ARGS],
});
try {
  for (const size of SIZES) {
    const page = await browser.newPage();
    await page.setViewport({ width: size.width, height: size.height, deviceScaleFactor: 1 });
    await page.goto(`${app.url}/?lattice=list-shots-${size.name}`);
    await page.waitForFunction(() => 'lattice' in window);
    // Strings, not functions: tsx's name helpers do not exist in the page.
    await page.evaluate(`(async () => {
      await window.lattice.setApprovalDeadline(600000);
      await window.lattice.setFusion({ enabled: true });
      await window.lattice.simulate({ eo: { tracks: ${eo}, hz: 1 }, radar: { tracks: ${radar}, hz: 1 }, seed: 7 });
    })()`);
    await new Promise((r) => setTimeout(r, 8000));
    await page.evaluate(`(() => {
      const list = document.querySelector('lm-app').shadowRoot.querySelector('lm-track-list');
      list.scrollIntoView({ block: 'start' });
      const view = list.shadowRoot.querySelector('[data-testid="track-view"]');
      view.scrollTop = view.scrollHeight / 2;
    })()`);
    await new Promise((r) => setTimeout(r, 1000));
    const file = join(out, `list-${size.name}.png`);
    await page.screenshot({ path: file });
    console.log(file);
    await page.close();
  }
} finally {
  await browser.close();
  await app.close();
}
