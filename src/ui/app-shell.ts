import { LitElement, html, svg, type PropertyValues } from 'lit';
import type { MeshApi } from '../node/lattice-api';
import type { EntityView } from '../node/node-api';
import { shellStyles } from './app-shell-styles';
import { tabStops, trapTab } from './focus-trap';
import { errorText } from './error-text';
import { openBasemap, type Basemap } from './map/basemap';
import { loadStoredBasemap } from './map/basemap-store';
import type { EntityDeletedDetail, EntitySavedDetail, EntitySelectDetail } from './events';
import { shortId } from './format';
import './open-badge';
import './removed-banner';
import type { RosterClient } from './roster-panel';
import { shownId } from './shown-id';
import { NodeController } from './node-controller';
import { controls, palette } from './theme';
import { loadTheme, otherTheme, saveTheme, type Theme } from './theme-setting';
import type { UiClient } from './ui-client';
import './approvals/approval-overlay';
import './entity-form';
import './entity-inspector';
import './link-status';
import './map/lattice-map';
import './pairing-panel';
import './settings-panel';
import './simulator-panel';
import './peers-panel';
import './picture-transfer';
import './skew-banner';
import './storage-badge';
import './track-list';

/** The app's mark (public/icon.svg, simplified), inline so the header needs no request. */
/** The track list refreshes at most this often (4 Hz): see `listed()`. */
const LIST_REFRESH_MS = 250;

const mark = html`<svg viewBox="0 0 100 100" aria-hidden="true">
  <rect width="100" height="100" rx="20" fill="#16223b" />
  <g stroke="#38bdf8" stroke-width="5" stroke-linecap="round" fill="none">
    ${svg`<path d="M28 28H72V72H28ZM50 28V72M28 50H72M28 28L72 72M72 28L28 72" />`}
  </g>
  <g fill="#7dd3fc">${[28, 50, 72].flatMap((y) => [28, 50, 72].map((x) => svg`<circle cx=${x} cy=${y} r="7" />`))}</g>
  <circle cx="50" cy="50" r="10" fill="#fbbf24" />
</svg>`;

/**
 * The page: header (node, lattice, storage health), the tactical map as the main view, and a
 * side panel with the inspector of the selected entity, the track list, the form and the mesh panels. It owns the picture (kept by NodeController from the client's watch
 * feed) and the selection; the children only render what they are given.
 */
export class AppShell extends LitElement {
  static override properties = {
    client: { attribute: false },
    mesh: { attribute: false },
    roster: { attribute: false },
    selectedId: { state: true },
    pendingIds: { state: true },
    settingsOpen: { state: true },
    theme: { reflect: true },
    basemap: { state: true },
    basemapError: { state: true },
    readOnly: { state: true },
  };

  declare client: UiClient | undefined;
  /** The node's links and pairing (window.lattice); the panels stay hidden without it. */
  declare mesh: MeshApi | undefined;
  /** The lattice's roster and invitations (window.lattice): members in the peers panel, OPEN in the header. */
  declare roster: RosterClient | undefined;
  declare selectedId: string | null;
  /** Tracks with a pending approval, as the prompt's feed last read them (for the map's marker). */
  declare pendingIds: ReadonlySet<string>;
  declare settingsOpen: boolean;
  /** Day or night palette, reflected as an attribute the palette's CSS keys on; persisted. */
  declare theme: Theme;
  /** The offline basemap kept in this browser, opened; undefined when there is none. */
  declare basemap: Basemap | undefined;
  /** Why the stored basemap could not be opened (shown in the settings). */
  declare basemapError: string;
  /** Why this device is read-only (removed from its lattice: removed-banner.ts), or undefined. */
  declare readOnly: string | undefined;
  private readonly node = new NodeController(this);
  private listedAt: {
    revision: number;
    at: number;
    selectedId: string | null;
    selected: EntityView | undefined;
  } = { revision: -1, at: -Infinity, selectedId: null, selected: undefined };
  private listTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.selectedId = null;
    this.pendingIds = new Set();
    this.settingsOpen = false;
    this.addEventListener('settings-change', (e) => {
      if (e.detail.theme !== undefined) {
        this.theme = e.detail.theme;
        saveTheme(this.theme);
      }
      if (e.detail.basemap !== undefined) {
        this.basemap = e.detail.basemap ?? undefined;
        this.basemapError = '';
      }
      const inspector = this.renderRoot.querySelector('lm-entity-inspector');
      if (e.detail.coords !== undefined && inspector !== null) inspector.coords = e.detail.coords;
    });
    this.theme = loadTheme();
    this.basemap = undefined;
    this.basemapError = '';
    this.addEventListener('approvals-pending', (e) => {
      this.pendingIds = e.detail.ids;
    });
    this.addEventListener('standing-change', (e) => {
      this.readOnly = e.detail.readOnly;
    });
    this.addEventListener('entity-select', (e) => this.onSelect(e.detail));
    this.addEventListener('entity-saved', (e) => this.onSaved(e.detail));
    this.addEventListener('entity-deleted', (e) => this.onDeleted(e.detail));
    this.addEventListener('accept-clock', (e) => {
      this.client
        ?.acceptHeld(e.detail.author)
        .catch((error: unknown) => console.error('[lattice] accept clock', error));
    });
    this.addEventListener('set-skew-limit', (e) => {
      this.client
        ?.setSkewLimit(e.detail.ms)
        .catch((error: unknown) => console.error('[lattice] set skew limit', error));
    });
  }

  static override styles = [palette, controls, shellStyles];

  /** An opened settings dialog takes the focus (its Close button), so the keyboard is in it at once. */
  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('settingsOpen') && this.settingsOpen) {
      const dialog = this.renderRoot.querySelector('[data-testid="settings"]');
      if (dialog !== null) tabStops(dialog)[0]?.focus();
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) {
      this.node.setClient(this.client);
      this.selectedId = null;
    }
  }

  /**
   * The picture's revision the track list and the inspector show, moved on when the picture changed
   * but at most every LIST_REFRESH_MS, where batches come up to 60 times a second (docs/ui.md "Frame
   * time"): each refresh orders the list over the picture's columns and makes views only for the
   * rows drawn, and the selected entity's view again. A change after a quiet spell shows at once; one
   * within the interval at its end. A new selection is read at once.
   */
  private listed(): { revision: number; selected: EntityView | undefined } {
    const revision = this.node.picture.revision;
    const held = this.listedAt;
    const sameSelection = held.selectedId === this.selectedId;
    if (held.revision === revision && sameSelection) return held;
    const now = performance.now();
    const wait = held.at + LIST_REFRESH_MS - now;
    if (wait > 0 && held.revision !== revision) {
      this.listTimer ??= setTimeout(() => {
        this.listTimer = undefined;
        this.requestUpdate();
      }, wait);
      if (sameSelection) return held;
      // A new selection shows at once, as the picture held at the last refresh lists it.
      this.listedAt = { ...held, selectedId: this.selectedId, selected: this.selectedView() };
      return this.listedAt;
    }
    this.listedAt = { revision, at: now, selectedId: this.selectedId, selected: this.selectedView() };
    return this.listedAt;
  }

  private selectedView(): EntityView | undefined {
    return this.selectedId === null ? undefined : this.node.entities.get(this.selectedId);
  }

  protected override render(): unknown {
    const info = this.node.info;
    const { revision, selected } = this.listed();
    return html`
      <header>
        <h1>${mark}<span class="name">lattice-mesh</span></h1>
        <span class="fact"
          ><span class="muted">lattice</span><strong data-testid="lattice-name">${info?.lattice ?? '—'}</strong></span
        >
        <span class="fact"
          ><span class="muted">node</span
          ><span class="mono" data-testid="node-id" title=${info?.nodeId ?? ''}
            >${info ? shortId(info.nodeId) : '—'}</span
          ></span
        >
        <lm-open-badge .client=${this.roster}></lm-open-badge>
        <div class="tools">
          <lm-link-status .mesh=${this.mesh} .removed=${this.readOnly !== undefined}></lm-link-status>
          <button type="button" data-testid="goto-sensors" @click=${() => this.reveal('sensors')}>Sensors</button>
          ${
            this.mesh === undefined
              ? null
              : html`<button type="button" data-testid="goto-peers" @click=${() => this.reveal('peers')}>Peers</button>`
          }
          <lm-storage-badge data-testid="storage-status" .status=${info?.storage}></lm-storage-badge>
          <button
            type="button"
            class="theme-toggle"
            data-testid="theme-toggle"
            aria-label=${`Switch to the ${otherTheme(this.theme)} theme`}
            @click=${this.toggleTheme}
          >
            ${this.theme === 'day' ? 'Night' : 'Day'}
          </button>
          <button
            type="button"
            class="gear"
            data-testid="settings-open"
            aria-label="Settings"
            aria-expanded=${this.settingsOpen ? 'true' : 'false'}
            @click=${() => (this.settingsOpen ? this.closeSettings() : (this.settingsOpen = true))}
          >
            ⚙
          </button>
        </div>
        <lm-removed-banner .client=${this.roster}></lm-removed-banner>
      </header>
      ${
        this.settingsOpen
          ? html`<div
              class="settings panel"
              role="dialog"
              aria-modal="true"
              aria-label="Settings"
              data-testid="settings"
            >
              <button type="button" class="close" data-testid="settings-close" @click=${this.closeSettings}>
                Close
              </button>
              <lm-settings-panel
                .client=${this.client}
                .mesh=${this.mesh}
                .theme=${this.theme}
                .basemap=${this.basemap}
                .basemapError=${this.basemapError}
              ></lm-settings-panel>
            </div>`
          : null
      }
      ${this.banner()}
      <lm-skew-banner .held=${info?.held} .limitMs=${info?.skewLimitMs}></lm-skew-banner>
      <main>
        <section class="map-area" aria-label="Map">
          <lattice-map
            .picture=${this.node.picture.frame()}
            .selectedId=${this.selectedId}
            .theme=${this.theme}
            .pendingIds=${this.pendingIds}
            .readSource=${this.readSource}
            .basemap=${this.basemap}
          ></lattice-map>
        </section>
        <aside class="side">
          <div class="panel" aria-label="Inspector">
            <lm-entity-inspector
              .client=${this.client}
              .entity=${selected}
              .entityId=${this.selectedId}
              .readOnly=${this.readOnly}
            ></lm-entity-inspector>
          </div>
          <section class="panel" aria-label="Tracks">
            <lm-track-list
              .picture=${this.node.picture}
              .revision=${revision}
              .selectedId=${this.selectedId}
            ></lm-track-list>
            <lm-picture-transfer
              .client=${this.client}
              .entities=${this.node.entities}
              .readOnly=${this.readOnly}
            ></lm-picture-transfer>
          </section>
          <div class="panel" role="region" aria-label="Sensors" data-panel="sensors" tabindex="-1">
            <lm-simulator-panel .client=${this.client} .readOnly=${this.readOnly}></lm-simulator-panel>
          </div>
          ${
            this.mesh === undefined
              ? null
              : html`<div class="panel" role="region" aria-label="Peers" data-panel="peers" tabindex="-1">
                  <lm-peers-panel .client=${this.mesh} .roster=${this.roster}></lm-peers-panel>
                </div>`
          }
          <div class="panel" aria-label="Entity form">
            <lm-entity-form
              .client=${this.client}
              .entity=${selected}
              .entityId=${this.selectedId}
              .readOnly=${this.readOnly}
            ></lm-entity-form>
          </div>
          ${
            this.mesh === undefined
              ? null
              : html`<div class="panel" aria-label="Pairing">
                  <lm-pairing-panel .client=${this.mesh.pairing}></lm-pairing-panel>
                </div>`
          }
        </aside>
      </main>
      <lm-approvals .client=${this.client} .readOnly=${this.readOnly}></lm-approvals>
    `;
  }

  /** The map reads fused tracks' sources (hidden from the feed) by id. */
  private readonly readSource = (id: string): Promise<EntityView | undefined> =>
    this.client === undefined ? Promise.resolve(undefined) : this.client.get(id);

  private banner(): unknown {
    if (this.client === undefined) return html`<div class="banner" data-testid="banner">Starting the node…</div>`;
    if (this.node.error !== '') {
      return html`<div class="banner error" role="alert" data-testid="banner">
        Node unavailable: ${this.node.error}
      </div>`;
    }
    if (this.node.loading) return html`<div class="banner" data-testid="banner">Loading the picture…</div>`;
    return null;
  }

  /**
   * The header's height as `--lm-header-height`: the approval prompt sits just under it (the header
   * wraps to two or three rows on narrow screens, and the prompt must not cover its controls).
   */
  private readonly headerSize = new ResizeObserver((entries) => {
    const header = entries[0]?.target as HTMLElement | undefined;
    if (header !== undefined) this.style.setProperty('--lm-header-height', `${header.offsetHeight.toString()}px`);
  });

  protected override firstUpdated(): void {
    const header = this.renderRoot.querySelector('header');
    if (header !== null) this.headerSize.observe(header);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
    void this.restoreBasemap();
  }

  /** The basemap kept in this browser, back on the map after a reload (no network involved). */
  private async restoreBasemap(): Promise<void> {
    try {
      const stored = await loadStoredBasemap();
      if (stored !== undefined && this.basemap === undefined)
        this.basemap = await openBasemap(stored.blob, stored.name);
    } catch (err) {
      this.basemapError = `The stored basemap could not be opened: ${err instanceof Error ? err.message : errorText(err)}`;
      console.error('[lattice] basemap', err);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
    this.headerSize.disconnect();
    clearTimeout(this.listTimer);
    this.listTimer = undefined;
  }

  /** One tap from the header: brings a side panel into view and puts the focus on it. */
  private reveal(panel: 'sensors' | 'peers'): void {
    const el = this.renderRoot.querySelector<HTMLElement>(`[data-panel="${panel}"]`);
    if (el === null) return;
    // Where the whole page scrolls (portrait, phone), the sticky header would cover the panel's top.
    const header = this.renderRoot.querySelector('header');
    const pageScrolls = document.documentElement.scrollHeight > window.innerHeight + 1;
    el.style.scrollMarginTop = pageScrolls && header !== null ? `${header.offsetHeight + 8}px` : '';
    el.scrollIntoView({ block: 'start', behavior: 'smooth' });
    el.focus({ preventScroll: true });
  }

  private closeSettings = (): void => {
    this.settingsOpen = false;
    this.renderRoot.querySelector<HTMLElement>('[data-testid="settings-open"]')?.focus();
  };

  /**
   * Desktop shortcuts (listed in the settings panel): / searches the list, F shows or hides its
   * filters, S opens the settings, Esc closes them. Never while typing in a field, never with a
   * modifier or a held key, and never a key something else already handled (the prompt's cards).
   * While the settings are open they trap the focus: Tab and Shift+Tab cycle through the dialog, and
   * Esc closes it from anywhere (a field too) and gives the focus back to the gear.
   */
  private onKey = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
    // The open settings dialog is modal for the keyboard: Tab cycles inside it, Esc closes it from any field.
    const dialog = this.settingsOpen ? this.renderRoot.querySelector('[data-testid="settings"]') : null;
    if (dialog !== null && e.key === 'Tab') {
      if (trapTab(dialog, e, this.renderRoot.querySelector('lm-approvals'))) e.preventDefault();
      return;
    }
    if (dialog !== null && e.key === 'Escape') {
      this.closeSettings();
      e.preventDefault();
      return;
    }
    if (e.repeat) return;
    const target = e.composedPath()[0];
    if (
      target instanceof HTMLElement &&
      (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName))
    ) {
      return;
    }
    const list = this.renderRoot.querySelector('lm-track-list');
    if (e.key === '/') {
      list?.renderRoot.querySelector<HTMLElement>('[data-testid="filter-text"]')?.focus();
    } else if (e.key === 'f' || e.key === 'F') {
      if (list !== null) list.filtersOpen = !list.filtersOpen;
    } else if (e.key === 's' || e.key === 'S') {
      this.settingsOpen = true;
    } else {
      return;
    }
    e.preventDefault();
  };

  private toggleTheme = (): void => {
    this.theme = otherTheme(this.theme);
    saveTheme(this.theme);
  };

  private onSelect(d: EntitySelectDetail): void {
    this.selectedId = d.id === null ? null : shownId(this.node.entities, d.id);
  }

  private onSaved(d: EntitySavedDetail): void {
    this.node.upsert(d.view);
    this.selectedId = d.id;
  }

  private onDeleted(d: EntityDeletedDetail): void {
    this.node.forget(d.id);
    if (this.selectedId === d.id) this.selectedId = null;
  }
}

if (!customElements.get('lm-app')) customElements.define('lm-app', AppShell);

declare global {
  interface HTMLElementTagNameMap {
    'lm-app': AppShell;
  }
}
