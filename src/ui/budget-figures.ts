import { html } from 'lit';
import type { BudgetStats } from '../node/node-api';

/**
 * One link's budget figures, summed over the classes (queue, coalesced, deferred, handed to
 * anti-entropy) or their worst (p99).
 */
export interface BudgetSummary {
  readonly queued: number;
  readonly sentBytesPerSecond: number;
  readonly coalesced: number;
  readonly deferred: number;
  readonly droppedToAntiEntropy: number;
  readonly latencyP99Ms: number;
}

export function summarise(stats: BudgetStats): BudgetSummary {
  let queued = 0;
  let coalesced = 0;
  let deferred = 0;
  let droppedToAntiEntropy = 0;
  let latencyP99Ms = 0;
  for (const c of Object.values(stats.classes)) {
    queued += c.queued;
    coalesced += c.coalesced;
    deferred += c.deferred;
    droppedToAntiEntropy += c.droppedToAntiEntropy;
    latencyP99Ms = Math.max(latencyP99Ms, c.latencyP99Ms);
  }
  return {
    queued,
    sentBytesPerSecond: stats.sentBytesPerSecond,
    coalesced,
    deferred,
    droppedToAntiEntropy,
    latencyP99Ms,
  };
}

/** The figures as `<dt>/<dd>` pairs for the peers panel's grid (`data-budget` names each for tests). */
export function budgetFigures(s: BudgetSummary): unknown {
  const cells: [string, string, string][] = [
    ['queued', 'Queue', String(s.queued)],
    ['sent', 'Sent/s', `${Math.round(s.sentBytesPerSecond)} B`],
    ['coalesced', 'Coalesced', String(s.coalesced)],
    ['deferred', 'Deferred', String(s.deferred)],
    ['anti-entropy', 'To anti-entropy', String(s.droppedToAntiEntropy)],
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

type ClassFigures = BudgetStats['classes'][keyof BudgetStats['classes']];

/** The per-class columns: `data-col` names each for tests. */
const COLUMNS: readonly { col: string; label: string; value: (c: ClassFigures) => string }[] = [
  { col: 'queued', label: 'Queue', value: (c) => String(c.queued) },
  { col: 'sent', label: 'Sent B/s', value: (c) => String(Math.round(c.sentBytesPerSecond)) },
  { col: 'coalesced', label: 'Coalesced', value: (c) => String(c.coalesced) },
  { col: 'deferred', label: 'Deferred', value: (c) => String(c.deferred) },
  { col: 'anti-entropy', label: 'To AE', value: (c) => String(c.droppedToAntiEntropy) },
  { col: 'p99', label: 'p99 ms', value: (c) => String(Math.round(c.latencyP99Ms)) },
];

/**
 * A link's figures per priority class (issue 9: queue depth, bytes/s sent, coalesced, deferred,
 * dropped to anti-entropy, queue-to-wire p99), one row a class, most urgent first, in a
 * `<details>` the operator opens; the table scrolls sideways on a phone rather than squeezing.
 */
export function classTable(stats: BudgetStats): unknown {
  return html`<details data-testid="link-classes">
    <summary>Per class</summary>
    <div class="classes">
      <table>
        <thead>
          <tr>
            <th scope="col">Class</th>
            ${COLUMNS.map((c) => html`<th scope="col" title=${c.col === 'anti-entropy' ? 'dropped to anti-entropy' : ''}>${c.label}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${Object.entries(stats.classes).map(
            ([cls, c]) =>
              html`<tr data-class=${cls}>
                <th scope="row">${cls}</th>
                ${COLUMNS.map((col) => html`<td data-col=${col.col}>${col.value(c)}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </details>`;
}
