import { closeAllTabs, inTab, openTab, reloadTab, setOffline } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

describe('the installed PWA offline', () => {
  after(() => closeAllTabs());

  it('is installable and, after one online visit, loads and works with the network gone', async () => {
    const tab = await openTab({ query: `?lattice=off${Math.floor(Math.random() * 1e9).toString(36)}` });
    const manifest = await inTab(tab, async () => {
      const link = document.querySelector('link[rel="manifest"]') as HTMLLinkElement | null;
      const res = await fetch(link!.href);
      const m = (await res.json()) as { name: string; display: string; icons: { sizes: string }[] };
      await navigator.serviceWorker.ready;
      return { name: m.name, display: m.display, sizes: m.icons.map((i) => i.sizes) };
    });
    expect(manifest.name).toBe('lattice-mesh');
    expect(manifest.display).toBe('standalone');
    expect(manifest.sizes.includes('192x192') && manifest.sizes.includes('512x512')).toBe(true);
    await inTab(tab, () =>
      window.lattice.create({ id: 'before-offline', components: { threat: { level: 'MEDIUM' } } }),
    );

    await setOffline(tab, true);
    try {
      const nodeId = await reloadTab(tab);
      expect(nodeId).toBe(tab.nodeId);
      const state = await inTab(tab, async () => {
        const reachable = await fetch('/index.html?probe', { cache: 'no-store' }).then(
          () => 'network',
          () => 'offline',
        );
        const created = await window.lattice.create({ id: 'while-offline', components: { threat: { level: 'LOW' } } });
        return {
          controlled: navigator.serviceWorker.controller !== null,
          before: await window.lattice.get('before-offline'),
          created: created.id as string,
          shell: document.querySelector('lm-app') !== null && customElements.get('lm-app') !== undefined,
          reachable,
        };
      });
      expect(state.reachable).toBe('offline');
      expect(state.controlled).toBe(true);
      expect(state.shell).toBe(true);
      expect(state.before?.components.threat).toEqual({ level: 'MEDIUM' });
      expect(state.created).toBe('while-offline');
    } finally {
      await setOffline(tab, false);
    }
  });
});
