import { executeServerCommand as runnerCommand } from '@web/test-runner-commands';
import type { Answer } from './app-pages-plugin';
import './deep-query';

/**
 * Runs an app-pages command and waits for its end, however long it takes: the plugin answers
 * within a slice of the runner's 20 s limit, with the result or a job to ask about again.
 */
async function executeServerCommand(command: string, payload?: unknown): Promise<unknown> {
  // WTR reads a null/undefined answer as "command not handled", so every answer travels wrapped.
  let answer = (await runnerCommand(command, payload)) as Answer;
  while (!answer.done) answer = (await runnerCommand('app-job', { job: answer.job })) as Answer;
  return answer.value;
}

/** Test-side helpers for the app-pages plugin: drive real app tabs from a browser test. */

export interface AppTab {
  readonly page: string;
  readonly nodeId: string;
}

export function openTab(options: { query?: string; context?: string } = {}): Promise<AppTab> {
  return executeServerCommand('app-open', options) as Promise<AppTab>;
}

export function newContext(): Promise<string> {
  return executeServerCommand('app-new-context') as Promise<string>;
}

/** Runs `fn(args)` inside the tab. `fn` must be self-contained: it is sent as source text. */
export async function inTab<A, R>(tab: AppTab, fn: (args: A) => R | Promise<R>, args?: A): Promise<R> {
  return (await executeServerCommand('app-eval', { page: tab.page, fn: fn.toString(), args })) as R;
}

/**
 * Runs `fn(args)` inside the tab, a call that makes the page navigate (window.lattice.join), and
 * waits for the new page's node: its address and node id.
 */
export function navigateInTab<A>(
  tab: AppTab,
  fn: (args: A) => unknown,
  args?: A,
): Promise<{ url: string; nodeId: string }> {
  return executeServerCommand('app-eval-navigates', { page: tab.page, fn: fn.toString(), args }) as Promise<{
    url: string;
    nodeId: string;
  }>;
}

export function reloadTab(tab: AppTab): Promise<string> {
  return executeServerCommand('app-reload', { page: tab.page }) as Promise<string>;
}

export function closeTab(tab: AppTab): Promise<boolean> {
  return executeServerCommand('app-close', { page: tab.page }) as Promise<boolean>;
}

export function crashTab(tab: AppTab): Promise<boolean> {
  return executeServerCommand('app-crash', { page: tab.page }) as Promise<boolean>;
}

export function closeAllTabs(): Promise<boolean> {
  return executeServerCommand('app-close-all') as Promise<boolean>;
}

/** Presses a key in the tab as a keyboard does (trusted events, to the focused element). */
export function pressInTab(tab: AppTab, key: string, modifiers: readonly string[] = []): Promise<boolean> {
  return executeServerCommand('app-press', { page: tab.page, key, modifiers }) as Promise<boolean>;
}

export function screenshotTab(tab: AppTab, path: string): Promise<boolean> {
  return executeServerCommand('app-screenshot', { page: tab.page, path }) as Promise<boolean>;
}

export function setOffline(tab: AppTab, offline: boolean): Promise<boolean> {
  return executeServerCommand('app-offline', { page: tab.page, offline }) as Promise<boolean>;
}
