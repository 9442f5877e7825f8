import { html } from 'lit';
import type { BudgetStats } from '../node/node-api';

/** One link's budget figures, summed over the classes (queue, coalesced, deferred) or their worst (p99). */
export interface BudgetSummary {
  readonly queued: number;
  readonly sentBytesPerSecond: number;
  readonly coalesced: number;
  readonly deferred: number;
  readonly latencyP99Ms: number;
}

export function summarise(stats: BudgetStats): BudgetSummary {
  let queued = 0;
  let coalesced = 0;
  let deferred = 0;
  let latencyP99Ms = 0;
  for (const c of Object.values(stats.classes)) {
    queued += c.queued;
    coalesced += c.coalesced;
    deferred += c.deferred;
    latencyP99Ms = Math.max(latencyP99Ms, c.latencyP99Ms);
  }
  return { queued, sentBytesPerSecond: stats.sentBytesPerSecond, coalesced, deferred, latencyP99Ms };
}

/** The figures as `<dt>/<dd>` pairs for the peers panel's grid (`data-budget` names each for tests). */
export function budgetFigures(s: BudgetSummary): unknown {
  const cells: [string, string, string][] = [
    ['queued', 'Queue', String(s.queued)],
    ['sent', 'Sent/s', `${Math.round(s.sentBytesPerSecond)} B`],
    ['coalesced', 'Coalesced', String(s.coalesced)],
    ['deferred', 'Deferred', String(s.deferred)],
    ['p99', 'Wait p99', `${Math.round(s.latencyP99Ms)} ms`],
  ];
  return cells.map(
    ([key, label, value]) =>
      html`<div data-budget=${key}>
        <dt>${label}</dt>
        <dd>${value}</dd>
      </div>`,
  );
}
