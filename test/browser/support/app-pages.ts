import { executeServerCommand } from '@web/test-runner-commands';
import './deep-query';

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
  const wrapped = (await executeServerCommand('app-eval', { page: tab.page, fn: fn.toString(), args })) as { value: R };
  return wrapped.value;
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
