import { closeAllTabs, inTab, newContext, openTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { uniqueLattice, waitInTab, waitLinked, type MochaContext } from './mesh-support';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const afterEach: (fn: () => Promise<unknown>) => void;

/**
 * A removed device learns it stands removed (docs/security.md, "A removed device"): three separate
 * devices (browser contexts) over the real signaling server and WebRTC; a removes b, the removal
 * reaches b over the mesh before its links close, and b shows REMOVED in its header, refuses its
 * own writes with the removal named, and keeps its picture. Before, b got no sign: its links just
 * failed, and its writes showed locally while every member refused them.
 */

/** Waits until `tab`'s roster is founded by `founder` (its own, or the one it joined). */
function waitFounded(tab: AppTab, founder: string): Promise<void> {
  return waitInTab(
    tab,
    `a roster founded by ${founder.slice(0, 8)}`,
    async (f: string) => (await window.lattice.members().catch(() => undefined))?.founder === f,
    founder,
  );
}

describe('a device removed from a closed lattice (separate devices, real signaling and WebRTC)', function () {
  this.timeout(120_000);
  afterEach(() => closeAllTabs());

  it('is told: members().selfRemoved, the REMOVED header, its writes refused with the removal named, its picture kept', async () => {
    const lattice = uniqueLattice('removed');
    const a = await openTab({ query: `?lattice=${lattice}`, context: await newContext() });
    await waitFounded(a, a.nodeId);
    const join = async (): Promise<AppTab> => {
      const { url } = await inTab(a, () => window.lattice.invite());
      const tab = await openTab({ query: new URL(url).search, context: await newContext() });
      await waitFounded(tab, a.nodeId);
      return tab;
    };
    const b = await join();
    const c = await join();
    await waitLinked(a, [b, c], 30_000);
    await waitLinked(c, [b], 45_000);
    await inTab(b, () => window.lattice.create({ id: 'trk-b-before', components: { speed: { kts: 5 } } }));
    await inTab(a, () => window.lattice.create({ id: 'trk-a', components: { speed: { kts: 9 } } }));
    await waitInTab(a, 'b’s earlier track', async () => (await window.lattice.get('trk-b-before')) !== undefined, null);
    await waitInTab(b, 'a’s track', async () => (await window.lattice.get('trk-a')) !== undefined, null);
    expect((await inTab(b, () => window.lattice.members())).selfRemoved).toBe(undefined);
    expect(await inTab(b, () => window.deepQuery(document, '[data-testid="removed-banner"]') === null)).toBe(true);

    // Something for each of b's other write controls to act on: a pending request (Approve, Deny),
    // and a conflict made while b was cut off (Keep this one) on the entity b's form shows (Delete).
    await inTab(a, () => window.lattice.setApprovalDeadline(600_000));
    await inTab(a, () => window.lattice.create({ id: 'trk-high', components: { threat: { level: 'HIGH' } } }));
    await inTab(a, () => window.lattice.create({ id: 'boat', components: { threat: { level: 'MEDIUM' } } }));
    await waitInTab(b, 'the boat', async () => (await window.lattice.get('boat')) !== undefined, null);
    await inTab(b, () => window.lattice.partition());
    await inTab(b, () => window.lattice.update('boat', { threat: { level: 'LOW' } }));
    await inTab(a, () => window.lattice.update('boat', { threat: { level: 'NONE' } }));
    await inTab(b, () => window.lattice.heal());
    await waitLinked(a, [b], 30_000);
    await waitInTab(
      b,
      'the boat’s conflict',
      async () => ((await window.lattice.get('boat'))?.conflicts.length ?? 0) > 0,
      null,
      30_000,
    );
    await inTab(b, () => {
      document.querySelector('lm-app')!.selectedId = 'boat';
    });
    /** b's write controls beyond the form's submit: whether each is there, and enabled. */
    const controls = (tab: AppTab) =>
      inTab(tab, () => {
        const enabled = (sel: string): boolean[] =>
          window.deepQueryAll(document.body, sel).map((e) => !(e as HTMLButtonElement).disabled);
        return {
          delete: enabled('[data-testid="form-delete"]'),
          approve: enabled('[data-testid="approve"]'),
          deny: enabled('[data-testid="deny"]'),
          keep: enabled('[data-testid="keep-head"]'),
          remove: enabled('button[aria-label^="Remove member"]'),
          invite: enabled('[data-testid="invite"]'),
        };
      });
    // While a member, each is there and enabled (so the checks below are not vacuous).
    await waitInTab(
      b,
      'b’s write controls',
      () => {
        const on = (sel: string): boolean =>
          window.deepQueryAll(document.body, sel).some((e) => !(e as HTMLButtonElement).disabled);
        return (
          ['form-delete', 'approve', 'deny', 'keep-head', 'invite'].every((id) => on(`[data-testid="${id}"]`)) &&
          on('button[aria-label^="Remove member"]')
        );
      },
      null,
      30_000,
    );

    await inTab(a, (id: string) => window.lattice.removeMember(id), b.nodeId);
    // The remove op reaches b over its links before they close (REMOVAL_NOTICE_MS).
    await waitInTab(
      b,
      'b merged its own removal',
      async (id: string) => (await window.lattice.members()).selfRemoved?.by === id,
      a.nodeId,
    );
    const roster = await inTab(b, () => window.lattice.members());
    const remover = (await inTab(a, () => window.lattice.members())).members.find((m) => m.self)!;
    const removal = roster.selfRemoved!;
    expect(removal.byFingerprint).toBe(remover.fingerprint);
    expect(roster.removed.map((r) => [r.id as string, r.by as string])).toEqual([[b.nodeId, a.nodeId]]);
    const when = new Date(removal.at).toISOString();

    // The header says so, for as long as it stands removed.
    const banner = `REMOVED from lattice ${lattice} by ${remover.fingerprint} at ${when} — read-only`;
    await waitInTab(
      b,
      'the REMOVED banner',
      (text: string) =>
        (window.deepQuery(document, '[data-testid="removed-banner"]')?.textContent ?? '').includes(text),
      banner,
    );
    // The header's chip says Removed, not "1 peer" for a link still closing (before, it counted it).
    await waitInTab(
      b,
      'the link chip saying Removed',
      () => window.deepQuery(document, '[data-testid="link-status"]')?.textContent === 'Removed',
      null,
    );
    const shown = await inTab(b, () => ({
      role: window.deepQuery(document, '[data-testid="removed-banner"]')!.getAttribute('role'),
      inHeader: window.deepQuery(document, 'lm-removed-banner')?.parentElement?.tagName,
      submit: (window.deepQuery(document, '[data-testid="form-submit"]') as HTMLButtonElement | null)?.disabled,
      simStart: (window.deepQuery(document, '[data-testid="sim-start"]') as HTMLButtonElement | null)?.disabled,
      importing: (window.deepQuery(document, '[data-testid="import-picture"]') as HTMLButtonElement | null)?.disabled,
    }));
    expect(shown).toEqual({ role: 'alert', inHeader: 'HEADER', submit: true, simStart: true, importing: true });
    // Every other write control too: Delete, Approve, Deny and Keep this one disabled; Remove and
    // Invite gone (a removed device is no member: the roster panel offers them to members only).
    const after = await controls(b);
    expect(after.delete).toEqual([false]);
    expect(after.approve.length > 0 && after.approve.every((on) => !on)).toBe(true);
    expect(after.deny.length > 0 && after.deny.every((on) => !on)).toBe(true);
    expect(after.keep.length > 1 && after.keep.every((on) => !on)).toBe(true);
    expect({ remove: after.remove, invite: after.invite }).toEqual({ remove: [], invite: [] });

    // Every write through the handle is refused at the door, naming the removal, and counted.
    const why =
      `this device was removed from lattice ${lattice} by ${remover.fingerprint} at ${when}; ` +
      'its writes are no longer accepted';
    const refusals = await inTab(b, async () => {
      const said = (p: Promise<unknown>): Promise<string> =>
        p.then(
          () => 'accepted',
          (e: Error) => e.message,
        );
      return [
        await said(window.lattice.create({ id: 'trk-b-after', components: { speed: { kts: 6 } } })),
        await said(window.lattice.update('trk-b-before', { speed: { kts: 7 } })),
        await said(window.lattice.remove('trk-b-before')),
        await said(window.lattice.writeMany([{ id: 'trk-b-many', components: { speed: { kts: 8 } } }])),
        await said(window.lattice.simulate({ eo: { tracks: 2, hz: 1 } })),
      ];
    });
    expect(refusals.slice(0, 4)).toEqual([why, why, why, why]);
    expect(refusals[4]).toBe(`simulate: ${why}`);
    const rejected = (await inTab(b, () => window.lattice.stats())).rejected['removed-from-lattice'];
    expect(rejected).toBe(5);

    // Reads go on: its picture as it was, its earlier write included (and kept by the members).
    const kept = await inTab(b, async () => ({
      before: (await window.lattice.get('trk-b-before'))?.components.speed,
      after: await window.lattice.get('trk-b-after'),
      a: (await window.lattice.get('trk-a'))?.components.speed,
    }));
    expect(kept).toEqual({ before: { kts: 5 }, after: undefined, a: { kts: 9 } });
    for (const t of [a, c]) {
      await waitInTab(
        t,
        'b’s earlier track, kept',
        async () => (await window.lattice.get('trk-b-before')) !== undefined,
        null,
      );
      expect((await inTab(t, () => window.lattice.members())).selfRemoved).toBe(undefined);
    }
  });
});
