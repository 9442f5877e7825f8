import { LitElement, css, html } from 'lit';
import { DISPOSITIONS, SENSOR_TYPES, type Disposition, type SensorType } from '../core/entity/component-types';
import type { EntityView } from '../node/node-api';
import { clockTime, fieldOf, isoTime, labelOf, taskStatusText, threatOf } from './format';
import { controls, threatColours } from './theme';
import { standingTask } from './approvals/standing-task';
import { DISPOSITION_TEXT, SOURCE_TEXT } from './track-filter-bar';

/** A row's height in the list, its gap included (the list is virtualised on it: track-list.ts). */
export const ROW_HEIGHT = 64;
/** The gap under each row's card, inside ROW_HEIGHT. */
const ROW_GAP = 6;

/** Where the track is, short (the inspector gives it in the operator's coordinate format). */
function where(v: EntityView): string {
  const p = v.components.position as { lat?: unknown; lon?: unknown } | undefined;
  return typeof p?.lat === 'number' && typeof p.lon === 'number' ? `${p.lat.toFixed(4)}, ${p.lon.toFixed(4)}` : '';
}

/**
 * One track in the list, one fixed-height card of two lines: id, label, threat, standing task and
 * conflict; then identity, source, position, when it was last written and whether it is stale. Each
 * component with its author and clock is the inspector's (entity-inspector.ts): a row of fixed
 * height is what lets the list draw only the rows in view among thousands.
 */
export class TrackRow extends LitElement {
  static override properties = {
    entity: { attribute: false },
    selected: { type: Boolean, reflect: true },
    stale: { type: Boolean },
  };

  declare entity: EntityView | undefined;
  declare selected: boolean;
  declare stale: boolean;

  constructor() {
    super();
    this.selected = false;
    this.stale = false;
  }

  static override styles = [
    controls,
    threatColours,
    css`
      :host {
        display: block;
        box-sizing: border-box;
        height: ${ROW_HEIGHT}px;
        padding-bottom: ${ROW_GAP}px;
      }
      .row {
        display: grid;
        align-content: center;
        gap: 2px;
        box-sizing: border-box;
        height: 100%;
        padding: 0 12px;
        border: 1px solid var(--lm-border);
        border-left: 6px solid var(--threat, var(--lm-border));
        border-radius: 8px;
        background: var(--lm-panel);
        overflow: hidden;
      }
      :host([selected]) .row {
        background: var(--lm-selected-bg);
        border-color: var(--lm-accent);
        border-left-color: var(--threat, var(--lm-accent));
      }
      .line {
        display: flex;
        align-items: center;
        gap: 8px;
        min-width: 0;
        white-space: nowrap;
      }
      .cut {
        overflow: hidden;
        text-overflow: ellipsis;
        min-width: 0;
      }
      .id {
        font-family: var(--lm-mono);
        font-weight: 600;
        flex: 0 1 auto;
        /* A HIGH track with a task carries two badges: its id stays readable (about 14 characters). */
        min-width: 14ch;
      }
      .label {
        flex: 1 1 auto;
      }
      .badge {
        flex: none;
        font-size: 12px;
        font-weight: 700;
        padding: 0 8px;
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
        /* The row names the task's status (the flag says it is a task); kind and status are in its
           title and accessible name. It gives way before the id does. */
        flex: 0 1 auto;
        overflow: hidden;
        text-overflow: ellipsis;
        min-width: 8ch;
      }
      .facts {
        font-size: 13px;
        color: var(--lm-muted);
      }
      .facts > * {
        flex: none;
      }
      .facts .where {
        flex: 0 1 auto;
        font-family: var(--lm-mono);
      }
      time {
        font-family: var(--lm-mono);
        margin-left: auto;
      }
      .stale {
        color: var(--lm-warn);
        font-weight: 600;
      }
    `,
  ];

  protected override render(): unknown {
    const v = this.entity;
    if (v === undefined) return null;
    const threat = threatOf(v);
    const label = labelOf(v);
    const task = standingTask(v);
    const disposition = fieldOf<Disposition>(v, 'classification', 'disposition', DISPOSITIONS);
    const sensor = fieldOf<SensorType>(v, 'source', 'sensorType', SENSOR_TYPES);
    const fused = v.components.fusion !== undefined;
    return html`<div class="row ${threat ? `threat-${threat}` : ''}">
      <div class="line">
        <span class="id cut" data-testid="track-id">${v.id}</span>
        <span class="label cut" data-testid="track-label">${label}</span>
        ${threat ? html`<span class="badge threat" data-testid="track-threat">${threat}</span>` : null}
        ${
          task
            ? html`<span
                class="badge task"
                data-testid="track-task"
                title="${task.task} task: ${taskStatusText(task.status)}"
                aria-label="${task.task} task: ${taskStatusText(task.status)}"
                >⚑ ${taskStatusText(task.status)}</span
              >`
            : null
        }
        ${
          v.conflicts.length > 0
            ? html`<span
                class="badge conflict"
                data-testid="track-conflict"
                data-kinds=${v.conflicts.join(' ')}
                title="Conflicting writes: ${v.conflicts.join(', ')}"
                >⚠ conflict</span
              >`
            : null
        }
      </div>
      <div class="line facts">
        ${disposition ? html`<span data-testid="track-identity">${DISPOSITION_TEXT[disposition]}</span>` : null}
        ${fused ? html`<span data-testid="track-source">Fused</span><span data-testid="track-fusion">${fusionText(v)}</span>` : null}
        ${!fused && sensor ? html`<span data-testid="track-source">${SOURCE_TEXT[sensor]}</span>` : null}
        <span class="where cut" data-testid="track-position">${where(v)}</span>
        ${this.stale ? html`<span class="stale" data-testid="track-stale">stale</span>` : null}
        <time data-testid="track-time" datetime=${isoTime(v.updatedAt)} title="last written ${isoTime(v.updatedAt)}"
          >${clockTime(v.updatedAt).slice(0, 8)}</time
        >
      </div>
    </div>`;
  }
}

/** A fused track's sources and the association's confidence, as the row shows them: "2 sources · 87 %". */
function fusionText(v: EntityView): string {
  const f = v.components.fusion as { sources?: unknown; confidence?: unknown } | undefined;
  const n = Array.isArray(f?.sources) ? f.sources.length : 0;
  const c =
    typeof f?.confidence === 'number' && Number.isFinite(f.confidence) ? ` · ${Math.round(f.confidence * 100)} %` : '';
  return `${n} source${n === 1 ? '' : 's'}${c}`;
}

if (!customElements.get('lm-track-row')) customElements.define('lm-track-row', TrackRow);

declare global {
  interface HTMLElementTagNameMap {
    'lm-track-row': TrackRow;
  }
}
