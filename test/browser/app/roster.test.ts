import { closeAllTabs, inTab, newContext, openTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { waitInTab } from '../mesh/mesh-support';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const lattice = (): string => `ro${Math.floor(Math.random() * 1e9).toString(36)}`;

/** Waits in the tab until the roster is founded, then returns members(). */
function foundedRoster(tab: AppTab) {
  return inTab(tab, async () => {
    for (let i = 0; i < 100; i++) {
      const r = await window.lattice.members().catch(() => undefined);
      if (r?.founder !== undefined) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('no founded roster');
  });
}

/** What the header and the peers panel show, once the roster panel has read the roster. */
function shown(tab: AppTab) {
  return inTab(tab, async () => {
    const root = document.querySelector('lm-app')!.shadowRoot!;
    for (let i = 0; i < 100; i++) {
      const panel = root.querySelector('lm-peers-panel')?.shadowRoot?.querySelector('lm-roster-panel');
      if (panel?.shadowRoot?.querySelector('[data-testid="members"] li') != null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The badge polls every 3 s.
    await new Promise((r) => setTimeout(r, 3500));
    const panel = root.querySelector('lm-peers-panel')!.shadowRoot!.querySelector('lm-roster-panel')!.shadowRoot!;
    return {
      open: root.querySelector('lm-open-badge')?.shadowRoot?.querySelector('[data-testid="open-lattice"]')?.textContent,
      members: [...panel.querySelectorAll('[data-testid="members"] li')].map((li) =>
        li.textContent!.replace(/\s+/g, ' '),
      ),
    };
  });
}

describe('the roster in the built app', () => {
  after(() => closeAllTabs());

  it('founds a closed lattice with this node as founder, shown in the peers panel, no OPEN', async () => {
    const tab = await openTab({ query: `?lattice=${lattice()}`, context: await newContext() });
    const roster = await foundedRoster(tab);
    expect(roster.founder as string | undefined).toBe(tab.nodeId);
    expect(roster.open).toBe(false);
    expect(roster.members.map((m) => [m.id, m.founder, m.self])).toEqual([[tab.nodeId, true, true]]);
    const ui = await shown(tab);
    expect(ui.open).toBe(undefined);
    expect(ui.members.length).toBe(1);
    expect(ui.members[0]!).toContain('founder');
    expect(ui.members[0]!).toContain('you');
    expect(ui.members[0]!).toContain(roster.members[0]!.fingerprint);
  });

  it('open=1 founds an open lattice and the header shows OPEN', async () => {
    const tab = await openTab({ query: `?lattice=${lattice()}&open=1`, context: await newContext() });
    expect((await foundedRoster(tab)).open).toBe(true);
    expect((await shown(tab)).open).toBe('OPEN');
  });

  it('invite() gives this app’s link; the Invite button shows a link as text and QR; removeMember updates members()', async () => {
    const name = lattice();
    const context = await newContext();
    const tab = await openTab({ query: `?lattice=${name}`, context });
    // A second tab of the same profile: a sibling, admitted without an invitation once they meet.
    const sibling = await openTab({ query: `?lattice=${name}`, context });
    await foundedRoster(tab);
    const invitation = await inTab(tab, () => window.lattice.invite());
    const app = await inTab(tab, () => `${location.origin}${location.pathname}`);
    expect(invitation.url.startsWith(`${app}?lattice=${name}&invite=`)).toBe(true);
    expect(invitation.url.endsWith(invitation.token)).toBe(true);

    const card = await inTab(tab, async () => {
      const root = document.querySelector('lm-app')!.shadowRoot!;
      const panel = root.querySelector('lm-peers-panel')!.shadowRoot!.querySelector('lm-roster-panel')!.shadowRoot!;
      let card = panel.querySelector('lm-invitation-card');
      for (let i = 0; i < 50 && card === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        card = panel.querySelector('lm-invitation-card');
      }
      const button = card!.shadowRoot!.querySelector<HTMLButtonElement>('[data-testid="invite"]')!;
      const box = button.getBoundingClientRect();
      button.click();
      for (let i = 0; i < 50 && card!.shadowRoot!.querySelector('[data-testid="invite-qr"]') === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const img = card!.shadowRoot!.querySelector<HTMLImageElement>('[data-testid="invite-qr"]');
      return {
        url: card!.shadowRoot!.querySelector<HTMLTextAreaElement>('[data-testid="invite-url"]')?.value,
        qr: img?.src.slice(0, 22),
        alt: img?.alt,
        size: Math.min(box.width, box.height),
      };
    });
    expect(card.url?.startsWith(`${app}?lattice=${name}&invite=`)).toBe(true);
    expect(card.url === invitation.url).toBe(false); // a new invitation each time
    expect(card.qr).toBe('data:image/png;base64,');
    expect(card.alt).toBe('invitation link as QR code');
    expect(card.size >= 44).toBe(true);

    // The sibling gets its add op once their tabs have linked and exchanged writes.
    await inTab(sibling, () => window.lattice.create({ id: 'from-sibling', components: { threat: { level: 'LOW' } } }));
    const members = await inTab(
      tab,
      async (id: string) => {
        for (let i = 0; i < 200; i++) {
          const r = await window.lattice.members();
          if (r.members.some((m) => m.id === id)) return r.members.map((m) => m.id);
          await new Promise((res) => setTimeout(res, 100));
        }
        return [];
      },
      sibling.nodeId,
    );
    expect((members as string[]).includes(sibling.nodeId)).toBe(true);
    const after = await inTab(
      tab,
      async (id: string) => {
        await window.lattice.removeMember(id);
        const r = await window.lattice.members();
        const self = await window.lattice.removeMember(r.self).catch((e: Error) => e.message);
        return { members: r.members.map((m) => m.id), removed: r.removed.map((x) => [x.id, x.by]), self };
      },
      sibling.nodeId,
    );
    expect(after.members).toEqual([tab.nodeId]);
    expect(after.removed).toEqual([[sibling.nodeId, tab.nodeId]]);
    expect(after.self).toContain('founder cannot remove itself');
  });
  it('the peers panel lists a device refused at the handshake with why; the refused device’s panel shows why too', async () => {
    const name = lattice();
    const tab = await openTab({ query: `?lattice=${name}`, context: await newContext() });
    await foundedRoster(tab);
    // Another device without an invitation: it founds a roster of its own, and tab refuses it.
    const stranger = await openTab({ query: `?lattice=${name}`, context: await newContext() });
    const fingerprint = (await foundedRoster(stranger)).members.find((m) => m.self)!.fingerprint;
    await waitInTab(
      tab,
      'the stranger in the panel’s refused peers',
      (id: string) => window.deepQueryAll(document, '[data-testid="refused"] li .fp').some((e) => e.title === id),
      stranger.nodeId,
      30_000,
    );
    const panel = await inTab(tab, () => ({
      refused: window.deepQueryAll(document, '[data-testid="refused"] li').map((li) => ({
        id: li.querySelector<HTMLElement>('.fp')?.title,
        text: li.textContent!.replace(/\s+/g, ' ').trim(),
      })),
      members: window.deepQueryAll(document, '[data-testid="members"] li').map((li) => li.dataset.member),
    }));
    expect(panel.refused.length).toBe(1);
    expect(panel.refused[0]!.id).toBe(stranger.nodeId);
    expect(panel.refused[0]!.text).toBe(
      `${fingerprint} ${stranger.nodeId} is not a member of lattice ${name}; it needs an invitation from a member`,
    );
    expect(panel.members).toEqual([tab.nodeId]);
    // The refused device's peers panel says why its link to tab ended. Having founded a roster of
    // its own, it refuses tab too, for the same reason; whichever refusal ended the link first is shown.
    await waitInTab(
      stranger,
      'the refusal on the stranger’s peer row',
      (id: string) =>
        (window.deepQuery(document, `[data-testid="peer-row"][data-peer="${id}"]`)?.textContent ?? '').includes(
          'not admitted',
        ),
      tab.nodeId,
      30_000,
    );
    const row = await inTab(
      stranger,
      (id: string) =>
        window.deepQuery(document, `[data-testid="peer-row"][data-peer="${id}"]`)!.textContent!.replace(/\s+/g, ' '),
      tab.nodeId,
    );
    expect(row).toContain('last: worker: ');
    expect(row).toContain(`not admitted: `);
    expect(row).toContain(`is not a member of lattice ${name}; it needs an invitation from a member`);
  });
});
