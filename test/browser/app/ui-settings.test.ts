import { closeAllTabs, inTab, openTab, reloadTab, setOffline } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const lattice = (): string => `?lattice=ui${Math.floor(Math.random() * 1e9).toString(36)}`;

describe('the operator screen in the built app', () => {
  after(() => closeAllTabs());

  it('keeps the night theme across a reload, and every control is a 44 px touch target in both themes', async () => {
    const tab = await openTab({ query: lattice() });
    const look = (): Promise<{ theme: string | null; bg: string; toggle: string }> =>
      inTab(tab, async () => {
        const shell = document.querySelector('lm-app')!;
        await (shell as unknown as { updateComplete: Promise<unknown> }).updateComplete;
        const toggle = shell.shadowRoot!.querySelector<HTMLElement>('[data-testid="theme-toggle"]')!;
        return {
          theme: shell.getAttribute('theme'),
          bg: getComputedStyle(shell).getPropertyValue('--lm-bg').trim(),
          toggle: toggle.textContent!.trim(),
        };
      });
    /** Every visible button, input, select and summary, through every shadow root, smaller than 44 px. */
    const smallTargets = (): Promise<string[]> =>
      inTab(tab, () => {
        const found: string[] = [];
        const walk = (root: ParentNode): void => {
          for (const el of root.querySelectorAll<HTMLElement>('*')) {
            if (el.shadowRoot) walk(el.shadowRoot);
            if (!el.matches('button, input, select, summary, textarea, [role="button"]')) continue;
            const box = el.getBoundingClientRect();
            if (box.width === 0 && box.height === 0) continue;
            if (box.height < 44 || box.width < 44) {
              const name = el.dataset.testid ?? el.getAttribute('aria-label') ?? el.textContent?.trim() ?? '';
              found.push(`${el.localName} "${name}" ${box.width.toFixed(0)}×${box.height.toFixed(0)}`);
            }
          }
        };
        walk(document);
        return found;
      });

    const before = await look();
    expect(before.theme).toBe('day');
    expect(before.toggle).toBe('Night');
    expect(await smallTargets()).toEqual([]);
    await inTab(tab, () => {
      document.querySelector('lm-app')!.shadowRoot!.querySelector<HTMLElement>('[data-testid="theme-toggle"]')!.click();
    });
    const night = await look();
    expect(night.theme).toBe('night');
    expect(night.bg).toBe('#000000');

    await reloadTab(tab);
    const after = await look();
    expect(after.theme).toBe('night');
    expect(after.bg).toBe('#000000');
    expect(after.toggle).toBe('Day');
    expect(await smallTargets()).toEqual([]);
  });

  it('tells offline from online by peers and signaling, not by the network flag alone', async () => {
    const tab = await openTab({ query: lattice() });
    const status = (): Promise<{ text: string; level: string; detail: string }> =>
      inTab(tab, async () => {
        // The chip asks the mesh every 2 s; wait for an answer that has the mesh's facts in it.
        const chip = document.querySelector('lm-app')!.shadowRoot!.querySelector<HTMLElement>('lm-link-status')!;
        for (let i = 0; i < 50 && !chip.title.includes('signaling'); i++) await new Promise((r) => setTimeout(r, 100));
        return {
          text: chip.shadowRoot!.querySelector('[data-testid="link-status"]')!.textContent!.trim(),
          level: chip.dataset.level ?? '',
          detail: chip.title,
        };
      });
    const alone = await status();
    // One tab, the signaling server up: reachable, but nobody shares the picture.
    expect(alone.text).toBe('No peers');
    expect(alone.level).toBe('warn');
    expect(alone.detail.startsWith('0 peers connected; signaling up')).toBe(true);
    await setOffline(tab, true);
    try {
      const off = await inTab(tab, async () => {
        const chip = document.querySelector('lm-app')!.shadowRoot!.querySelector<HTMLElement>('lm-link-status')!;
        for (let i = 0; i < 50 && chip.dataset.level !== 'down'; i++) await new Promise((r) => setTimeout(r, 100));
        return { level: chip.dataset.level, detail: chip.title };
      });
      expect(off.level).toBe('down');
      expect(off.detail.endsWith('no network')).toBe(true);
    } finally {
      await setOffline(tab, false);
    }
  });
});
