import { closeAllTabs, inTab, openTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const lattice = () => `?lattice=t${Math.floor(Math.random() * 1e9).toString(36)}`;

describe('the approval gate in a real tab (worker timer, window.lattice)', () => {
  after(() => closeAllTabs());

  it('raises a request on a HIGH threat, tells watchers, and an approval assigns a task that advances', async () => {
    const tab = await openTab({ query: lattice() });
    const result = await inTab(tab, async () => {
      const l = window.lattice;
      await l.ready;
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      let flagged = 0;
      const off = l.watch((batch) => {
        if (batch.approvals === true) flagged += 1;
      });
      await l.create({ id: 'h1', components: { position: { lat: 51.5, lon: -0.46 }, threat: { level: 'HIGH' } } });
      let approvals = await l.approvals();
      for (let i = 0; i < 20 && approvals.length === 0; i++) {
        await sleep(100);
        approvals = await l.approvals();
      }
      const pending = approvals[0];
      let refused = '';
      try {
        await l.decide('nope', 'approve');
      } catch (e) {
        refused = (e as Error).name;
      }
      const decided = await l.decide('h1', 'approve', pending?.requestId);
      // The asset link reports sent after 1 s, on the worker's timer.
      let tasks = await l.tasks();
      for (let i = 0; i < 40 && tasks[0]?.status !== 'sent'; i++) {
        await sleep(100);
        tasks = await l.tasks();
      }
      await sleep(100);
      off();
      return { pending, refused, decided, tasks, flagged };
    });
    expect(result.pending?.state).toBe('pending');
    expect(result.pending?.deadline - result.pending!.requestedAt).toBe(30_000);
    expect(result.refused).toBe('NotFoundError');
    expect(result.decided.state).toBe('approved');
    expect(result.tasks[0]?.status).toBe('sent');
    expect(result.flagged > 0).toBe(true);
  });
});
