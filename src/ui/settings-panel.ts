import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { MeshApi } from '../node/lattice-api';
import type { NodeInfo } from '../node/node-api';
import { MAX_APPROVAL_DEADLINE_MS, MIN_APPROVAL_DEADLINE_MS } from '../core/task/approval-deadline';
import { COORD_FORMAT_TEXT, COORD_FORMATS, loadCoordFormat, saveCoordFormat, type CoordFormat } from './coord-setting';
import { errorText } from './error-text';
import { describeBasemap, openBasemap, type Basemap } from './map/basemap';
import { loadStoredBasemap, removeStoredBasemap, storeBasemap } from './map/basemap-store';
import { controls } from './theme';
import type { Theme } from './theme-setting';
import type { UiClient } from './ui-client';

/** The node-side settings the panel reads back on open and writes through the handle. */
export type SettingsClient = Pick<
  UiClient,
  'info' | 'setFusion' | 'setApprovalDeadline' | 'setSkewLimit' | 'setBudget' | 'budgetStats'
>;

/** `settings-change`: a setting of this browser changed (the shell applies the theme and the coordinates). */
export interface SettingsChangeDetail {
  readonly theme?: Theme;
  readonly coords?: CoordFormat;
  /** A basemap was loaded (the opened archive) or removed (null). */
  readonly basemap?: Basemap | null;
}

declare global {
  interface HTMLElementEventMap {
    'settings-change': CustomEvent<SettingsChangeDetail>;
  }
}

/** The desktop shortcuts, as the panel lists them (the shell handles them, never while typing). */
export const SHORTCUTS: readonly (readonly [string, string])[] = [
  ['/', 'Search the track list'],
  ['F', 'Show or hide the list filters'],
  ['S', 'Open the settings'],
  ['Esc', 'Close the settings'],
];

interface Loaded {
  readonly info: NodeInfo;
  /** The node-wide budget in force (Infinity: unlimited). */
  readonly budget: number;
  readonly burst: number;
  readonly paths: readonly string[];
}

/** A budget amount for an input: empty when unlimited (or unknown). */
function amountText(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? String(n) : '';
}

/**
 * The settings, one tap from the header's gear: fusion, approval deadline, skew limit, the
 * node-wide budget and the default budget of every link (`'*'`), each a rate and a burst (node
 * settings: written through the handle, persisted in node meta, read back from `info()` and
 * `budgetStats()` every time the panel opens), coordinates and theme (settings of
 * this browser, in localStorage), and what the node is: its lattice and its signaling paths.
 */
export class SettingsPanel extends LitElement {
  static override properties = {
    client: { attribute: false },
    mesh: { attribute: false },
    theme: {},
    loaded: { state: true },
    status: { state: true },
    coords: { state: true },
    basemap: { attribute: false },
    basemapError: { attribute: false },
    basemapBusy: { state: true },
  };

  declare client: SettingsClient | undefined;
  declare mesh: MeshApi | undefined;
  declare theme: Theme;
  declare loaded: Loaded | undefined;
  declare status: string;
  declare coords: CoordFormat;
  /** The basemap in force (the shell's), described next to the file picker. */
  declare basemap: Basemap | undefined;
  /** Why the last basemap file could not be loaded (or the stored one opened), shown as an alert. */
  declare basemapError: string;
  declare basemapBusy: boolean;

  constructor() {
    super();
    this.theme = 'day';
    this.status = '';
    this.coords = loadCoordFormat();
    this.basemap = undefined;
    this.basemapError = '';
    this.basemapBusy = false;
  }

  static override styles = [
    controls,
    css`
      :host {
        display: block;
      }
      h2 {
        margin: 0 0 8px;
        font-size: 18px;
      }
      /* Labels wrap in a column of at most 11em: a long label must not squeeze the inputs. */
      form {
        display: grid;
        grid-template-columns: minmax(0, 11em) minmax(0, 1fr);
        gap: 8px 12px;
        align-items: center;
      }
      /* On a phone each label goes above its inputs, which then have the panel's width. */
      @media (max-width: 540px) {
        form {
          grid-template-columns: minmax(0, 1fr);
          gap: 4px;
        }
        form > label:not(:first-child) {
          margin-top: 8px;
        }
      }
      label {
        font-weight: 600;
      }
      label.sub {
        font-weight: normal;
        color: var(--lm-muted);
      }
      .row {
        display: flex;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
      }
      input[type='number'] {
        width: 9em;
      }
      .help {
        flex-basis: 100%;
        color: var(--lm-muted);
        font-size: 13px;
      }
      dl {
        display: grid;
        grid-template-columns: max-content minmax(0, 1fr);
        gap: 4px 12px;
        margin: 12px 0 0;
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      kbd {
        font-family: var(--lm-mono);
        border: 1px solid var(--lm-border);
        border-radius: 4px;
        padding: 0 6px;
      }
      /* The basemap takes the panel's whole width: a file name and a picker do not fit the narrow column. */
      .wide {
        grid-column: 1 / -1;
      }
      .basemap-now {
        flex-basis: 100%;
      }
      input[type='file'] {
        max-width: 100%;
        flex: 1 1 14em;
      }
      .basemap-error {
        grid-column: 1 / -1;
        color: var(--lm-danger-text);
        background: var(--lm-danger-bg);
        border: 1px solid var(--lm-danger);
        border-radius: 6px;
        padding: 6px 8px;
        margin: 0;
      }
      .basemap-error:empty {
        display: none;
      }
      .status {
        min-height: 1.4em;
        color: var(--lm-muted);
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client') || changed.has('mesh')) void this.load();
  }

  /** Reads the node's settings back (what is in force, after any reload). */
  async load(): Promise<void> {
    const client = this.client;
    this.coords = loadCoordFormat();
    if (client === undefined) return;
    try {
      const [info, budget, paths] = await Promise.all([
        client.info(),
        client.budgetStats(),
        this.mesh?.signaling().then((s) => s.map((p) => `${p.kind} (${p.state})`)) ?? Promise.resolve([]),
      ]);
      this.loaded = { info, budget: budget.bytesPerSecond, burst: budget.burstBytes, paths };
    } catch (err) {
      this.status = `Could not read the settings: ${errorText(err)}`;
    }
  }

  private async apply(what: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
      this.status = `${what} saved.`;
      await this.load();
    } catch (err) {
      this.status = `${what}: ${errorText(err)}`;
    }
  }

  /**
   * Sets the node-wide (`node`) or every link's default (`*`) budget from its rate and burst
   * fields: an empty rate is unlimited, an empty burst the node's default for the rate.
   */
  private async applyBudget(target: 'node' | '*', what: string, e: Event): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    const form = (e.target as HTMLElement).closest('form')!;
    const name = target === 'node' ? 'budget' : 'link-budget';
    const rate = this.number(form, name);
    let burst = this.number(form, `${name}-burst`);
    // A burst left as shown belonged to the rate in force: a new rate gets the default burst for it
    // (as the peers panel's budget field does), unless the operator typed one.
    const l = this.loaded;
    const shownRate = amountText(target === 'node' ? l?.budget : l?.info.linkBudget?.bytesPerSecond);
    const shownBurst = amountText(target === 'node' ? l?.burst : l?.info.linkBudget?.burstBytes);
    if (String(rate ?? '') !== shownRate && String(burst ?? '') === shownBurst) burst = undefined;
    await this.apply(what, () =>
      client.setBudget(
        target,
        rate === undefined || burst === undefined
          ? { bytesPerSecond: rate ?? null }
          : { bytesPerSecond: rate, burstBytes: burst },
      ),
    );
  }

  private number(form: HTMLFormElement, name: string): number | undefined {
    const raw = (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    return raw === '' ? undefined : Number(raw);
  }

  /** One budget's rate and burst inputs with their Set button (`name` prefixes ids and test ids). */
  private budgetRow(
    name: string,
    target: 'node' | '*',
    what: string,
    label: string,
    rate: string,
    burst: string,
    help: unknown = nothing,
  ): unknown {
    return html`<label for=${name}>${label} (B/s, empty: unlimited)</label>
      <div class="row">
        <input id=${name} name=${name} type="number" data-testid=${`setting-${name}`} min="0" .value=${rate} />
        <label for=${`${name}-burst`} class="sub">Burst (B)</label>
        <input
          id=${`${name}-burst`}
          name=${`${name}-burst`}
          type="number"
          data-testid=${`setting-${name}-burst`}
          aria-describedby="budget-help"
          min="0"
          placeholder="default"
          .value=${burst}
        />
        <button
          type="button"
          data-testid=${`setting-${name}-set`}
          @click=${(e: Event) => void this.applyBudget(target, what, e)}
        >
          Set
        </button>
        ${help}
      </div>`;
  }

  protected override render(): unknown {
    const l = this.loaded;
    const client = this.client;
    const deadlineS = l?.info.approvalDeadlineMs === undefined ? '' : String(l.info.approvalDeadlineMs / 1000);
    const skewS = l?.info.skewLimitMs === undefined ? '' : String(l.info.skewLimitMs / 1000);
    const budget = amountText(l?.budget);
    // The burst shows only under a limited rate (an unlimited budget has no burst to speak of).
    const burst = budget === '' ? '' : amountText(l?.burst);
    const linkRate = amountText(l?.info.linkBudget?.bytesPerSecond);
    const linkBurst = linkRate === '' ? '' : amountText(l?.info.linkBudget?.burstBytes);
    return html`<h2 id="settings-title">Settings</h2>
      <form @submit=${(e: Event) => e.preventDefault()}>
        <label for="fusion">Fusion</label>
        <div class="row">
          <button
            id="fusion"
            type="button"
            data-testid="setting-fusion"
            aria-pressed=${l?.info.fusionEnabled === true ? 'true' : 'false'}
            ?disabled=${client === undefined || l === undefined}
            @click=${() => void this.apply('Fusion', () => client!.setFusion({ enabled: l?.info.fusionEnabled !== true }))}
          >
            ${l?.info.fusionEnabled === true ? 'On' : 'Off'}
          </button>
        </div>

        <label for="deadline">Deadline of this node's requests (s)</label>
        <div class="row">
          <input
            id="deadline"
            name="deadline"
            type="number"
            data-testid="setting-deadline"
            aria-describedby="deadline-help"
            min=${MIN_APPROVAL_DEADLINE_MS / 1000}
            max=${MAX_APPROVAL_DEADLINE_MS / 1000}
            .value=${deadlineS}
          />
          <button
            type="button"
            data-testid="setting-deadline-set"
            @click=${(e: Event) => {
              const s = this.number((e.target as HTMLElement).closest('form')!, 'deadline');
              if (s !== undefined) void this.apply('Approval deadline', () => client!.setApprovalDeadline(s * 1000));
            }}
          >
            Set
          </button>
          <small id="deadline-help" class="help" data-testid="setting-deadline-help">
            Only for requests this node raises, from now on: a request raised by another node (the sensor's) keeps that
            node's deadline.
          </small>
        </div>

        <label for="skew">Skew limit (s)</label>
        <div class="row">
          <input id="skew" name="skew" type="number" data-testid="setting-skew" min="0" .value=${skewS} />
          <button
            type="button"
            data-testid="setting-skew-set"
            @click=${(e: Event) => {
              const s = this.number((e.target as HTMLElement).closest('form')!, 'skew');
              if (s !== undefined) void this.apply('Skew limit', () => client!.setSkewLimit(s * 1000));
            }}
          >
            Set
          </button>
        </div>

        ${this.budgetRow('budget', 'node', 'Node budget', 'Node budget', budget, burst)}
        ${this.budgetRow(
          'link-budget',
          '*',
          'Link budget',
          "Each link's budget",
          linkRate,
          linkBurst,
          html`<small id="budget-help" class="help" data-testid="setting-budget-help">
            The link budget applies to every link without one of its own (set in the peers panel). An empty burst is one
            frame at the rate (rate × 250 ms + 93 B).
          </small>`,
        )}

        <label for="coords">Coordinates</label>
        <div class="row">
          <select id="coords" data-testid="setting-coords" @change=${this.onCoords}>
            ${COORD_FORMATS.map((f) => html`<option value=${f} ?selected=${f === this.coords}>${COORD_FORMAT_TEXT[f]}</option>`)}
          </select>
        </div>

        <label for="theme">Theme</label>
        <div class="row">
          <select id="theme" data-testid="setting-theme" @change=${this.onTheme}>
            <option value="day" ?selected=${this.theme === 'day'}>Day</option>
            <option value="night" ?selected=${this.theme === 'night'}>Night</option>
          </select>
        </div>

        <label for="basemap" class="wide">Basemap (PMTiles file)</label>
        <div class="row wide">
          <span class="basemap-now" data-testid="setting-basemap">
            ${this.basemap === undefined ? 'None: grid and range rings only' : describeBasemap(this.basemap)}
          </span>
          <input
            id="basemap"
            type="file"
            accept=".pmtiles,application/vnd.pmtiles"
            data-testid="setting-basemap-file"
            ?disabled=${this.basemapBusy}
            @change=${this.onBasemapFile}
          />
          ${
            this.basemap === undefined
              ? null
              : html`<button
                  type="button"
                  class="danger"
                  data-testid="setting-basemap-remove"
                  ?disabled=${this.basemapBusy}
                  @click=${this.onBasemapRemove}
                >
                  Remove basemap
                </button>`
          }
        </div>
        <p class="basemap-error" role="alert" data-testid="setting-basemap-error">${this.basemapError}</p>
      </form>
      <p class="status" role="status" data-testid="settings-status">${this.status}</p>
      <dl>
        <dt>Lattice</dt>
        <dd data-testid="setting-lattice">${l?.info.lattice ?? '—'}</dd>
        <dt>Signaling paths</dt>
        <dd data-testid="setting-paths">
          ${l === undefined ? '—' : l.paths.length === 0 ? 'none (local only)' : l.paths.join(', ')}
        </dd>
      </dl>
      <h2>Keyboard</h2>
      <dl data-testid="shortcuts">
        ${SHORTCUTS.map(
          ([k, what]) =>
            html`<dt><kbd>${k}</kbd></dt>
              <dd>${what}</dd>`,
        )}
      </dl>`;
  }

  private onCoords = (e: Event): void => {
    this.coords = (e.target as HTMLSelectElement).value as CoordFormat;
    saveCoordFormat(this.coords);
    this.dispatchEvent(
      new CustomEvent('settings-change', { detail: { coords: this.coords }, bubbles: true, composed: true }),
    );
  };

  /** Opens the chosen file to check it, keeps it in the browser, and hands it to the map. */
  private onBasemapFile = async (e: Event): Promise<void> => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file === undefined) return;
    this.basemapBusy = true;
    this.basemapError = '';
    try {
      await openBasemap(file, file.name);
      try {
        await storeBasemap(file.name, file);
      } catch (err) {
        throw new Error(
          `The browser could not keep "${file.name}" (${errorText(err)}); free some storage and try again.`,
        );
      }
      // The map reads the browser's copy, not the picked file (which may be on a card about to come out).
      const stored = await loadStoredBasemap();
      if (stored === undefined) throw new Error(`The browser did not keep "${file.name}"; try again.`);
      const basemap = await openBasemap(stored.blob, stored.name);
      this.status = `Basemap ${file.name} loaded; it stays in this browser and works offline.`;
      this.changeBasemap(basemap);
    } catch (err) {
      this.basemapError = err instanceof Error ? err.message : String(err);
    } finally {
      this.basemapBusy = false;
      input.value = '';
    }
  };

  private onBasemapRemove = async (): Promise<void> => {
    this.basemapBusy = true;
    try {
      await removeStoredBasemap();
      this.basemapError = '';
      this.status = 'Basemap removed.';
      this.changeBasemap(null);
      // The Remove button goes with the basemap: the keyboard lands on the file picker, not the page
      // (enabled again first: a disabled input takes no focus).
      this.basemapBusy = false;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[data-testid="setting-basemap-file"]')?.focus();
    } catch (err) {
      this.basemapError = `Could not remove the basemap: ${errorText(err)}`;
    } finally {
      this.basemapBusy = false;
    }
  };

  private changeBasemap(basemap: Basemap | null): void {
    this.dispatchEvent(new CustomEvent('settings-change', { detail: { basemap }, bubbles: true, composed: true }));
  }

  private onTheme = (e: Event): void => {
    const theme = (e.target as HTMLSelectElement).value as Theme;
    this.dispatchEvent(new CustomEvent('settings-change', { detail: { theme }, bubbles: true, composed: true }));
  };
}

if (!customElements.get('lm-settings-panel')) customElements.define('lm-settings-panel', SettingsPanel);

declare global {
  interface HTMLElementTagNameMap {
    'lm-settings-panel': SettingsPanel;
  }
}
