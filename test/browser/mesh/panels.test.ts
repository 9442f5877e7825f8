import { closeAllTabs, inTab, newContext, openTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { openNodes, uniqueLattice, waitFullMesh, waitInTab, waitLinked, type MochaContext } from './mesh-support';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const afterEach: (fn: () => Promise<unknown>) => void;

/** The panels live in <lm-app>'s shadow root; these run inside the tab. */
const rows = (tab: AppTab) =>
  inTab(tab, () => {
    const panel = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-peers-panel')!;
    return [...panel.shadowRoot!.querySelectorAll<HTMLElement>('[data-testid=peer-row]')].map((r) => ({
      peer: r.dataset.peer,
      state: r.dataset.state,
      text: r.textContent?.replace(/\s+/g, ' ').trim() ?? '',
    }));
  });

/** Clicks a button by its text in the pairing panel, optionally typing into its input first. */
function pairingAction(tab: AppTab, label: string, input?: string): Promise<void> {
  return inTab(
    tab,
    async ({ label: l, input: text }: { label: string; input: string | null }) => {
      const panel = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-pairing-panel')!;
      await panel.updateComplete;
      const root = panel.shadowRoot!;
      if (text !== null) root.querySelector<HTMLTextAreaElement>('[data-testid=pairing-input]')!.value = text;
      const button = [...root.querySelectorAll('button')].find((b) => b.textContent?.trim() === l);
      if (button === undefined) throw new Error(`no button ${l}`);
      button.click();
    },
    { label, input: input ?? null },
  );
}

/** Waits for the pairing panel to show a code (offer or answer) and returns it with whether a QR image is shown. */
async function shownCode(tab: AppTab): Promise<{ code: string; qr: boolean }> {
  await waitInTab(
    tab,
    'a pairing code on screen',
    () => {
      const root = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-pairing-panel')!.shadowRoot!;
      const code = root.querySelector<HTMLTextAreaElement>('[data-testid=pairing-code]')?.value ?? '';
      return code.startsWith('LM1.') && root.querySelector('.qr img') !== null;
    },
    null,
  );
  return inTab(tab, () => {
    const root = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-pairing-panel')!.shadowRoot!;
    const img = root.querySelector<HTMLImageElement>('.qr img');
    return {
      code: root.querySelector<HTMLTextAreaElement>('[data-testid=pairing-code]')!.value,
      qr: img !== null && img.src.startsWith('data:image/png'),
    };
  });
}

describe('the peers and pairing panels in the built app', function () {
  this.timeout(120_000);
  afterEach(() => closeAllTabs());

  it('lists each link and partitions and heals one from its button', async () => {
    const [a, b, c] = await openNodes(3, `?lattice=${uniqueLattice('panel')}`);
    await waitFullMesh([a!, b!, c!]);
    await waitInTab(
      a!,
      'two connected rows',
      () => {
        const panel = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-peers-panel')!;
        const found = panel.shadowRoot!.querySelectorAll('[data-testid=peer-row][data-state=connected]');
        return found.length === 2;
      },
      null,
    );
    const before = await rows(a!);
    expect(before.map((r) => r.state)).toEqual(['connected', 'connected']);
    expect(before[0]!.text).toContain('RTT');
    await inTab(
      a!,
      (peer: string) => {
        const panel = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-peers-panel')!;
        panel.shadowRoot!.querySelector<HTMLButtonElement>(`[data-peer="${peer}"] button`)!.click();
      },
      b!.nodeId,
    );
    await waitInTab(
      a!,
      'the row refused',
      (peer: string) => {
        const panel = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-peers-panel')!;
        return panel.shadowRoot!.querySelector(`[data-peer="${peer}"]`)?.getAttribute('data-state') === 'refused';
      },
      b!.nodeId,
    );
    expect(await inTab(a!, () => window.lattice.peers().then((ps) => ps.map((p) => p.state).sort()))).toEqual([
      'connected',
      'refused',
    ]);
    await inTab(
      a!,
      (peer: string) => {
        const panel = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-peers-panel')!;
        const button = panel.shadowRoot!.querySelector<HTMLButtonElement>(`[data-peer="${peer}"] button`)!;
        if (button.textContent?.trim() !== 'Heal') throw new Error(`expected Heal, got ${button.textContent}`);
        button.click();
      },
      b!.nodeId,
    );
    await waitLinked(a!, [b!, c!], 30_000);
  });

  it("sets a link's rate and burst from its row and shows its figures per class, within the row's width", async () => {
    const [a, b] = await openNodes(2, `?lattice=${uniqueLattice('panelbudget')}`);
    await waitLinked(a!, [b!]);
    await waitInTab(
      a!,
      "the link's budget field",
      (peer: string) => {
        const panel = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-peers-panel')!;
        return (
          panel.shadowRoot!.querySelector(`[data-peer="${peer}"] [data-testid=link-budget] lm-budget-field`) !== null
        );
      },
      b!.nodeId,
    );
    await inTab(
      a!,
      async (peer: string) => {
        const panel = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-peers-panel')!;
        const field = panel.shadowRoot!.querySelector(`[data-peer="${peer}"] lm-budget-field`)!;
        const f = field.shadowRoot!;
        for (const [id, value] of [
          ['budget-input', '6000'],
          ['burst-input', '4000'],
        ] as const) {
          const input = f.querySelector<HTMLInputElement>(`[data-testid=${id}]`)!;
          input.value = value;
          input.dispatchEvent(new Event('input'));
        }
        await (field as unknown as { updateComplete: Promise<unknown> }).updateComplete;
        f.querySelector<HTMLButtonElement>('[data-testid=budget-set]')!.click();
      },
      b!.nodeId,
    );
    await waitInTab(
      a!,
      'the budget in force',
      async (peer: string) => {
        const s = await window.lattice.budgetStats(peer);
        return s.bytesPerSecond === 6000 && s.burstBytes === 4000;
      },
      b!.nodeId,
    );
    await waitInTab(
      a!,
      'the field showing the burst in force',
      (peer: string) => {
        const panel = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-peers-panel')!;
        const f = panel.shadowRoot!.querySelector(`[data-peer="${peer}"] lm-budget-field`)!.shadowRoot!;
        return f.querySelector<HTMLInputElement>('[data-testid=burst-input]')!.value === '4000';
      },
      b!.nodeId,
    );
    const table = await inTab(
      a!,
      async (peer: string) => {
        const panel = document.querySelector('lm-app')!.shadowRoot!.querySelector('lm-peers-panel')!;
        const row = panel.shadowRoot!.querySelector<HTMLElement>(`[data-peer="${peer}"]`)!;
        const details = row.querySelector<HTMLDetailsElement>('[data-testid=link-classes]')!;
        details.querySelector('summary')!.click();
        await new Promise((r) => setTimeout(r, 50));
        const rows = [...details.querySelectorAll<HTMLElement>('tbody tr')];
        const wrapper = details.querySelector<HTMLElement>('.classes')!;
        return {
          open: details.open,
          classes: rows.map((r) => r.dataset.class),
          columns: [...rows[0]!.querySelectorAll<HTMLElement>('td')].map((c) => c.dataset.col),
          numbers: rows.every((r) => [...r.querySelectorAll('td')].every((c) => /^\d+$/.test(c.textContent!.trim()))),
          // The table scrolls inside the row on a narrow screen: it never widens the row.
          fits: wrapper.getBoundingClientRect().right <= row.getBoundingClientRect().right + 0.5,
          scrolls: getComputedStyle(wrapper).overflowX,
          font: parseFloat(getComputedStyle(rows[0]!.querySelector('td')!).fontSize),
          summary: [...row.querySelectorAll<HTMLElement>('[data-budget]')].map((d) => d.dataset.budget),
        };
      },
      b!.nodeId,
    );
    expect(table.open).toBe(true);
    expect(table.classes).toEqual(['control', 'delete', 'high', 'medium', 'low', 'none', 'position', 'sync']);
    expect(table.columns).toEqual(['queued', 'sent', 'coalesced', 'deferred', 'anti-entropy', 'p99']);
    expect(table.numbers).toBe(true);
    expect(table.fits).toBe(true);
    expect(table.scrolls).toBe('auto');
    expect(table.font >= 12).toBe(true);
    expect(table.summary).toEqual(['queued', 'sent', 'coalesced', 'deferred', 'anti-entropy', 'p99']);
  });

  it('pairs two devices through the panel: offer as text and QR, answer pasted back', async () => {
    const lattice = uniqueLattice('uipair');
    const a = await openTab({ query: `?lattice=${lattice}&open=1&signal=relay`, context: await newContext() });
    const b = await openTab({ query: `?lattice=${lattice}&open=1&signal=relay`, context: await newContext() });
    await pairingAction(a, 'Make an offer');
    const offer = await shownCode(a);
    expect(offer.qr).toBe(true);
    await pairingAction(b, 'Answer an offer');
    await pairingAction(b, 'Make answer', offer.code);
    const answer = await shownCode(b);
    expect(answer.code === offer.code).toBe(false);
    await pairingAction(a, 'Connect', answer.code);
    await waitLinked(a, [b]);
    await waitLinked(b, [a]);
    const status = await inTab(a, () =>
      document
        .querySelector('lm-app')!
        .shadowRoot!.querySelector('lm-pairing-panel')!
        .shadowRoot!.querySelector('[data-testid=pairing-status]')
        ?.textContent?.trim(),
    );
    expect(status ?? '').toContain('Connecting to');
  });
});
