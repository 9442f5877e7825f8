import { LitElement, css, html } from 'lit';
import type { EntityView } from '../node/node-api';
import { clockTime, isoTime, labelOf, orderedKinds, shortId, summarize, threatOf } from './format';
import { controls, threatColours } from './theme';
import { standingTask, taskLine } from './approvals/standing-task';

/**
 * One track in the list: id, label, threat and every component with its value, author and clock.
 * A row re-renders only when its EntityView object changes, so a batch touching ten tracks out of
 * ten thousand re-renders ten rows.
 */
export class TrackRow extends LitElement {
  static override properties = {
    entity: { attribute: false },
    selected: { type: Boolean, reflect: true },
  };

  declare entity: EntityView | undefined;
  declare selected: boolean;

  constructor() {
    super();
    this.selected = false;
  }

  static override styles = [
    controls,
    threatColours,
    css`
      :host {
        display: block;
      }
      .row {
        display: grid;
        gap: 6px;
        box-sizing: border-box;
        width: 100%;
        padding: 8px 12px;
        border: 1px solid var(--lm-border);
        border-left: 6px solid var(--threat, var(--lm-border));
        border-radius: 8px;
        background: var(--lm-panel);
      }
      :host([selected]) .row {
        background: var(--lm-selected-bg);
        border-color: var(--lm-accent);
        border-left-color: var(--threat, var(--lm-accent));
      }
      .head {
        display: flex;
        align-items: center;
        gap: 8px;
        flex-wrap: wrap;
      }
      .id {
        font-family: var(--lm-mono);
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .badge {
        font-size: 12px;
        font-weight: 700;
        padding: 2px 8px;
        border-radius: 999px;
        border: 1px solid currentColor;
      }
      .threat {
        color: var(--threat);
      }
      .conflict {
        color: var(--lm-warn);
      }
      .task {
        color: var(--lm-accent);
      }
      .comps {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(230px, 1fr));
        gap: 6px 16px;
        font-size: 14px;
      }
      .comp {
        min-width: 0;
      }
      .line {
        display: flex;
        justify-content: space-between;
        align-items: baseline;
        gap: 8px;
        font-size: 12px;
        color: var(--lm-muted);
      }
      .kind {
        text-transform: uppercase;
        letter-spacing: 0.04em;
      }
      .comp[data-conflict] .kind {
        color: var(--lm-warn);
        font-weight: 700;
      }
      .stamp {
        font-family: var(--lm-mono);
        white-space: nowrap;
      }
      .value {
        overflow-wrap: anywhere;
      }
    `,
  ];

  protected override render(): unknown {
    const v = this.entity;
    if (v === undefined) return null;
    const threat = threatOf(v);
    const label = labelOf(v);
    const task = standingTask(v);
    return html`<div class="row ${threat ? `threat-${threat}` : ''}">
      <div class="head">
        <span class="id" data-testid="track-id">${v.id}</span>
        ${label ? html`<span>${label}</span>` : null}
        ${threat ? html`<span class="badge threat" data-testid="track-threat">${threat}</span>` : null}
        ${task ? html`<span class="badge task" data-testid="track-task">⚑ ${task.task} · ${task.status}</span>` : null}
        ${
          v.conflicts.length > 0
            ? html`<span class="badge conflict" title="Conflicting writes: ${v.conflicts.join(', ')}">⚠ conflict</span>`
            : null
        }
      </div>
      <div class="comps">${orderedKinds(v).map((kind) => this.component(v, kind))}</div>
    </div>`;
  }

  private component(v: EntityView, kind: string): unknown {
    const meta = v.meta[kind];
    const conflict = v.conflicts.includes(kind);
    return html`<div class="comp" data-testid="component" data-kind=${kind} ?data-conflict=${conflict}>
      <div class="line">
        <span class="kind"
          >${
            conflict
              ? html`<span data-testid="conflict-marker" title="${meta?.heads ?? 2} concurrent heads">⚠ </span>`
              : null
          }${kind}</span
        >
        ${
          meta
            ? html`<span class="stamp"
                >${
                  meta.derived
                    ? html`<span
                        data-testid="derived"
                        title="derived by ${meta.derived.by} from versions by ${meta.derived.authors.join(', ')}; not written"
                        >${meta.derived.by}</span
                      >`
                    : html`<span data-testid="author" title=${meta.author}>${shortId(meta.author)}</span>`
                }
                <time
                  data-testid="clock"
                  datetime=${isoTime(meta.time)}
                  title="${isoTime(meta.time)} · version ${meta.version}"
                  >${clockTime(meta.time)}</time
                ></span
              >`
            : null
        }
      </div>
      <div class="value">${kind === 'task' ? taskLine(v) : summarize(kind, v.components[kind]!)}</div>
    </div>`;
  }
}

if (!customElements.get('lm-track-row')) customElements.define('lm-track-row', TrackRow);

declare global {
  interface HTMLElementTagNameMap {
    'lm-track-row': TrackRow;
  }
}
