import { closeAllTabs, inTab, newContext, openTab, pressInTab, reloadTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const lattice = (): string => `?lattice=st${Math.floor(Math.random() * 1e9).toString(36)}`;

interface Shown {
  open: boolean;
  gear: number;
  fusion: string;
  deadline: string;
  skew: string;
  budget: string;
  burst: string;
  linkBudget: string;
  linkBurst: string;
  coords: string;
  theme: string;
  lattice: string;
  paths: string;
  shortcuts: string;
}

/** Opens the panel with the gear (if closed) and reads what it shows, once it has read the node back. */
function openAndRead(tab: AppTab): Promise<Shown> {
  return inTab(tab, async () => {
    const shell = document.querySelector('lm-app')!;
    const root = shell.shadowRoot!;
    const gear = root.querySelector<HTMLElement>('[data-testid="settings-open"]')!;
    if (root.querySelector('[data-testid="settings"]') === null) gear.click();
    for (let i = 0; i < 100; i++) {
      const panel = root.querySelector('lm-settings-panel');
      const lat = panel?.shadowRoot?.querySelector('[data-testid="setting-lattice"]');
      if (lat !== null && lat !== undefined && lat.textContent !== '—') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const p = root.querySelector('lm-settings-panel')!.shadowRoot!;
    const q = <T extends Element>(id: string) => p.querySelector<T>(`[data-testid="${id}"]`)!;
    const box = gear.getBoundingClientRect();
    return {
      open: root.querySelector('[data-testid="settings"]') !== null,
      gear: Math.min(box.width, box.height),
      fusion: q('setting-fusion').getAttribute('aria-pressed')!,
      deadline: q<HTMLInputElement>('setting-deadline').value,
      skew: q<HTMLInputElement>('setting-skew').value,
      budget: q<HTMLInputElement>('setting-budget').value,
      burst: q<HTMLInputElement>('setting-budget-burst').value,
      linkBudget: q<HTMLInputElement>('setting-link-budget').value,
      linkBurst: q<HTMLInputElement>('setting-link-budget-burst').value,
      coords: q<HTMLSelectElement>('setting-coords').value,
      theme: q<HTMLSelectElement>('setting-theme').value,
      lattice: q('setting-lattice').textContent!,
      paths: q('setting-paths').textContent!,
      shortcuts: q('shortcuts').textContent!.replace(/\s+/g, ' '),
    };
  });
}

describe('the settings panel in the built app', () => {
  after(() => closeAllTabs());

  it('is one tap away, writes every setting, and shows them all again after a reload', async () => {
    const q = lattice();
    // Its own browser context: the theme and coordinates it stores must not reach other tests' tabs.
    const tab = await openTab({ query: q, context: await newContext() });
    const first = await openAndRead(tab);
    expect(first.open).toBe(true);
    expect(first.gear >= 44).toBe(true);
    expect(first.fusion).toBe('true');
    expect(first.lattice).toBe(q.slice('?lattice='.length));
    expect(first.paths.length > 1).toBe(true);
    expect(first.shortcuts).toContain('Search the track list');

    const saved = await inTab(tab, async () => {
      const p = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-settings-panel')!.shadowRoot!;
      const q = <T extends Element>(id: string) => p.querySelector<T>(`[data-testid="${id}"]`)!;
      const status = () => q('settings-status').textContent!;
      const until = async (text: string) => {
        for (let i = 0; i < 100 && !status().includes(text); i++) await new Promise((r) => setTimeout(r, 50));
        return status();
      };
      const out: string[] = [];
      q<HTMLButtonElement>('setting-fusion').click();
      out.push(await until('Fusion saved'));
      q<HTMLInputElement>('setting-deadline').value = '45';
      q<HTMLButtonElement>('setting-deadline-set').click();
      out.push(await until('Approval deadline saved'));
      q<HTMLInputElement>('setting-skew').value = '20';
      q<HTMLButtonElement>('setting-skew-set').click();
      out.push(await until('Skew limit saved'));
      q<HTMLInputElement>('setting-budget').value = '6000';
      q<HTMLInputElement>('setting-budget-burst').value = '3000';
      q<HTMLButtonElement>('setting-budget-set').click();
      out.push(await until('Node budget saved'));
      q<HTMLInputElement>('setting-link-budget').value = '5000';
      q<HTMLInputElement>('setting-link-budget-burst').value = '2500';
      q<HTMLButtonElement>('setting-link-budget-set').click();
      out.push(await until('Link budget saved'));
      return out;
    });
    // The two display settings in a call of their own, after the one above has answered: changing
    // them as that call returned made Chromium 150 collect its promise ("Promise was collected").
    await inTab(tab, () => {
      const p = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-settings-panel')!.shadowRoot!;
      const coords = p.querySelector<HTMLSelectElement>('[data-testid="setting-coords"]')!;
      coords.value = 'mgrs';
      coords.dispatchEvent(new Event('change'));
      const theme = p.querySelector<HTMLSelectElement>('[data-testid="setting-theme"]')!;
      theme.value = 'night';
      theme.dispatchEvent(new Event('change'));
    });
    expect(saved).toEqual([
      'Fusion saved.',
      'Approval deadline saved.',
      'Skew limit saved.',
      'Node budget saved.',
      'Link budget saved.',
    ]);
    // Through the handle too: the node-wide budget and the default for every link ('*'), with their bursts.
    expect(
      await inTab(tab, async () => {
        const s = await window.lattice.budgetStats();
        const info = await window.lattice.info();
        return { node: [s.bytesPerSecond, s.burstBytes], links: info.linkBudget };
      }),
    ).toEqual({ node: [6000, 3000], links: { bytesPerSecond: 5000, burstBytes: 2500 } });

    await reloadTab(tab);
    const again = await openAndRead(tab);
    expect({
      fusion: again.fusion,
      deadline: again.deadline,
      skew: again.skew,
      budget: again.budget,
      burst: again.burst,
      linkBudget: again.linkBudget,
      linkBurst: again.linkBurst,
      coords: again.coords,
      theme: again.theme,
    }).toEqual({
      fusion: 'false',
      deadline: '45',
      skew: '20',
      budget: '6000',
      burst: '3000',
      linkBudget: '5000',
      linkBurst: '2500',
      coords: 'mgrs',
      theme: 'night',
    });
    expect(await inTab(tab, () => document.querySelector('lm-app')!.getAttribute('theme'))).toBe('night');

    // A new rate with the burst left as shown: the burst shown belonged to the old rate, so the new
    // one gets its default burst (review: the panel sent the old 3,000 B with the new rate).
    const afterRateOnly = await inTab(tab, async () => {
      const p = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-settings-panel')!.shadowRoot!;
      const q = <T extends Element>(id: string) => p.querySelector<T>(`[data-testid="${id}"]`)!;
      const shownBurst = q<HTMLInputElement>('setting-budget-burst').value;
      q<HTMLInputElement>('setting-budget').value = '9000';
      q<HTMLButtonElement>('setting-budget-set').click();
      for (let i = 0; i < 100; i++) {
        const s = await window.lattice.budgetStats();
        if (s.bytesPerSecond === 9000) return { shownBurst, burst: s.burstBytes };
        await new Promise((r) => setTimeout(r, 50));
      }
      return { shownBurst, burst: undefined };
    });
    const byHandle = await inTab(tab, async () => {
      await window.lattice.setBudget('node', { bytesPerSecond: 9000 });
      return (await window.lattice.budgetStats()).burstBytes;
    });
    expect(afterRateOnly).toEqual({ shownBurst: '3000', burst: byHandle });
    expect(byHandle === 3000).toBe(false);
  });

  it('has keyboard shortcuts that stay out of the way while typing', async () => {
    const tab = await openTab({ query: lattice(), context: await newContext() });
    const state = () =>
      inTab(tab, () => {
        const root = document.querySelector('lm-app')!.shadowRoot!;
        const list = root.querySelector('lm-track-list')!;
        let active: Element | null = document.activeElement;
        while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
        return {
          settings: root.querySelector('[data-testid="settings"]') !== null,
          filters: list.shadowRoot!.querySelector('[data-testid="filter-chips"]') !== null,
          focus: (active as HTMLElement | null)?.dataset.testid ?? '',
          search: list.shadowRoot!.querySelector<HTMLInputElement>('[data-testid="filter-text"]')!.value,
        };
      });
    await inTab(
      tab,
      () => (document.querySelector('lm-app') as unknown as { updateComplete: Promise<unknown> }).updateComplete,
    );
    await pressInTab(tab, 's');
    expect((await state()).settings).toBe(true);
    await pressInTab(tab, 'Escape');
    const closed = await state();
    expect(closed.settings).toBe(false);
    expect(closed.focus).toBe('settings-open');
    await pressInTab(tab, 'f');
    expect((await state()).filters).toBe(true);
    await pressInTab(tab, '/');
    expect((await state()).focus).toBe('filter-text');
    // Typing in the search field: f and s are letters, not shortcuts.
    await pressInTab(tab, 'f');
    await pressInTab(tab, 's');
    const typing = await state();
    expect(typing.search).toBe('fs');
    expect(typing.filters).toBe(true);
    expect(typing.settings).toBe(false);
  });

  it('keeps the keyboard inside while open: Tab and Shift+Tab cycle through it, Esc closes it and gives focus back to the gear', async () => {
    const tab = await openTab({ query: lattice(), context: await newContext() });
    /** Where the focus is: its test id (or tag), and whether it is inside the settings dialog. */
    const where = () =>
      inTab(tab, () => {
        const root = document.querySelector('lm-app')!.shadowRoot!;
        const dialog = root.querySelector('[data-testid="settings"]');
        let active: Element | null = document.activeElement;
        while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
        let inside = false;
        for (let n: Node | null = active; n !== null; n = n.parentNode ?? (n instanceof ShadowRoot ? n.host : null)) {
          if (n === dialog) inside = true;
        }
        const el = active as HTMLElement | null;
        return { at: el?.dataset.testid ?? el?.id ?? el?.tagName ?? '', inside, open: dialog !== null };
      });
    await inTab(tab, async () => {
      const root = document.querySelector('lm-app')!.shadowRoot!;
      const gear = root.querySelector<HTMLElement>('[data-testid="settings-open"]')!;
      gear.focus();
      gear.click();
      for (let i = 0; i < 100; i++) {
        const lat = root
          .querySelector('lm-settings-panel')
          ?.shadowRoot?.querySelector('[data-testid="setting-lattice"]');
        if (lat != null && lat.textContent !== '—') break;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const opened = await where();
    expect(opened).toEqual({ at: 'settings-close', inside: true, open: true });

    // Forward: every stop is in the dialog, and after the last one the first comes again.
    const forward: string[] = [];
    for (let i = 0; i < 30; i++) {
      await pressInTab(tab, 'Tab');
      const w = await where();
      expect(w.inside).toBe(true);
      forward.push(w.at);
      if (w.at === 'settings-close') break;
    }
    expect(forward).toEqual([
      'setting-fusion',
      'setting-deadline',
      'setting-deadline-set',
      'setting-skew',
      'setting-skew-set',
      'setting-budget',
      'setting-budget-burst',
      'setting-budget-set',
      'setting-link-budget',
      'setting-link-budget-burst',
      'setting-link-budget-set',
      'setting-coords',
      'setting-theme',
      'setting-basemap-file',
      'settings-close',
    ]);
    const stops = forward.length;

    // Backward from the first stop: the last one, then back through the same stops.
    const backward: string[] = [];
    for (let i = 0; i < stops; i++) {
      await pressInTab(tab, 'Tab', ['Shift']);
      const w = await where();
      expect(w.inside).toBe(true);
      backward.push(w.at);
    }
    expect(backward).toEqual([...forward].reverse().slice(1).concat('settings-close'));

    // Esc from a field inside (where the other shortcuts stay quiet) closes it.
    await inTab(tab, () => {
      const p = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-settings-panel')!.shadowRoot!;
      p.querySelector<HTMLInputElement>('[data-testid="setting-deadline"]')!.focus();
    });
    expect((await where()).at).toBe('setting-deadline');
    await pressInTab(tab, 'Escape');
    expect(await where()).toEqual({ at: 'settings-open', inside: false, open: false });
  });
});
