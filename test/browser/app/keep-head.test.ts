import { waitInTab, waitLinked, type MochaContext } from '../mesh/mesh-support';
import { closeAllTabs, inTab, newContext, openTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const afterEach: (fn: () => Promise<unknown>) => void;

// Open: the two tabs are separate devices (browser contexts), and the test is about conflicts, not admission.
const lattice = () => `?lattice=kh${Math.floor(Math.random() * 1e9).toString(36)}&open=1`;

/** Whether the inspector of the tab's shell shows a conflict marker (searched through shadow roots). */
function markerShown(tab: AppTab): Promise<boolean> {
  return inTab(tab, () => window.deepQuery(document.body, '[data-testid="conflict-marker"]') !== null);
}

describe('keep this one, across tabs', function () {
  this.timeout(120_000);
  afterEach(() => closeAllTabs());

  it('a conflict made by two partitioned tabs is resolved from one inspector and the marker clears on both', async () => {
    const q = lattice();
    const a = await openTab({ query: q, context: await newContext() });
    const b = await openTab({ query: q, context: await newContext() });
    await waitLinked(a, [b]);
    await waitLinked(b, [a]);
    await inTab(a, () => window.lattice.create({ id: 'boat', components: { threat: { level: 'MEDIUM' } } }));
    await waitInTab(b, 'the boat replicated', async () => (await window.lattice.get('boat')) !== undefined, null);

    for (const tab of [a, b]) await inTab(tab, () => window.lattice.partition());
    await inTab(a, () => window.lattice.update('boat', { threat: { level: 'HIGH' } }));
    await inTab(b, () => window.lattice.update('boat', { threat: { level: 'LOW' } }));
    for (const tab of [a, b]) await inTab(tab, () => window.lattice.heal());
    await waitLinked(a, [b], 30_000);
    for (const tab of [a, b]) {
      await waitInTab(
        tab,
        'the conflict on both',
        async () => (await window.lattice.get('boat'))!.conflicts.length > 0,
        null,
        30_000,
      );
      await inTab(tab, () => {
        document.querySelector('lm-app')!.selectedId = 'boat';
      });
      await waitInTab(
        tab,
        'the marker in the inspector',
        () => window.deepQuery(document.body, '[data-testid="conflict-marker"]') !== null,
        null,
      );
    }

    // On a, keep b's LOW: a's inspector lists both heads, each with its button.
    const clicked = await inTab(a, async () => {
      for (let i = 0; i < 100; i++) {
        const heads = window.deepQueryAll(document.body, '[data-testid="head"]');
        const low = heads.find((h) => h.textContent!.includes('LOW'));
        const button = low?.querySelector<HTMLButtonElement>('[data-testid="keep-head"]');
        if (heads.length === 2 && button) {
          button.click();
          return true;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    });
    expect(clicked).toBe(true);

    for (const tab of [a, b]) {
      await waitInTab(
        tab,
        'the conflict resolved to LOW',
        async () => {
          const v = (await window.lattice.get('boat'))!;
          return v.conflicts.length === 0 && (v.components['threat'] as { level: string }).level === 'LOW';
        },
        null,
        30_000,
      );
      await waitInTab(
        tab,
        'the marker gone from the inspector',
        () => window.deepQuery(document.body, '[data-testid="conflict-marker"]') === null,
        null,
      );
      expect(await markerShown(tab)).toBe(false);
    }
    expect(await inTab(b, async () => (await window.lattice.heads('boat', 'threat')).length)).toBe(1);
  });
});
