/**
 * Screenshots of the map view (and, through approval-screenshots.ts, the approval prompt) at tablet and phone sizes, in the day and night themes, for
 * docs/screenshots/ (run after `npm run build`): serves dist/, opens the system Chromium, writes a
 * small realistic picture through window.lattice, starts the simulated EO and radar sensors with
 * fusion on, and captures each layout in each theme: the whole picture, then a close look at a
 * fused track with its links to its sources.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Page } from 'puppeteer-core';
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
  // First, so the request the HIGH fighter raises stays pending through every shot (10 min).
  await window.lattice.setApprovalDeadline(600000);
  const at = (dlat, dlon, extra = {}) => ({ lat: 51.4775 + dlat * 4, lon: -0.4614 + dlon * 4, ...extra });
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
  // The gate raises the pending approval for the HIGH threat itself (a hand-written request would need a real requestId).
  await window.lattice.setFusion({ enabled: true });
  await window.lattice.simulate({ eo: { tracks: 4, hz: 1 }, radar: { tracks: 6, hz: 1 }, seed: 13 });
})()`;

const THEMES = ['day', 'night'] as const;

/**
 * A close look at a fused track: the slowest one is selected and the view fitted to it and its
 * sources (sources gate within 500 m, under the symbol at the overview's
 * zoom), so its dashed links and the rings at its sources show. Returns its id, or null.
 */
const FUSED_CLOSEUP = `(async () => {
  const shell = document.querySelector('lm-app');
  const map = shell.shadowRoot.querySelector('lattice-map');
  const R = 6378137;
  const merc = (p) => [(p.lon * Math.PI / 180) * R, Math.log(Math.tan(Math.PI / 4 + (p.lat * Math.PI / 180) / 2)) * R];
  let best = null;
  for (const [id, sources] of Object.entries(map.renderedLinks())) {
    const views = [await window.lattice.get(id), ...(await Promise.all(sources.map((s) => window.lattice.get(s))))];
    const pts = views.map((v) => v?.components.position).filter((p) => p !== undefined).map(merc);
    if (pts.length < 2) continue;
    const spread = Math.max(...pts.map(([x, y]) => Math.hypot(x - pts[0][0], y - pts[0][1])));
    const v = views[0]?.components.velocity;
    const speed = v === undefined ? 0 : Math.hypot(v.east, v.north);
    // The slowest: at this zoom a fast jet leaves the frame before the shot.
    const lat = views[0].components.position.lat;
    if (best === null || speed < best.speed) best = { id, pts, spread, speed, lat, v: v ?? { east: 0, north: 0 } };
  }
  if (best === null) return null;
  shell.selectedId = best.id;
  // The operator's own view from here: the map stops framing every track.
  map.shadowRoot.querySelector('.map').dispatchEvent(new Event('pointerdown'));
  const xs = best.pts.map((p) => p[0]);
  const ys = best.pts.map((p) => p[1]);
  // Centred where the track will be when the shot is taken (about a second on), in mercator metres.
  const ahead = 1.1 / Math.cos((best.lat * Math.PI) / 180);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2 + best.v.east * ahead;
  const cy = (Math.min(...ys) + Math.max(...ys)) / 2 + best.v.north * ahead;
  const half = Math.max(60, 1.5 * Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)));
  map.olMap.getView().fit([cx - half, cy - half, cx + half, cy + half], { padding: [60, 60, 60, 100] });
  return best.id;
})()`;

/** What the picture holds, to say so next to the screenshots: fused tracks, pending approvals, conflicts. */
const CENSUS = `(async () => {
  const all = await window.lattice.list();
  const map = document.querySelector('lm-app').shadowRoot.querySelector('lattice-map');
  return {
    tracks: all.length,
    fused: all.filter((e) => e.components.fusion !== undefined).length,
    pendingApprovals: all.filter((e) => e.components.approval?.state === 'pending').length,
    conflicts: all.filter((e) => e.conflicts.length > 0).map((e) => e.id),
    // What the map draws for them: links from fused tracks to their sources, approval markers.
    linkedOnMap: map.renderedLinks(),
    markedOnMap: map.renderedPending(),
  };
})()`;

/**
 * A real conflict: a second tab of the same lattice links to the first, both partition, each
 * writes its own threat level for the fast boat, then they heal and both keep both heads.
 */
async function makeConflict(page: Page, url: string): Promise<void> {
  const other = await page.browser().newPage();
  await other.goto(`${url}/?lattice=screenshots`);
  await other.waitForFunction(() => 'lattice' in window);
  const linked = `(async () => {
    for (let i = 0; i < 150; i++) {
      const peers = await window.lattice.peers();
      if (peers.some((p) => p.state === 'connected' && p.syncProgress === 1) && (await window.lattice.get('suspect-boat')) !== undefined) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  })()`;
  if (!(await other.evaluate(linked))) {
    console.error('the second tab did not link: no conflict in the screenshots');
    await other.close();
    return;
  }
  await page.evaluate(`window.lattice.partition()`);
  await other.evaluate(`window.lattice.partition()`);
  await page.evaluate(`window.lattice.update('suspect-boat', { threat: { level: 'HIGH' } })`);
  await other.evaluate(`window.lattice.update('suspect-boat', { threat: { level: 'LOW' } })`);
  await page.evaluate(`window.lattice.heal()`);
  await other.evaluate(`window.lattice.heal()`);
  const conflicted = `(async () => {
    for (let i = 0; i < 200; i++) {
      const e = await window.lattice.get('suspect-boat');
      if (e !== undefined && e.conflicts.length > 0) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  })()`;
  if (!(await page.evaluate(conflicted))) console.error('no conflict after healing: none in the screenshots');
}

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
  await makeConflict(page, app.url);
  // Let the stale tick pass the old contact's stale time, the sensors report and fusion run.
  await new Promise((r) => setTimeout(r, 7000));
  // The HIGH track raises an approval request: these shots are of the map, the prompt has its own.
  await page.evaluate(
    `document.querySelector('lm-app').shadowRoot.querySelector('lm-approvals').style.display = 'none'`,
  );
  console.log('picture:', await page.evaluate(CENSUS));
  await page.evaluate(`document.querySelector('lm-app').selectedId = 'suspect-boat'`);
  for (const theme of THEMES) {
    await page.evaluate(`document.querySelector('lm-app').theme = '${theme}'`);
    for (const size of SIZES) {
      await page.setViewport({ width: size.width, height: size.height, deviceScaleFactor: 1 });
      // Headless Chromium draws no frame after a viewport change until asked to, so the map's
      // ResizeObserver would not fire before the shot: a first capture makes that frame, then the
      // map resizes, reframes and redraws (software WebGL, a busy machine: give it time).
      await page.screenshot();
      await new Promise((r) => setTimeout(r, 3000));
      const path = `docs/screenshots/map-${size.name}-${theme}.png`;
      await page.screenshot({ path });
      console.log(path);
      const fused = await page.evaluate(FUSED_CLOSEUP);
      if (fused === null) {
        console.error('no fused track with linked sources: no close-up');
      } else {
        // Quickly: the tracks move, and at this zoom a second is tens of pixels.
        await new Promise((r) => setTimeout(r, 800));
        const closeup = `docs/screenshots/map-fused-${size.name}-${theme}.png`;
        await page.screenshot({ path: closeup });
        console.log(closeup, fused);
      }
      await page.evaluate(`(() => {
        const shell = document.querySelector('lm-app');
        shell.selectedId = 'suspect-boat';
        shell.shadowRoot.querySelector('lattice-map').followTracks();
      })()`);
    }
  }
  await shootApprovals(browser, app.url, SIZES);
} finally {
  await browser.close();
  await app.close();
}
