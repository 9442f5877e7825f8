import { LitElement, css, html } from 'lit';
import type { ApprovalView, TaskView } from '../../node/approval-views';
import { isoTime, taskStatusText } from '../format';
import { controls } from '../theme';
import { taskFor } from './approval-queue';
import { decidedText, stateWord } from './approval-text';

/**
 * Recent decisions, latest first: the track, the outcome, who decided on which node and when, the
 * task an approval assigned, and a conflict (approve and deny at once) marked as such.
 */
export class ApprovalHistory extends LitElement {
  static override properties = {
    decisions: { attribute: false },
    tasks: { attribute: false },
  };

  declare decisions: readonly ApprovalView[];
  declare tasks: readonly TaskView[];

  constructor() {
    super();
    this.decisions = [];
    this.tasks = [];
  }

  static override styles = [
    controls,
    css`
      :host {
        display: block;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 6px;
      }
      li {
        display: grid;
        gap: 2px;
        padding: 6px 10px;
        border: 1px solid var(--lm-border);
        border-left: 6px solid var(--state);
        border-radius: 8px;
        font-size: 14px;
      }
      .head {
        display: flex;
        gap: 8px;
        align-items: baseline;
        flex-wrap: wrap;
      }
      .track {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .badge {
        font-size: 12px;
        font-weight: 700;
        padding: 1px 8px;
        border-radius: 999px;
        border: 1px solid currentColor;
        color: var(--state);
      }
      .conflict {
        color: var(--lm-warn);
      }
      .who {
        font-size: 12px;
        color: var(--lm-muted);
        font-family: var(--lm-mono);
        overflow-wrap: anywhere;
      }
      .approved {
        --state: var(--lm-ok);
      }
      .denied,
      .timed_out {
        --state: var(--lm-danger);
      }
      .cancelled,
      .pending {
        --state: var(--lm-muted);
      }
    `,
  ];

  protected override render(): unknown {
    if (this.decisions.length === 0) return null;
    return html`<ol>
      ${this.decisions.map((v) => {
        const task = v.state === 'approved' ? taskFor(this.tasks, v) : undefined;
        return html`<li
          class=${v.state}
          data-testid="approval-decision"
          data-entity=${v.entityId}
          data-request=${v.requestId}
          data-state=${v.state}
        >
          <div class="head">
            <span class="track">${v.label ?? v.entityId}</span>
            <span class="badge" data-testid="decision-state">${stateWord(v.state)}</span>
            ${
              v.conflict
                ? html`<span
                    class="badge conflict"
                    data-testid="decision-conflict"
                    title="Approve and deny were recorded concurrently; the safer decision stands"
                    >⚠ conflict</span
                  >`
                : null
            }
            ${task ? html`<span class="badge" data-testid="decision-task">${task.task} · ${taskStatusText(task.status)}</span>` : null}
          </div>
          <span class="who" data-testid="decided-by" title=${v.decidedAt === undefined ? '' : isoTime(v.decidedAt)}
            >${v.label ? `${v.entityId} · ` : ''}${decidedText(v)}</span
          >
        </li>`;
      })}
    </ol>`;
  }
}

if (!customElements.get('lm-approval-history')) customElements.define('lm-approval-history', ApprovalHistory);

declare global {
  interface HTMLElementTagNameMap {
    'lm-approval-history': ApprovalHistory;
  }
}
