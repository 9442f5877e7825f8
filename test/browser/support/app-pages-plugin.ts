import type { TestRunnerPlugin } from '@web/test-runner';
import type { ChromeLauncher } from '@web/test-runner-chrome';
import type { BrowserContext, Page } from 'puppeteer-core';
import { DEEP_QUERY_SCRIPT } from './deep-query';

/**
 * A WTR plugin that lets a browser test drive real app tabs served by the real server: open a tab
 * (in the test's own browser context, or in a fresh one = another device), evaluate in it, reload
 * it, close it. Test code calls these through executeServerCommand (see app-pages.ts).
 */
export function appPagesPlugin(appUrl: () => string): TestRunnerPlugin {
  const pages = new Map<string, Page>();
  const contexts = new Map<string, BrowserContext>();
  let nextId = 0;
  // The runner gives a server command 20 s to answer (its browser side rejects after that), and
  // opening the twentieth tab of a busy mesh on 2 cores can take longer. So every command runs as
  // a job: it answers with the result if it ends within JOB_SLICE_MS, else with the job's id, and
  // the test side asks again (`app-job`) until it ends. A command is never run twice.
  const jobs = new Map<string, Promise<unknown>>();
  let nextJob = 0;
  // Every tab opened, listed or not yet, and how many times all were closed: an app-open still
  // running when its test gave up and closed every tab closes its own tab when it ends, so no tab
  // of an earlier test keeps a mesh busy under the next one.
  const opened = new Set<Page>();
  let closings = 0;
  const answer = async (job: string, work: Promise<unknown>): Promise<Answer> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slice = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), JOB_SLICE_MS)));
    const settled = work.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const first = await Promise.race([settled, slice]);
    clearTimeout(timer);
    if (first === 'pending') {
      jobs.set(job, work);
      return { done: false, job };
    }
    jobs.delete(job);
    if ('error' in first) throw first.error;
    return { done: true, value: first.value ?? null };
  };

  return {
    name: 'app-pages',
    async executeCommand({ command, payload, session }) {
      if (!command.startsWith('app-')) return undefined;
      if (command === 'app-job') {
        const job = String((payload as { job?: unknown } | undefined)?.job);
        const work = jobs.get(job);
        if (work === undefined) throw new Error(`no pending app command ${job}`);
        return await answer(job, work);
      }
      return await answer(`job${(nextJob++).toString()}`, run(command, payload, session));
    },
  };

  async function run(
    command: string,
    payload: unknown,
    session: Parameters<NonNullable<TestRunnerPlugin['executeCommand']>>[0]['session'],
  ): Promise<unknown> {
    const launcher = session.browser as ChromeLauncher;
    const p = (payload ?? {}) as Record<string, unknown>;
    const page = (): Page => {
      const found = pages.get(String(p.page));
      if (found === undefined) throw new Error(`no app page ${String(p.page)}`);
      return found;
    };
    switch (command) {
      case 'app-new-context': {
        const testPage = launcher.getPage(session.id);
        const context = await testPage.browser().createBrowserContext();
        const id = `ctx${nextId++}`;
        contexts.set(id, context);
        return id;
      }
      case 'app-open': {
        const context =
          p.context === undefined ? launcher.getPage(session.id).browserContext() : contexts.get(String(p.context));
        if (context === undefined) throw new Error(`no browser context ${String(p.context)}`);
        const round = closings;
        const tab = await context.newPage();
        opened.add(tab);
        tab.once('close', () => opened.delete(tab));
        tab.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warn') console.log(`[app tab] ${m.type()}: ${m.text()}`);
        });
        tab.on('pageerror', (e) => console.log(`[app tab] page error: ${String(e)}`));
        // window.deepQuery / deepQueryAll for the tests' inTab closures, in every document the tab loads.
        await tab.evaluateOnNewDocument(DEEP_QUERY_SCRIPT);
        const query = typeof p.query === 'string' ? p.query : '';
        await tab.goto(`${appUrl()}${query}`, { waitUntil: 'load' });
        const nodeId = await tab.evaluate(async () => (await window.lattice.ready).nodeId);
        if (round !== closings) {
          await tab.close().catch(() => undefined);
          throw new Error('every tab was closed while this one opened');
        }
        const id = `tab${nextId++}`;
        pages.set(id, tab);
        return { page: id, nodeId };
      }
      case 'app-eval': {
        // The function arrives as source text and runs inside the app tab.
        const fn = String(p.fn);
        const result: unknown = await page().evaluate(
          async (source: string, args: unknown) => {
            const f = new Function(`return (${source})`)() as (...a: unknown[]) => unknown;
            return await f(args);
          },
          fn,
          p.args ?? null,
        );
        return result;
      }
      case 'app-eval-navigates': {
        // Like app-eval, for a call that makes the page navigate (join() opens the invitation link):
        // waits for the new page's node and answers with its address and node id.
        const tab = page();
        const navigated = tab.waitForNavigation({ waitUntil: 'load' });
        navigated.catch(() => undefined);
        await tab
          .evaluate(
            async (source: string, args: unknown) => {
              const f = new Function(`return (${source})`)() as (...a: unknown[]) => unknown;
              await f(args);
            },
            String(p.fn),
            p.args ?? null,
          )
          .catch((error: unknown) => {
            // The navigation may tear the old document down before the call returns.
            if (!/context was destroyed|navigat/i.test(String(error))) throw error;
          });
        await navigated;
        const nodeId = await tab.evaluate(async () => (await window.lattice.ready).nodeId);
        return { url: tab.url(), nodeId };
      }
      case 'app-reload': {
        const tab = page();
        await tab.reload({ waitUntil: 'load' });
        return await tab.evaluate(async () => (await window.lattice.ready).nodeId);
      }
      case 'app-close': {
        const tab = page();
        pages.delete(String(p.page));
        await tab.close({ runBeforeUnload: false });
        return true;
      }
      case 'app-crash': {
        // Kill the renderer: the harshest way a tab can die mid-write.
        const tab = page();
        pages.delete(String(p.page));
        await tab.goto('chrome://crash').catch(() => undefined);
        await tab.close().catch(() => undefined);
        return true;
      }
      case 'app-offline': {
        // Cuts the tab off the network as if the server were gone (the service worker still answers).
        await page().setOfflineMode(Boolean(p.offline));
        return true;
      }
      case 'app-press': {
        // A real key press (CDP input), delivered to whatever has focus in the tab, with any
        // modifiers held down around it (Shift+Tab).
        type Key = Parameters<Page['keyboard']['press']>[0];
        const keyboard = page().keyboard;
        const modifiers = Array.isArray(p.modifiers) ? (p.modifiers as Key[]) : [];
        for (const m of modifiers) await keyboard.down(m);
        await keyboard.press(String(p.key) as Key);
        for (const m of [...modifiers].reverse()) await keyboard.up(m);
        return true;
      }
      case 'app-screenshot': {
        await page().screenshot({ path: String(p.path) as `${string}.png`, fullPage: true });
        return true;
      }
      case 'app-close-all': {
        closings++;
        for (const tab of [...pages.values(), ...opened]) await tab.close().catch(() => undefined);
        pages.clear();
        opened.clear();
        jobs.clear();
        for (const context of contexts.values()) await context.close().catch(() => undefined);
        contexts.clear();
        return true;
      }
      default:
        throw new Error(`unknown app command ${command}`);
    }
  }
}

/** How long a command may run before its first answer says "still running": well inside the runner's 20 s. */
const JOB_SLICE_MS = 8000;

/** What every app command answers: its result, or the id of the job still running it. */
export type Answer = { readonly done: true; readonly value: unknown } | { readonly done: false; readonly job: string };
