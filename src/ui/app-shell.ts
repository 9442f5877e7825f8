import { LitElement, html, svg, type PropertyValues } from 'lit';
import type { MeshApi } from '../node/lattice-api';
import { shellStyles } from './app-shell-styles';
import type { EntityDeletedDetail, EntitySavedDetail, EntitySelectDetail } from './events';
import { shortId } from './format';
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
import './peers-panel';
import './skew-banner';
import './storage-badge';
import './track-list';

/** The app's mark (public/icon.svg, simplified), inline so the header needs no request. */
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
    selectedId: { state: true },
    theme: { reflect: true },
  };

  declare client: UiClient | undefined;
  /** The node's links and pairing (window.lattice); the panels stay hidden without it. */
  declare mesh: MeshApi | undefined;
  declare selectedId: string | null;
  /** Day or night palette, reflected as an attribute the palette's CSS keys on; persisted. */
  declare theme: Theme;
  private readonly node = new NodeController(this);

  constructor() {
    super();
    this.selectedId = null;
    this.theme = loadTheme();
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

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) {
      this.node.setClient(this.client);
      this.selectedId = null;
    }
  }

  protected override render(): unknown {
    const info = this.node.info;
    const entities = [...this.node.entities.values()];
    const selected = this.selectedId === null ? undefined : this.node.entities.get(this.selectedId);
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
        <span class="spacer"></span>
        <lm-link-status .mesh=${this.mesh}></lm-link-status>
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
      </header>
      ${this.banner()}
      <lm-skew-banner .held=${info?.held} .limitMs=${info?.skewLimitMs}></lm-skew-banner>
      <main>
        <section class="map-area" aria-label="Map">
          <lattice-map .entities=${entities} .selectedId=${this.selectedId} .theme=${this.theme}></lattice-map>
        </section>
        <aside class="side">
          <div class="panel" aria-label="Inspector">
            <lm-entity-inspector
              .client=${this.client}
              .entity=${selected}
              .entityId=${this.selectedId}
            ></lm-entity-inspector>
          </div>
          <section class="panel" aria-label="Tracks">
            <lm-track-list .entities=${entities} .selectedId=${this.selectedId}></lm-track-list>
          </section>
          ${
            this.mesh === undefined
              ? null
              : html`<div class="panel" aria-label="Peers">
                  <lm-peers-panel .client=${this.mesh}></lm-peers-panel>
                </div>`
          }
          <div class="panel" aria-label="Entity form">
            <lm-entity-form .client=${this.client} .entity=${selected} .entityId=${this.selectedId}></lm-entity-form>
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
      <lm-approvals .client=${this.client}></lm-approvals>
    `;
  }

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
