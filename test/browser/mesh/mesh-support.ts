import { inTab, openTab, type AppTab } from '../support/app-pages';

/** Mocha globals (WTR runs mocha; the suites use `function` to reach `this.timeout`). */
export interface MochaContext {
  timeout(ms: number): void;
}

/** A fresh lattice per test: nodes of earlier tests (same browser) never join in. */
export function uniqueLattice(prefix: string): string {
  return `${prefix}${Math.floor(Math.random() * 1e9).toString(36)}`;
}

export async function openNodes(count: number, query: string, context?: string): Promise<AppTab[]> {
  const tabs: AppTab[] = [];
  for (let i = 0; i < count; i++) tabs.push(await openTab({ query, ...(context === undefined ? {} : { context }) }));
  return tabs;
}

/**
 * Polls `check(args)` inside the tab until it returns true; throws naming `what` (and the tab's
 * links) after `timeoutMs`. `check` is sent as source text, so it must be self-contained.
 */
export async function waitInTab<A>(
  tab: AppTab,
  what: string,
  check: (args: A) => boolean | Promise<boolean>,
  args: A,
  timeoutMs = 20_000,
): Promise<void> {
  // One tab call may not outlast the runner's 20 s command timeout: poll in slices.
  const deadline = Date.now() + timeoutMs;
  let ok = false;
  while (!ok && Date.now() < deadline) ok = await pollSlice(tab, check, args, Math.min(8000, deadline - Date.now()));
  if (!ok) {
    const peers = await inTab(tab, () => window.lattice.peers()).catch((e: unknown) => String(e));
    throw new Error(
      `${tab.page} (${tab.nodeId.slice(0, 8)}): timed out waiting for ${what}; peers: ${JSON.stringify(peers)}`,
    );
  }
}

function pollSlice<A>(
  tab: AppTab,
  check: (args: A) => boolean | Promise<boolean>,
  args: A,
  timeoutMs: number,
): Promise<boolean> {
  return inTab(
    tab,
    async ({ source, args: a, timeoutMs: t }: { source: string; args: A; timeoutMs: number }) => {
      const f = new Function(`return (${source})`)() as (x: A) => boolean | Promise<boolean>;
      const end = Date.now() + t;
      while (Date.now() < end) {
        try {
          if (await f(a)) return true;
        } catch {
          // Not there yet (e.g. the mesh still starting).
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    },
    { source: check.toString(), args, timeoutMs },
  );
}

/** Waits until the tab has a connected, synced link to each of `peers`. */
export function waitLinked(tab: AppTab, peers: readonly AppTab[], timeoutMs = 20_000): Promise<void> {
  return waitInTab(
    tab,
    `synced links to ${peers.map((p) => p.nodeId.slice(0, 8)).join(', ')}`,
    async (ids: string[]) => {
      const links = await window.lattice.peers();
      return ids.every((id) => links.some((l) => l.id === id && l.state === 'connected' && l.syncState === 'synced'));
    },
    peers.map((p) => p.nodeId),
    timeoutMs,
  );
}

/** Waits until every pair of `tabs` is linked (a full mesh). */
export async function waitFullMesh(tabs: readonly AppTab[], timeoutMs = 20_000): Promise<void> {
  for (const tab of tabs)
    await waitLinked(
      tab,
      tabs.filter((t) => t !== tab),
      timeoutMs,
    );
}

/** The whole picture of a tab, canonical: ids, values, conflicts and (unless `light`) the heads of every component. */
export function snapshot(tab: AppTab, light = false): Promise<string> {
  return inTab(
    tab,
    async (lightweight: boolean) => {
      const views = await window.lattice.list();
      views.sort((a, b) => (a.id < b.id ? -1 : 1));
      const out = [];
      for (const v of views) {
        const kinds = Object.keys(v.components).sort();
        const heads: Record<string, unknown> = {};
        if (!lightweight) {
          for (const k of kinds) heads[k] = (await window.lattice.heads(v.id, k)).map((h) => [h.version, h.value]);
        }
        out.push({
          id: v.id,
          components: kinds.map((k) => [k, v.components[k]]),
          conflicts: [...v.conflicts].sort(),
          heads,
        });
      }
      return JSON.stringify(out);
    },
    light,
  );
}

/** Waits until all tabs hold the same picture; returns it. */
export async function waitConverged(tabs: readonly AppTab[], timeoutMs = 30_000, light = false): Promise<string> {
  const end = Date.now() + timeoutMs;
  let snaps: string[] = [];
  while (Date.now() < end) {
    snaps = await Promise.all(tabs.map((t) => snapshot(t, light)));
    if (snaps.every((s) => s === snaps[0])) return snaps[0]!;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no convergence in ${timeoutMs} ms:\n${snaps.map((s) => s.slice(0, 600)).join('\n')}`);
}
