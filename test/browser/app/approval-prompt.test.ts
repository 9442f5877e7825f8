import { offset } from '../../../src/core/sim/geo';
import { DEFENDED_POINT } from '../../../src/node/c2-pipeline';
import { waitInTab, waitLinked, type MochaContext } from '../mesh/mesh-support';
import { closeAllTabs, inTab, newContext, openTab, pressInTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { installProbe } from './approval-probe';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const afterEach: (fn: () => Promise<unknown>) => void;

// Open: some tests link separate devices (browser contexts); admission is tested in mesh/admission.test.ts.
const lattice = () => `?lattice=ap${Math.floor(Math.random() * 1e9).toString(36)}&open=1`;
/** 2 km from the defended point: inside the classifier's inner radius, so a hostile cue is HIGH at once. */
const NEAR = offset(DEFENDED_POINT, 0, 2_000);

/**
 * Writes an EO track the classifier turns HIGH on its next tick (docs/c2-pipeline.md, "Classifier")
 * and keeps its identity cue fresh from the tab, as its sensor would, so it stays HIGH.
 */
async function raiseHigh(tab: AppTab, id: string): Promise<void> {
  await inTab(
    tab,
    async ({ id: entity, lat, lon }: { id: string; lat: number; lon: number }) => {
      const cue = { label: 'fighter', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.95 };
      await window.lattice.create({
        id: entity,
        components: {
          source: { sensorId: 'test-eo', sensorType: 'eo' },
          position: { lat, lon, alt: 3_000 },
          velocity: { east: 0, north: -150 },
          cue,
        },
      });
      const w = window as unknown as { keepHigh?: Record<string, number> };
      w.keepHigh ??= {};
      w.keepHigh[entity] = window.setInterval(() => void window.lattice.update(entity, { cue }), 2_000);
    },
    { id, lat: NEAR.lat, lon: NEAR.lon },
  );
}

function waitCard(tab: AppTab, entity: string): Promise<void> {
  return waitInTab(
    tab,
    `a prompt for ${entity}`,
    (e: string) => window.lmPromptProbe!.cards().some((c) => c.entity === e),
    entity,
  );
}

function waitDecided(tab: AppTab, entity: string, state: string): Promise<void> {
  return waitInTab(
    tab,
    `${entity} ${state} in the recent decisions, its prompt closed`,
    ({ e, s }: { e: string; s: string }) => {
      const probe = window.lmPromptProbe!;
      return (
        !probe.cards().some((c) => c.entity === e) && probe.decisions().some((d) => d.entity === e && d.state === s)
      );
    },
    { e: entity, s: state },
  );
}

function waitTaskShown(tab: AppTab, entity: string): Promise<void> {
  return waitInTab(
    tab,
    `the intercept task on ${entity}'s row`,
    async (e: string) =>
      window.lmPromptProbe!.rowTask(e).includes('intercept') &&
      (await window.lattice.tasks()).some((t) => t.entityId === e),
    entity,
  );
}

const probe = (tab: AppTab) =>
  inTab(tab, () => ({
    cards: window.lmPromptProbe!.cards(),
    decisions: window.lmPromptProbe!.decisions(),
    live: window.lmPromptProbe!.live(),
  }));

const seconds = (countdown: string): number => {
  const [m, s] = countdown.split(':').map(Number);
  return m! * 60 + s!;
};

describe('the approval prompt on real nodes (built app, worker, gate)', function () {
  this.timeout(120_000);
  afterEach(() => closeAllTabs());

  it('appears when a track turns HIGH, counts down, and Approve by click assigns the task', async () => {
    const tab = await openTab({ query: lattice() });
    await installProbe(tab);
    await raiseHigh(tab, 'h1');
    await waitCard(tab, 'h1');
    const first = (await probe(tab)).cards[0]!;
    expect(first.entity).toBe('h1');
    expect(first.focused).toBe(true);
    expect(seconds(first.countdown) > 20).toBe(true);
    await waitInTab(
      tab,
      'the countdown to move on',
      (was: number) => {
        const [m, s] = window.lmPromptProbe!.cards()[0]!.countdown.split(':').map(Number);
        return m! * 60 + s! < was;
      },
      seconds(first.countdown),
    );
    expect((await probe(tab)).live).toContain('Approval needed: intercept fighter (h1)?');

    expect(await inTab(tab, () => window.lmPromptProbe!.click('h1', 'approve'))).toBe(true);
    await waitDecided(tab, 'h1', 'approved');
    await waitTaskShown(tab, 'h1');
    const after = await probe(tab);
    expect(after.decisions[0]!.text).toContain(`on node ${tab.nodeId.slice(0, 8)}`);
    // Said when the task appeared (with the decision, or in a later batch), not at the approval.
    expect(after.live).toContain('Intercept task assigned');
  });

  it('takes A on the focused prompt as an approval, and D as a deny', async () => {
    const tab = await openTab({ query: lattice() });
    await installProbe(tab);
    await raiseHigh(tab, 'k1');
    await waitCard(tab, 'k1');
    expect((await probe(tab)).cards[0]!.focused).toBe(true);
    await pressInTab(tab, 'Escape');
    const escaped = await probe(tab);
    expect(escaped.cards.map((c) => [c.entity, c.focused])).toEqual([['k1', false]]);
    expect(await inTab(tab, async () => (await window.lattice.approvals())[0]?.state)).toBe('pending');
    await inTab(tab, () => {
      // Focus the card again, as Tab or a tap on it would.
      window.deepQuery(document, '[data-testid="approval-card"]')!.focus();
    });
    await pressInTab(tab, 'a');
    await waitDecided(tab, 'k1', 'approved');
    await waitTaskShown(tab, 'k1');

    await raiseHigh(tab, 'k2');
    await waitCard(tab, 'k2');
    expect((await probe(tab)).cards.find((c) => c.entity === 'k2')?.focused).toBe(true);
    // The card took focus by itself: its keys wait a second (KEY_GUARD_MS), so a key meant for k1 cannot land on it.
    await new Promise((r) => setTimeout(r, 1_100));
    await pressInTab(tab, 'd');
    await waitDecided(tab, 'k2', 'denied');
    expect(await inTab(tab, async () => (await window.lattice.tasks()).map((t) => t.entityId))).toEqual(['k1']);
  });

  it('times out to a deny when nobody answers', async () => {
    const tab = await openTab({ query: lattice() });
    await installProbe(tab);
    await inTab(tab, () => window.lattice.setApprovalDeadline(5_000));
    await raiseHigh(tab, 't1');
    await waitCard(tab, 't1');
    const card = (await probe(tab)).cards[0]!;
    expect(seconds(card.countdown) <= 5).toBe(true);
    expect(card.urgent).toBe(true);
    await waitDecided(tab, 't1', 'timed_out');
    const after = await probe(tab);
    expect(after.decisions[0]!.text).toContain('by the gate');
    expect(after.live).toContain('No decision before the deadline');
    expect(await inTab(tab, () => window.lattice.tasks())).toEqual([]);
  });

  it('closes the prompt on both devices when one decides, and shows the task on the other', async () => {
    const q = lattice();
    const a = await openTab({ query: q, context: await newContext() });
    const b = await openTab({ query: q, context: await newContext() });
    await waitLinked(a, [b]);
    await waitLinked(b, [a]);
    await installProbe(a);
    await installProbe(b);
    await raiseHigh(a, 'm1');
    await waitCard(a, 'm1');
    await waitCard(b, 'm1');
    expect(await inTab(b, () => window.lmPromptProbe!.click('m1', 'approve'))).toBe(true);
    await waitDecided(b, 'm1', 'approved');
    await waitDecided(a, 'm1', 'approved');
    // a raised the request, so a assigns the task; b sees it replicated.
    await waitTaskShown(a, 'm1');
    await waitTaskShown(b, 'm1');
    const onA = (await probe(a)).decisions.find((d) => d.entity === 'm1')!;
    expect(onA.text).toContain(`on node ${b.nodeId.slice(0, 8)}`);
  });

  it('approve on one side and deny on the other during a partition ends denied on both, the conflict shown', async () => {
    const q = lattice();
    const a = await openTab({ query: q, context: await newContext() });
    const b = await openTab({ query: q, context: await newContext() });
    await waitLinked(a, [b]);
    await waitLinked(b, [a]);
    await installProbe(a);
    await installProbe(b);
    await raiseHigh(a, 'p1');
    await waitCard(a, 'p1');
    await waitCard(b, 'p1');

    await inTab(a, () => window.lattice.partition());
    await waitInTab(
      a,
      'every link refused',
      async () => (await window.lattice.peers()).every((p) => p.state === 'refused'),
      null,
    );
    await waitInTab(
      b,
      'the link to a down',
      async (id: string) => (await window.lattice.peers()).every((p) => p.id !== id || p.state !== 'connected'),
      a.nodeId,
    );
    expect(await inTab(a, () => window.lmPromptProbe!.click('p1', 'approve'))).toBe(true);
    expect(await inTab(b, () => window.lmPromptProbe!.click('p1', 'deny'))).toBe(true);
    await waitDecided(a, 'p1', 'approved');
    await waitDecided(b, 'p1', 'denied');

    await inTab(a, () => window.lattice.heal());
    await waitLinked(a, [b], 30_000);
    for (const tab of [a, b]) {
      await waitInTab(
        tab,
        'p1 denied with the conflict shown, and no task',
        async () => {
          const d = window.lmPromptProbe!.decisions().find((x) => x.entity === 'p1');
          const tasks = await window.lattice.tasks();
          return (
            d?.state === 'denied' && d.conflict && tasks.length === 0 && window.lmPromptProbe!.rowTask('p1') === ''
          );
        },
        null,
        30_000,
      );
    }
    expect(
      await inTab(a, async () => (await window.lattice.approvals()).map((v) => [v.entityId, v.state, v.conflict])),
    ).toEqual([['p1', 'denied', true]]);
  });
});
