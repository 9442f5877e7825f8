import { closeAllTabs, inTab, openTab } from './support/app-pages';
import { expect } from './support/expect';

declare const describe: (name: string, fn: (this: { timeout(ms: number): void }) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

describe('the app-pages commands outlast the runner’s 20 s command limit', function () {
  this.timeout(60_000);
  after(() => closeAllTabs());

  // Opening the twentieth tab of a busy mesh can take longer than the 20 s the runner gives a
  // server command; the plugin answers in slices, and the call waits for the real end.
  it('returns the result of a tab call that runs for 21 s, and its error as an error', async () => {
    const tab = await openTab({ query: `?lattice=cmd${Math.floor(Math.random() * 1e9).toString(36)}` });
    const value = await inTab(tab, () => new Promise<number>((resolve) => setTimeout(() => resolve(42), 21_000)));
    expect(value).toBe(42);
    const error = await inTab(
      tab,
      () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late failure')), 9_000)),
    ).then(
      () => '',
      (e: unknown) => String(e),
    );
    expect(error).toContain('late failure');
    expect(await inTab(tab, () => null)).toBe(null);
  });
});
