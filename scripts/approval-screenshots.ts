/**
 * Screenshots of the approval prompt (docs/ui.md, "The approval prompt"), taken by
 * map-screenshots.ts in the same browser: a fresh lattice around the defended point, where the
 * node's own classifier turns hostile EO tracks HIGH and its gate raises real requests. One
 * request is approved before the shots (so a recent decision with its task shows), one is raised
 * about 19 s before them (its countdown is in the urgent last 10 s), one just before. A last shot
 * (approval-decided.png, landscape tablet) is taken once both are answered.
 */
import type { Browser } from 'puppeteer-core';
import { offset } from '../src/core/sim/geo';
import { DEFENDED_POINT } from '../src/node/c2-pipeline';

/** The point `km` out from the defended point on a compass bearing (degrees). */
function out(bearing: number, km: number) {
  const rad = (bearing * Math.PI) / 180;
  return offset(DEFENDED_POINT, Math.sin(rad) * km * 1000, Math.cos(rad) * km * 1000);
}

/** A layout to capture, named in the file name. */
export interface ShotSize {
  readonly name: string;
  readonly width: number;
  readonly height: number;
}

/** An inbound hostile EO track `km` out on `bearing`, kept fresh by the page as its sensor would. */
function hostile(id: string, label: string, environment: string, bearing: number, km: number, speed: number): string {
  const at = out(bearing, km);
  const rad = ((bearing + 180) * Math.PI) / 180;
  const velocity = { east: Math.round(Math.sin(rad) * speed), north: Math.round(Math.cos(rad) * speed) };
  const cue = { label, disposition: 'HOSTILE', environment, confidence: 0.95 };
  return `(async () => {
    const cue = ${JSON.stringify(cue)};
    await window.lattice.create({ id: ${JSON.stringify(id)}, components: {
      source: { sensorId: 'eo-north', sensorType: 'eo' },
      position: { lat: ${at.lat}, lon: ${at.lon}, alt: ${environment === 'AIR' ? 2500 : 0}, accuracy: 15 },
      velocity: ${JSON.stringify(velocity)},
      cue,
    } });
    setInterval(() => void window.lattice.update(${JSON.stringify(id)}, { cue }), 2000);
  })()`;
}

/** Friendly and neutral tracks around the point, typed in by hand (no sensor, so never classified). */
function picture(): string {
  const put = (id: string, label: string, disposition: string, environment: string, bearing: number, km: number) => {
    const p = out(bearing, km);
    return `window.lattice.create({ id: '${id}', components: {
      classification: { label: '${label}', disposition: '${disposition}', environment: '${environment}', confidence: 1 },
      position: { lat: ${p.lat}, lon: ${p.lon} } } })`;
  };
  return `Promise.all([
    ${put('blue-1', 'Blue 1', 'FRIENDLY', 'LAND', 200, 1.2)},
    ${put('blue-2', 'Blue 2', 'FRIENDLY', 'LAND', 120, 2.2)},
    ${put('ferry', 'Ferry', 'NEUTRAL', 'SURFACE', 300, 6)},
  ])`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function shootApprovals(browser: Browser, appUrl: string, sizes: readonly ShotSize[]): Promise<void> {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') console.error('[page]', m.text());
  });
  await page.setViewport({ width: 1024, height: 768, deviceScaleFactor: 1 });
  await page.goto(`${appUrl}/?lattice=screenshots-approvals`);
  await page.waitForFunction(() => 'lattice' in window);
  await page.evaluate(picture());
  /** Polls from here with a string predicate (tsx's name helpers do not exist in the page). */
  const waitPending = async (id: string) => {
    const check = `window.lattice.approvals().then((a) => a.some((v) => v.entityId === '${id}' && v.state === 'pending'))`;
    for (let i = 0; !(await page.evaluate(check)); i++) {
      if (i === 100) throw new Error(`no pending request for ${id} after 20 s: is it HIGH?`);
      await sleep(200);
    }
  };

  await page.evaluate(hostile('trk-0417', 'Fighter', 'AIR', 20, 9, 180));
  await waitPending('trk-0417');
  await sleep(2500);
  await page.evaluate(`window.lattice.decide('trk-0417', 'approve')`);
  await page.evaluate(hostile('trk-0422', 'Drone', 'AIR', 75, 2.6, 45));
  await waitPending('trk-0422');
  await sleep(19_000);
  await page.evaluate(hostile('trk-0431', 'Attack boat', 'SURFACE', 250, 2.8, 20));
  await waitPending('trk-0431');
  for (const size of sizes) {
    await page.setViewport({ width: size.width, height: size.height, deviceScaleFactor: 1 });
    await sleep(700);
    await page.screenshot({ path: `docs/screenshots/approval-${size.name}.png` });
    console.log(`docs/screenshots/approval-${size.name}.png`);
  }
  // Every request answered: the prompt shows only the recent decisions (who decided, on which node,
  // when, and the task an approval assigned).
  await page.evaluate(`window.lattice.decide('trk-0422', 'deny')`);
  await page.evaluate(`window.lattice.decide('trk-0431', 'approve')`);
  await page.setViewport({ width: 1024, height: 768, deviceScaleFactor: 1 });
  await sleep(2500);
  await page.screenshot({ path: 'docs/screenshots/approval-decided.png' });
  console.log('docs/screenshots/approval-decided.png');
  await page.close();
}
