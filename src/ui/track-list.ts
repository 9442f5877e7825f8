import { LitElement, css, html, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { EntityView } from '../node/node-api';
import { emit } from './events';
import { controls } from './theme';
import { NO_FILTER, orderTracks, rowStale, type ListedRows, type TrackFilter } from './track-filter';
import { filterBar, filterBarStyles } from './track-filter-bar';
import { ROW_HEIGHT } from './track-row';
import './track-row';

/** Rows drawn beyond each edge of the view, so a scroll shows drawn rows before the next render. */
export const OVERSCAN = 4;
/** The view's height before it was measured (a first render draws about this many rows). */
const FIRST_VIEW_PX = 640;

/** What the list reads: the picture's columns and base views (ListedRows), and a view for each row drawn. */
export interface ListedPicture extends ListedRows {
  slotOf(id: string): number;
  get(id: string): EntityView | undefined;
}

/**
 * Every entity, most threatening first, with a search on id/label and filter chips (identity,
 * threat, source, fused, age, conflicts). The order is worked out over the picture's columns
 * (track-filter.ts `orderTracks`, no view made) when `revision` or the filter changes; only the rows
 * in the scrolled view, and OVERSCAN more each side, are in the DOM, each at a fixed ROW_HEIGHT, and
 * only those read their views (docs/ui.md "The track list" and "Frame time").
 *
 * @fires entity-select - the operator picked a track (`detail.id`)
 */
export class TrackList extends LitElement {
  static override properties = {
    picture: { attribute: false },
    revision: { attribute: false },
    selectedId: { attribute: false },
    filter: { state: true },
    filtersOpen: { state: true },
    top: { state: true },
    viewHeight: { state: true },
    activeId: { state: true },
  };

  declare picture: ListedPicture | undefined;
  /** The picture's revision the list shows (the shell bumps it at most 4 times a second). */
  declare revision: number;
  declare selectedId: string | null;
  declare filter: TrackFilter;
  declare filtersOpen: boolean;
  /** The scroll container's scrollTop and height, as last seen. */
  declare top: number;
  declare viewHeight: number;
  /**
   * The row the keyboard is on (roving tabindex: the list is one tab stop, that row). It stays in
   * the DOM when scrolled or sorted out of the drawn rows, so a focused row never vanishes.
   */
  declare activeId: string | null;
  /** The filtered, ordered ids, from the last `revision` and filter. */
  private order: readonly string[] = [];
  private resize: ResizeObserver | undefined;
  /** The scroll container the observer watches (a new one comes after an empty list). */
  private observed: Element | undefined;

  constructor() {
    super();
    this.picture = undefined;
    this.revision = -1;
    this.selectedId = null;
    this.filter = NO_FILTER;
    this.filtersOpen = false;
    this.top = 0;
    this.viewHeight = FIRST_VIEW_PX;
    this.activeId = null;
  }

  /** The ids the filter lets through, in list order (for tests and the shell). */
  get orderedIds(): readonly string[] {
    return this.order;
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
      .view {
        /* The scroll container: at most about eight rows high, shorter when fewer match. */
        max-height: min(${8 * ROW_HEIGHT}px, 60vh);
        overflow-y: auto;
        border-radius: 8px;
      }
      [role='listbox'] {
        position: relative;
        margin: 0;
      }
      lm-track-row {
        position: absolute;
        left: 0;
        right: 0;
        top: 0;
        cursor: pointer;
        border-radius: 8px;
      }
      lm-track-row:focus-visible {
        outline: 3px solid var(--lm-accent);
        outline-offset: -3px;
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

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('picture') || changed.has('revision') || changed.has('filter')) {
      this.order = this.picture === undefined ? [] : orderTracks(this.picture, this.filter, Date.now());
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    const view = this.view();
    if (view !== null && view !== this.observed) {
      this.resize ??= new ResizeObserver(() => {
        const v = this.view();
        if (v !== null && v.clientHeight > 0) this.viewHeight = v.clientHeight;
      });
      if (this.observed !== undefined) this.resize.unobserve(this.observed);
      this.resize.observe(view);
      this.observed = view;
    }
    if (changed.has('filter') && view !== null && view.scrollTop > 0) {
      // A new filter shows its first rows.
      view.scrollTop = 0;
      this.top = 0;
    }
    if (changed.has('selectedId') && this.selectedId !== null) this.reveal(this.order.indexOf(this.selectedId));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.resize = undefined;
    this.observed = undefined;
  }

  protected override render(): unknown {
    const f = this.filter;
    const total = this.picture?.size ?? 0;
    const order = this.order;
    const matched = order.length;
    // The rows in view, and OVERSCAN more each side.
    const first = Math.max(0, Math.floor(this.top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(matched, Math.ceil((this.top + this.viewHeight) / ROW_HEIGHT) + OVERSCAN);
    const shown: number[] = [];
    for (let i = first; i < last; i++) shown.push(i);
    // The keyboard's row (else the selected one, else the first drawn) is the list's one tab stop.
    let active = this.activeId === null ? -1 : order.indexOf(this.activeId);
    if (active < 0 && this.selectedId !== null) active = order.indexOf(this.selectedId);
    if (active < 0) active = first;
    if (active < first) shown.unshift(active);
    else if (active >= last && active < matched) shown.push(active);
    const picture = this.picture;
    const now = Date.now();
    return html`
      ${filterBar(
        f,
        this.filtersOpen,
        () => (this.filtersOpen = !this.filtersOpen),
        (c) => this.setFilter(c),
      )}
      <div class="count" data-testid="track-count">
        <span>${matched} of ${total} tracks</span>
        <span>times UTC</span>
      </div>
      ${
        matched === 0 || picture === undefined
          ? html`<div class="empty">
              ${total === 0 ? 'No tracks in the picture yet.' : 'No track matches the filter.'}
            </div>`
          : html`<div class="view" data-testid="track-view" @scroll=${this.onScroll}>
              <div
                role="listbox"
                aria-label="Tracks"
                style="height: ${matched * ROW_HEIGHT}px"
                @click=${this.onClick}
                @keydown=${this.onKey}
                @focusin=${this.onFocus}
              >
                ${repeat(
                  shown,
                  (i) => order[i]!,
                  (i) => {
                    const id = order[i]!;
                    const slot = picture.slotOf(id);
                    return html`<lm-track-row
                      role="option"
                      tabindex=${i === active ? '0' : '-1'}
                      data-testid="track-row"
                      data-entity-id=${id}
                      data-index=${i}
                      aria-setsize=${matched}
                      aria-posinset=${i + 1}
                      aria-selected=${id === this.selectedId ? 'true' : 'false'}
                      style="transform: translateY(${i * ROW_HEIGHT}px)"
                      .entity=${slot < 0 ? undefined : picture.get(id)}
                      .stale=${slot >= 0 && rowStale(picture.columns, slot, now)}
                      .selected=${id === this.selectedId}
                    ></lm-track-row>`;
                  },
                )}
              </div>
            </div>`
      }
    `;
  }

  private view(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>('.view');
  }

  /** Scrolls the row at `index` into the view when it is not (a selection from the map, the arrow keys). */
  private reveal(index: number): void {
    const view = this.view();
    if (view === null || index < 0) return;
    const rowTop = index * ROW_HEIGHT;
    const height = view.clientHeight || this.viewHeight;
    if (rowTop < view.scrollTop) view.scrollTop = rowTop;
    else if (rowTop + ROW_HEIGHT > view.scrollTop + height) view.scrollTop = rowTop + ROW_HEIGHT - height;
    this.top = view.scrollTop;
  }

  private onScroll = (e: Event): void => {
    this.top = (e.currentTarget as HTMLElement).scrollTop;
  };

  private setFilter(change: (current: TrackFilter) => Partial<TrackFilter>): void {
    this.filter = { ...this.filter, ...change(this.filter) };
  }

  private rowOf(e: Event): HTMLElement | undefined {
    return e.composedPath().find((n): n is HTMLElement => n instanceof HTMLElement && n.localName === 'lm-track-row');
  }

  private onFocus = (e: Event): void => {
    const id = this.rowOf(e)?.dataset.entityId;
    if (id !== undefined) this.activeId = id;
  };

  private onClick = (e: Event): void => {
    const id = this.rowOf(e)?.dataset.entityId;
    if (id !== undefined) emit(this, 'entity-select', { id });
  };

  /** Enter or Space picks the focused row; the arrows, Home and End move the focus, scrolling as they go. */
  private onKey = (e: KeyboardEvent): void => {
    const row = this.rowOf(e);
    if (row === undefined) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      const id = row.dataset.entityId;
      if (id !== undefined) emit(this, 'entity-select', { id });
      return;
    }
    const at = Number(row.dataset.index);
    const last = this.order.length - 1;
    const page = Math.max(1, Math.floor(this.viewHeight / ROW_HEIGHT) - 1);
    const to =
      e.key === 'ArrowDown'
        ? at + 1
        : e.key === 'ArrowUp'
          ? at - 1
          : e.key === 'PageDown'
            ? at + page
            : e.key === 'PageUp'
              ? at - page
              : e.key === 'Home'
                ? 0
                : e.key === 'End'
                  ? last
                  : undefined;
    if (to === undefined) return;
    e.preventDefault();
    void this.focusRow(Math.max(0, Math.min(last, to)));
  };

  private async focusRow(index: number): Promise<void> {
    this.activeId = this.order[index] ?? null;
    this.reveal(index);
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`lm-track-row[data-index="${index}"]`)?.focus({ preventScroll: true });
  }
}

if (!customElements.get('lm-track-list')) customElements.define('lm-track-list', TrackList);

declare global {
  interface HTMLElementTagNameMap {
    'lm-track-list': TrackList;
  }
}
