/**
 * Screenshots of the map view and the approval prompt at tablet and phone sizes, for
 * docs/screenshots/ (run after `npm run build`): serves dist/, opens the system Chromium, writes a
 * small realistic picture through window.lattice and captures each layout.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { createAppServer } from '../server/app-server';
import { shootApprovals } from './approval-screenshots';
import { CHROME_ARGS, chromiumPath } from './chromium';

const SIZES = [
  { name: 'tablet-landscape', width: 1024, height: 768 },
  { name: 'tablet-portrait', width: 768, height: 1024 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** The picture: one of each identity and dimension, moving, with uncertainty, a HIGH threat and a stale contact. */
const SEED = `(async () => {
  const at = (dlat, dlon, extra = {}) => ({ lat: 59.33 + dlat, lon: 18.06 + dlon, ...extra });
  const track = (id, label, disposition, environment, position, more = {}) =>
    window.lattice.create({
      id,
      components: { classification: { label, disposition, environment, confidence: 0.9 }, position, ...more },
    });
  await track('hostile-air-1', 'Fighter', 'HOSTILE', 'AIR', at(0.03, 0.06, { accuracy: 250 }), {
    velocity: { east: -120, north: -60 },
    threat: { level: 'HIGH' },
  });
  await track('suspect-boat', 'Fast boat', 'SUSPICIOUS', 'SURFACE', at(-0.02, 0.08, { covariance: [1000000, 500000, 640000] }), {
    velocity: { east: -8, north: 4 },
    threat: { level: 'MEDIUM' },
  });
  await track('friendly-1', 'Blue 1', 'FRIENDLY', 'LAND', at(0, 0, { accuracy: 60 }), { velocity: { east: 6, north: 3 } });
  await track('friendly-2', 'Blue 2', 'ASSUMED_FRIENDLY', 'LAND', at(0.005, -0.012), { velocity: { east: 0, north: 5 } });
  await track('neutral-ferry', 'Ferry', 'NEUTRAL', 'SURFACE', at(-0.035, -0.03), { velocity: { east: 7, north: 0 } });
  await track('unknown-uav', 'UAV?', 'UNKNOWN', 'AIR', at(0.045, -0.05, { accuracy: 400 }), {
    velocity: { east: 20, north: -15 },
    threat: { level: 'LOW' },
  });
  await track('sub-contact', 'Sonar contact', 'PENDING', 'SUB_SURFACE', at(-0.05, 0.02, { accuracy: 1500 }));
  await track('old-radar', 'Old contact', 'HOSTILE', 'LAND', at(0.02, -0.08), { expiry: { at: Date.now() + 1500 } });
})()`;

const executablePath = chromiumPath();
const app = await createAppServer({ distDir: 'dist', port: 0, host: '127.0.0.1' });
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  userDataDir: mkdtempSync(join(tmpdir(), 'lm-shots-')),
  args: [...CHROME_ARGS],
});
try {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') console.error('[page]', m.text());
  });
  await page.goto(`${app.url}/?lattice=screenshots`);
  await page.waitForFunction(() => 'lattice' in window);
  // A string, not a function: tsx's name helpers do not exist in the page.
  await page.evaluate(SEED);
  // Let the stale tick pass the old contact's stale time.
  await new Promise((r) => setTimeout(r, 7000));
  // The HIGH track raises an approval request: these shots are of the map, the prompt has its own.
  await page.evaluate(
    `document.querySelector('lm-app').shadowRoot.querySelector('lm-approvals').style.display = 'none'`,
  );
  for (const size of SIZES) {
    await page.setViewport({ width: size.width, height: size.height, deviceScaleFactor: 1 });
    await new Promise((r) => setTimeout(r, 800));
    await page.screenshot({ path: `docs/screenshots/map-${size.name}.png` });
    console.log(`docs/screenshots/map-${size.name}.png`);
  }
  await shootApprovals(browser, app.url, SIZES);
} finally {
  await browser.close();
  await app.close();
}
