import { LitElement, css, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { EntityView } from '../node/node-api';
import { emit } from './events';
import { controls } from './theme';
import { filterTracks, NO_FILTER, type TrackFilter } from './track-filter';
import { filterBar, filterBarStyles } from './track-filter-bar';
import './track-row';

/** Rows rendered at most: beyond this the operator narrows the filter (keeps a frame under budget). */
export const MAX_ROWS = 200;

/**
 * Every entity with its components, most threatening first, with a search on id/label and filter
 * chips (identity, threat, source, fused, age, conflicts).
 *
 * @fires entity-select - the operator picked a track (`detail.id`)
 */
export class TrackList extends LitElement {
  static override properties = {
    entities: { attribute: false },
    selectedId: { attribute: false },
    filter: { state: true },
    filtersOpen: { state: true },
  };

  declare entities: readonly EntityView[];
  declare selectedId: string | null;
  declare filter: TrackFilter;
  declare filtersOpen: boolean;

  constructor() {
    super();
    this.entities = [];
    this.selectedId = null;
    this.filter = NO_FILTER;
    this.filtersOpen = false;
  }

  static override styles = [
    controls,
    filterBarStyles,
    css`
      :host {
        display: grid;
        gap: 8px;
        align-content: start;
        min-width: 0;
        /* Laid out by its own width: beside the map it is a narrow side panel whatever the screen. */
        container-type: inline-size;
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
    `,
  ];

  protected override render(): unknown {
    const { shown, matched } = filterTracks(this.entities, this.filter, MAX_ROWS, Date.now());
    const f = this.filter;
    return html`
      ${filterBar(
        f,
        this.filtersOpen,
        () => (this.filtersOpen = !this.filtersOpen),
        (c) => this.setFilter(c),
      )}
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

  private setFilter(change: (current: TrackFilter) => Partial<TrackFilter>): void {
    this.filter = { ...this.filter, ...change(this.filter) };
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
