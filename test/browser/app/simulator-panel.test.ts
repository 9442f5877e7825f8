import { closeAllTabs, inTab, openTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const lattice = (): string => `?lattice=sim${Math.floor(Math.random() * 1e9).toString(36)}`;

describe('the simulator controls in the built app', () => {
  after(() => closeAllTabs());

  it('are one tap from the header, start an EO sensor with its count, rate and seed, and stop it', async () => {
    const tab = await openTab({ query: lattice() });
    const r = await inTab(tab, async () => {
      const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
      const until = async (ok: () => boolean | Promise<boolean>, what: string): Promise<void> => {
        for (let i = 0; i < 150; i++) {
          if (await ok()) return;
          await sleep(100);
        }
        throw new Error(`timed out waiting for ${what}`);
      };
      const root = document.querySelector('lm-app')!.shadowRoot!;
      await until(() => root.querySelector('lm-simulator-panel')?.shadowRoot?.querySelector('form') != null, 'panel');
      const p = root.querySelector('lm-simulator-panel')!.shadowRoot!;
      const q = <T extends HTMLElement>(id: string) => p.querySelector<T>(`[data-testid="${id}"]`)!;
      const type = (id: string, value: string) => {
        const input = q<HTMLInputElement>(id);
        input.value = value;
        input.dispatchEvent(new Event('input', { bubbles: true }));
      };

      root.querySelector<HTMLElement>('[data-testid="goto-sensors"]')!.click();
      await sleep(50);
      const focused = root.activeElement?.getAttribute('data-panel') ?? null;
      const sizes = ['sim-start', 'sim-stop', 'sim-eo-tracks', 'sim-seed'].map((id) => {
        const b = q(id).getBoundingClientRect();
        return Math.min(b.width, b.height);
      });
      const toggle = q('sim-eo-on').closest('label')!.getBoundingClientRect().height;
      const before = q('sim-state').textContent!.trim();

      // A bad count is refused in the panel with a reason, and nothing starts.
      type('sim-eo-tracks', '0');
      q('sim-start').click();
      await sleep(200);
      const refused = q('sim-status').textContent!.trim();
      const afterRefusal = (await window.lattice.info()).simulation?.running === true;

      // EO only: 4 tracks at 2 Hz, seed 42.
      type('sim-eo-tracks', '4');
      type('sim-eo-hz', '2');
      const radar = q<HTMLInputElement>('sim-radar-on');
      radar.checked = false;
      radar.dispatchEvent(new Event('change', { bubbles: true }));
      type('sim-seed', '42');
      q('sim-start').click();
      await until(async () => (await window.lattice.list({ kind: 'source' })).length >= 4, 'four EO tracks');
      await until(() => q('sim-state').textContent!.includes('Running'), 'the running state');
      const info = (await window.lattice.info()).simulation;
      const tracks = await window.lattice.list({ kind: 'source' });
      const started = {
        state: q('sim-state').textContent!.trim(),
        startLabel: q('sim-start').textContent!.trim(),
        status: q('sim-status').textContent!.trim(),
        sensors: [...new Set(tracks.map((v) => (v.components.source as { sensorType: string }).sensorType))],
        count: tracks.length,
      };

      q('sim-stop').click();
      await until(() => q('sim-state').textContent!.trim() === 'Stopped.', 'the stopped state');
      const stoppedInfo = (await window.lattice.info()).simulation;
      const versions = async () =>
        (await window.lattice.list({ kind: 'source' })).map((v) => `${v.id}@${v.meta.position?.version}`).join();
      await sleep(300);
      const v1 = await versions();
      await sleep(1_200);
      const v2 = await versions();
      return {
        focused,
        sizes,
        toggle,
        before,
        refused,
        afterRefusal,
        info,
        started,
        stoppedRunning: stoppedInfo?.running,
        stoppedSeed: stoppedInfo?.seed,
        still: v1 === v2,
        stopLabel: q('sim-start').textContent!.trim(),
        seedKept: q<HTMLInputElement>('sim-seed').value,
      };
    });

    expect(r.focused).toBe('sensors');
    for (const s of r.sizes) expect(s).toBeGreaterThan(43.5);
    expect(r.toggle).toBeGreaterThan(43.5);
    expect(r.before).toBe('Stopped.');
    expect(r.refused).toContain('EO sensor: tracks must be a whole number from 1 to');
    expect(r.afterRefusal).toBe(false);
    expect(r.info).toEqual({ running: true, eo: { tracks: 4, hz: 2 }, seed: 42 });
    expect(r.started.state).toBe('Running: EO sensor 4 tracks at 2 Hz; seed 42.');
    expect(r.started.startLabel).toBe('Restart');
    expect(r.started.status).toBe('Simulation started');
    expect(r.started.sensors).toEqual(['eo']);
    expect(r.started.count).toBe(4);
    expect(r.stoppedRunning).toBe(false);
    expect(r.stoppedSeed).toBe(42);
    expect(r.still).toBe(true);
    expect(r.stopLabel).toBe('Start');
    expect(r.seedKept).toBe('42');
  });
});
