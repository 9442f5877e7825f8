import { LitElement, css, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { THREAT_LEVELS, type ThreatLevel } from '../core/entity/component-types';
import type { EntityView } from '../node/node-api';
import { emit } from './events';
import { controls } from './theme';
import { filterTracks, NO_FILTER, type TrackFilter } from './track-filter';
import './track-row';

/** Rows rendered at most: beyond this the operator narrows the filter (keeps a frame under budget). */
export const MAX_ROWS = 200;

/**
 * Every entity with its components, most threatening first, with a filter on id/label, minimum
 * threat and conflicts.
 *
 * @fires entity-select - the operator picked a track (`detail.id`)
 */
export class TrackList extends LitElement {
  static override properties = {
    entities: { attribute: false },
    selectedId: { attribute: false },
    filter: { state: true },
  };

  declare entities: readonly EntityView[];
  declare selectedId: string | null;
  declare filter: TrackFilter;

  constructor() {
    super();
    this.entities = [];
    this.selectedId = null;
    this.filter = NO_FILTER;
  }

  static override styles = [
    controls,
    css`
      :host {
        display: grid;
        gap: 8px;
        align-content: start;
        min-width: 0;
        /* Laid out by its own width: beside the map it is a narrow side panel whatever the screen. */
        container-type: inline-size;
      }
      .filters {
        display: grid;
        grid-template-columns: minmax(160px, 2fr) minmax(120px, 1fr) auto;
        gap: 8px;
        align-items: end;
      }
      .check {
        display: flex;
        align-items: center;
        gap: 8px;
        min-height: var(--lm-touch);
        padding: 0 8px;
        font-size: 15px;
        color: var(--lm-text);
        cursor: pointer;
      }
      .check input {
        width: 24px;
        min-height: 24px;
        height: 24px;
      }
      .count {
        font-size: 13px;
        color: var(--lm-muted);
        display: flex;
        justify-content: space-between;
        gap: 8px;
      }
      [role='listbox'] {
        display: grid;
        gap: 6px;
      }
      lm-track-row {
        cursor: pointer;
        border-radius: 8px;
      }
      .empty {
        padding: 24px;
        text-align: center;
        color: var(--lm-muted);
        border: 1px dashed var(--lm-border);
        border-radius: 8px;
      }
      @container (max-width: 560px) {
        .filters {
          grid-template-columns: 1fr 1fr;
        }
        .filters label:first-child {
          grid-column: 1 / -1;
        }
      }
    `,
  ];

  protected override render(): unknown {
    const { shown, matched } = filterTracks(this.entities, this.filter, MAX_ROWS);
    const f = this.filter;
    return html`
      <div class="filters" role="search">
        <label
          >Filter
          <input
            type="search"
            data-testid="filter-text"
            placeholder="id or label"
            .value=${f.text}
            @input=${(e: Event) => this.setFilter({ text: (e.target as HTMLInputElement).value })}
        /></label>
        <label
          >Minimum threat
          <select
            data-testid="filter-threat"
            @change=${(e: Event) => this.setFilter({ minThreat: (e.target as HTMLSelectElement).value as ThreatLevel | '' })}
          >
            <option value="" ?selected=${f.minThreat === ''}>any</option>
            ${THREAT_LEVELS.map((t) => html`<option value=${t} ?selected=${f.minThreat === t}>${t}</option>`)}
          </select></label
        >
        <label class="check"
          ><input
            type="checkbox"
            data-testid="filter-conflicted"
            .checked=${f.conflictedOnly}
            @change=${(e: Event) => this.setFilter({ conflictedOnly: (e.target as HTMLInputElement).checked })}
          />conflicts only</label
        >
      </div>
      <div class="count" data-testid="track-count">
        <span>${matched} of ${this.entities.length} tracks</span>
        ${matched > shown.length ? html`<span>showing the first ${shown.length}: narrow the filter</span>` : null}
        <span>times UTC</span>
      </div>
      ${
        shown.length === 0
          ? html`<div class="empty">
              ${this.entities.length === 0 ? 'No tracks in the picture yet.' : 'No track matches the filter.'}
            </div>`
          : html`<div role="listbox" aria-label="Tracks" @click=${this.onClick} @keydown=${this.onKey}>
              ${repeat(
                shown,
                (v) => v.id,
                (v) =>
                  html`<lm-track-row
                    role="option"
                    tabindex="0"
                    data-testid="track-row"
                    data-entity-id=${v.id}
                    aria-selected=${v.id === this.selectedId ? 'true' : 'false'}
                    .entity=${v}
                    .selected=${v.id === this.selectedId}
                  ></lm-track-row>`,
              )}
            </div>`
      }
    `;
  }

  private setFilter(change: Partial<TrackFilter>): void {
    this.filter = { ...this.filter, ...change };
  }

  private rowOf(e: Event): string | undefined {
    const row = e
      .composedPath()
      .find((n): n is HTMLElement => n instanceof HTMLElement && n.localName === 'lm-track-row');
    return row?.dataset.entityId;
  }

  private onClick = (e: Event): void => {
    const id = this.rowOf(e);
    if (id !== undefined) emit(this, 'entity-select', { id });
  };

  private onKey = (e: KeyboardEvent): void => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    const id = this.rowOf(e);
    if (id === undefined) return;
    e.preventDefault();
    emit(this, 'entity-select', { id });
  };
}

if (!customElements.get('lm-track-list')) customElements.define('lm-track-list', TrackList);

declare global {
  interface HTMLElementTagNameMap {
    'lm-track-list': TrackList;
  }
}
