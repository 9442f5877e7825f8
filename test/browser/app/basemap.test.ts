import { buildPmtiles, mvtWesternHalf, pngTile } from '../support/pmtiles-fixture';
import { closeAllTabs, inTab, newContext, openTab, reloadTab, setOffline, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const PNG = 2;
const MVT = 1;
const lattice = (): string => `?lattice=bm${Math.floor(Math.random() * 1e9).toString(36)}`;

/** Magenta, a colour nothing else on the map is drawn in. */
const WEST = [230, 0, 200] as const;

/**
 * A world basemap at zooms 0 and 1 whose western hemisphere is magenta and eastern transparent: a
 * pixel left of longitude 0 must be magenta, one right of it blank, if the tiles are read from the
 * archive and put where they belong.
 */
async function hemisphereArchive(): Promise<number[]> {
  const west = await pngTile((ctx) => {
    ctx.fillStyle = `rgb(${WEST.join(',')})`;
    ctx.fillRect(0, 0, 256, 256);
  });
  const half = await pngTile((ctx) => {
    ctx.fillStyle = `rgb(${WEST.join(',')})`;
    ctx.fillRect(0, 0, 128, 256);
  });
  const none = await pngTile(() => undefined);
  const bytes = buildPmtiles(
    [
      { z: 0, x: 0, y: 0, data: half },
      { z: 1, x: 0, y: 0, data: west },
      { z: 1, x: 0, y: 1, data: west },
      { z: 1, x: 1, y: 0, data: none },
      { z: 1, x: 1, y: 1, data: none },
    ],
    PNG,
  );
  return [...bytes];
}

interface Seen {
  readonly basemap: string | undefined;
  readonly west: number[] | undefined;
  readonly east: number[] | undefined;
}

/**
 * The basemap canvas's pixels 40 px west and east of longitude 0 on the equator, once the map has
 * drawn: polled until the tiles are in (reading an archive is asynchronous), bounded by tries.
 */
function look(tab: AppTab, expectDrawn: boolean): Promise<Seen> {
  return inTab(
    tab,
    async (drawn: boolean) => {
      const map = document.querySelector('lm-app')!.shadowRoot!.querySelector('lattice-map')!;
      const sample = (): Seen => {
        const canvas = map.shadowRoot!.querySelector<HTMLCanvasElement>('.basemap canvas');
        const ol = map.olMap!;
        if (canvas === null) return { basemap: map.renderedBasemap(), west: undefined, east: undefined };
        ol.getView().setCenter([0, 0]);
        ol.getView().setZoom(2);
        ol.renderSync();
        const ratio = canvas.width / canvas.getBoundingClientRect().width;
        const [cx, cy] = ol.getPixelFromCoordinate([0, 0]) as [number, number];
        const ctx = canvas.getContext('2d')!;
        const at = (x: number) => [...ctx.getImageData(Math.round(x * ratio), Math.round(cy * ratio), 1, 1).data];
        return { basemap: map.renderedBasemap(), west: at(cx - 40), east: at(cx + 40) };
      };
      let seen = sample();
      for (let i = 0; i < 100; i++) {
        const ready = drawn ? (seen.west?.[3] ?? 0) > 0 : seen.basemap === undefined;
        if (ready) break;
        await new Promise((r) => setTimeout(r, 100));
        seen = sample();
      }
      return seen;
    },
    expectDrawn,
  );
}

/** Opens the settings and feeds a file to the basemap picker as a person choosing it would. */
function chooseFile(tab: AppTab, name: string, bytes: number[]): Promise<{ shown: string; error: string }> {
  return inTab(
    tab,
    async ({ name, bytes }: { name: string; bytes: number[] }) => {
      const root = document.querySelector('lm-app')!.shadowRoot!;
      if (root.querySelector('[data-testid="settings"]') === null)
        root.querySelector<HTMLElement>('[data-testid="settings-open"]')!.click();
      for (let i = 0; i < 50 && root.querySelector('lm-settings-panel') === null; i++)
        await new Promise((r) => setTimeout(r, 50));
      const panel = root.querySelector('lm-settings-panel')!;
      await panel.updateComplete;
      const p = panel.shadowRoot!;
      const input = p.querySelector<HTMLInputElement>('[data-testid="setting-basemap-file"]')!;
      const files = new DataTransfer();
      files.items.add(new File([new Uint8Array(bytes)], name));
      input.files = files.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      const read = () => ({
        shown: p.querySelector('[data-testid="setting-basemap"]')!.textContent!.trim(),
        error: p.querySelector('[data-testid="setting-basemap-error"]')!.textContent!.trim(),
      });
      // The panel is busy from the change event until the file is checked and stored (or refused).
      for (let i = 0; i < 100 && panel.basemapBusy; i++) await new Promise((r) => setTimeout(r, 50));
      await panel.updateComplete;
      return read();
    },
    { name, bytes },
  );
}

describe('the offline basemap', () => {
  after(() => closeAllTabs());

  it('draws a PMTiles file chosen in the settings under the symbols, keeps it through an offline reload, and removes it', async () => {
    // Its own browser context: the basemap it stores must not reach other tests' tabs.
    const tab = await openTab({ query: lattice(), context: await newContext() });
    const blank = await look(tab, false);
    expect(blank.basemap).toBe(undefined);

    const chosen = await chooseFile(tab, 'hemisphere.pmtiles', await hemisphereArchive());
    expect(chosen.error).toBe('');
    expect(chosen.shown).toContain('hemisphere.pmtiles, raster');
    expect(chosen.shown).toContain('zoom 0–1');

    const drawn = await look(tab, true);
    expect(drawn.basemap).toBe('hemisphere.pmtiles');
    expect(drawn.west).toEqual([...WEST, 255]);
    expect(drawn.east?.[3]).toBe(0);

    // After one online visit the app loads offline; the basemap comes from the browser's storage.
    await inTab(tab, async () => {
      await navigator.serviceWorker.ready;
    });
    await setOffline(tab, true);
    try {
      await reloadTab(tab);
      const again = await look(tab, true);
      expect(again.basemap).toBe('hemisphere.pmtiles');
      expect(again.west).toEqual([...WEST, 255]);
      expect(again.east?.[3]).toBe(0);
    } finally {
      await setOffline(tab, false);
    }

    const removed = await inTab(tab, async () => {
      const root = document.querySelector('lm-app')!.shadowRoot!;
      root.querySelector<HTMLElement>('[data-testid="settings-open"]')!.click();
      for (let i = 0; i < 50 && root.querySelector('lm-settings-panel') === null; i++)
        await new Promise((r) => setTimeout(r, 50));
      const panel = root.querySelector('lm-settings-panel')!;
      await panel.updateComplete;
      panel.shadowRoot!.querySelector<HTMLButtonElement>('[data-testid="setting-basemap-remove"]')!.click();
      for (let i = 0; i < 100 && root.querySelector('lattice-map')!.renderedBasemap() !== undefined; i++)
        await new Promise((r) => setTimeout(r, 50));
      await panel.updateComplete;
      let active: Element | null = document.activeElement;
      while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
      return {
        shown: panel.shadowRoot!.querySelector('[data-testid="setting-basemap"]')!.textContent!.trim(),
        focus: (active as HTMLElement | null)?.dataset.testid ?? '',
      };
    });
    expect(removed.shown).toContain('None');
    // The Remove button is gone: the keyboard is on the file picker, not lost to the page.
    expect(removed.focus).toBe('setting-basemap-file');
    expect((await look(tab, false)).west).toBe(undefined);
    await reloadTab(tab);
    const gone = await look(tab, false);
    expect(gone.basemap).toBe(undefined);
    expect(gone.west).toBe(undefined);
  });

  it('draws a vector (MVT) archive in the palette, water filled where the tile has water', async () => {
    const tab = await openTab({ query: lattice(), context: await newContext() });
    const bytes = buildPmtiles([{ z: 0, x: 0, y: 0, data: mvtWesternHalf('water') }], MVT);
    const chosen = await chooseFile(tab, 'water.pmtiles', [...bytes]);
    expect(chosen.error).toBe('');
    expect(chosen.shown).toContain('water.pmtiles, vector');
    const drawn = await look(tab, true);
    expect(drawn.basemap).toBe('water.pmtiles');
    // The day palette's water, rgba(147, 197, 253, 0.55), as the canvas stores it (alpha 0.55 of 255).
    // (premultiplied alpha rounds each channel by a unit or so).
    const water = [147, 197, 253, 140];
    expect(drawn.west?.every((v, i) => Math.abs(v - water[i]!) <= 2)).toBe(true);
    expect(drawn.east?.[3]).toBe(0);
  });

  it('rejects a file that is not a PMTiles archive with a clear message and keeps the map as it was', async () => {
    const tab = await openTab({ query: lattice(), context: await newContext() });
    const text = [
      ...new TextEncoder().encode('<html>this is a web page saved by mistake, not a map of anywhere</html>'.repeat(3)),
    ];
    const bad = await chooseFile(tab, 'area.pmtiles', text);
    expect(bad.error).toBe('"area.pmtiles" is not a PMTiles archive (it does not start with "PMTiles").');
    expect(bad.shown).toContain('None');
    const old = await chooseFile(tab, 'old.pmtiles', [
      ...buildPmtiles([{ z: 0, x: 0, y: 0, data: new Uint8Array([1]) }], PNG, { version: 2 }),
    ]);
    expect(old.error).toContain('only version 3 can be loaded');
    await reloadTab(tab);
    expect((await look(tab, false)).basemap).toBe(undefined);
  });
});
