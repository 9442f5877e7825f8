import { LitElement, css, html } from 'lit';
import { PollController } from './poll-controller';
import type { SimulateOptions, SimulatedSensor, SimulationView } from '../node/c2-api';
import { SIM_MAX_HZ, SIM_MAX_TRACKS } from '../core/sim/limits';
import { errorText } from './error-text';
import { controls } from './theme';
import type { UiClient } from './ui-client';

/** What the controls need from the node: its simulation state, start and stop. */
export type SimulatorClient = Pick<UiClient, 'info' | 'simulate' | 'stopSimulation'>;

type SensorName = 'eo' | 'radar';

interface SensorForm {
  readonly on: boolean;
  readonly tracks: number;
  readonly hz: number;
}

/** What a sensor offers before the first start: a picture to look at, far from the limits. */
const DEFAULTS: Readonly<Record<SensorName, SensorForm>> = {
  eo: { on: true, tracks: 12, hz: 1 },
  radar: { on: true, tracks: 12, hz: 1 },
};

const SENSOR_TEXT: Readonly<Record<SensorName, { title: string; what: string }>> = {
  eo: { title: 'EO sensor', what: 'identity cues: label, disposition, environment' },
  radar: { title: 'Radar', what: 'position only, noisier, with a covariance' },
};

const REFRESH_MS = 2000;

/**
 * The simulated sensors (docs/c2-pipeline.md): EO and radar, each on or off with a track count and
 * an update rate, one seed for both, Start (or Restart) and Stop. Reads what runs from
 * `info().simulation`, so a simulation started through the handle shows here too; polls while on
 * screen. Their tracks are ordinary local writes: the classifier, fusion and the mesh take them up.
 */
export class SimulatorPanel extends LitElement {
  static override properties = {
    client: { attribute: false },
    view: { state: true },
    form: { state: true },
    seed: { state: true },
    status: { state: true },
    busy: { state: true },
    readOnly: { attribute: false },
  };

  declare client: SimulatorClient | undefined;
  /** Why this device cannot write (removed from its lattice: removed-banner.ts): Start is off. */
  declare readOnly: string | undefined;
  declare view: SimulationView | undefined;
  declare form: Readonly<Record<SensorName, SensorForm>>;
  /** The seed field's text ('' = a new one from the start time). */
  declare seed: string;
  declare status: string;
  declare busy: boolean;
  /** The form follows the node until the operator edits it. */
  private edited = false;

  constructor() {
    super();
    // Polls while on screen (the UI's one polling controller).
    new PollController(this, REFRESH_MS, () => this.refresh());
    this.form = DEFAULTS;
    this.seed = '';
    this.status = '';
    this.busy = false;
  }

  static override styles = [
    controls,
    css`
      :host {
        display: grid;
        gap: 10px;
      }
      h2 {
        margin: 0;
        font-size: 16px;
      }
      fieldset {
        border: 1px solid var(--lm-border);
        border-radius: 8px;
        margin: 0;
        padding: 8px 12px 12px;
        display: grid;
        grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: 8px 12px;
      }
      legend {
        padding: 0 4px;
      }
      .toggle {
        grid-column: 1 / -1;
        display: flex;
        align-items: center;
        gap: 10px;
      }
      .toggle button[aria-pressed='true'] {
        border-color: var(--lm-accent);
        font-weight: 600;
      }
      .what {
        font-weight: 400;
        color: var(--lm-muted);
        font-size: 14px;
      }
      .field {
        display: grid;
        gap: 4px;
      }
      .field span {
        font-size: 14px;
        color: var(--lm-muted);
      }
      .actions {
        display: flex;
        gap: 8px;
        flex-wrap: wrap;
        align-items: end;
      }
      .actions .field {
        flex: 1 1 8em;
      }
      .state {
        margin: 0;
        min-height: 1.4em;
      }
      .running {
        color: var(--lm-ok, inherit);
        font-weight: 600;
      }
    `,
  ];

  protected override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('client')) void this.refresh();
  }

  /** Reads what runs; the form takes it over while the operator has not edited it. */
  async refresh(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    try {
      const info = await client.info();
      this.view = info.simulation;
      if (!this.edited) this.adopt(info.simulation);
    } catch (err) {
      this.status = `Could not read the simulation: ${errorText(err)}`;
    }
  }

  private adopt(view: SimulationView | undefined): void {
    if (view?.seed === undefined) return; // never started: keep the defaults
    const from = (s: SimulatedSensor | undefined, name: SensorName): SensorForm =>
      s === undefined ? { ...this.form[name], on: false } : { on: true, tracks: s.tracks, hz: s.hz };
    this.form = { eo: from(view.eo, 'eo'), radar: from(view.radar, 'radar') };
    this.seed = String(view.seed);
  }

  private edit(name: SensorName, patch: Partial<SensorForm>): void {
    this.edited = true;
    this.form = { ...this.form, [name]: { ...this.form[name], ...patch } };
  }

  /** The form as `simulate()` options, or why it is not valid. */
  private options(): SimulateOptions | string {
    const out: { eo?: SimulatedSensor; radar?: SimulatedSensor; seed?: number } = {};
    for (const name of ['eo', 'radar'] as const) {
      const f = this.form[name];
      if (!f.on) continue;
      const title = SENSOR_TEXT[name].title;
      if (!Number.isInteger(f.tracks) || f.tracks < 1 || f.tracks > SIM_MAX_TRACKS) {
        return `${title}: tracks must be a whole number from 1 to ${SIM_MAX_TRACKS}.`;
      }
      if (!Number.isFinite(f.hz) || f.hz <= 0 || f.hz > SIM_MAX_HZ) {
        return `${title}: the rate must be above 0 and at most ${SIM_MAX_HZ} Hz.`;
      }
      out[name] = { tracks: f.tracks, hz: f.hz };
    }
    if (out.eo === undefined && out.radar === undefined) return 'Turn on at least one sensor.';
    const seed = this.seed.trim();
    if (seed !== '') {
      const n = Number(seed);
      if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) return 'The seed must be a whole number from 0 to 4294967295.';
      out.seed = n;
    }
    return out;
  }

  private async run(what: string, call: (client: SimulatorClient) => Promise<void>): Promise<void> {
    const client = this.client;
    if (client === undefined || this.busy) return;
    this.busy = true;
    try {
      await call(client);
      this.status = what;
      this.edited = false;
      await this.refresh();
    } catch (err) {
      this.status = `Could not ${what.toLowerCase()}: ${errorText(err)}`;
    } finally {
      this.busy = false;
    }
  }

  private start = (e: Event): void => {
    e.preventDefault();
    const options = this.options();
    if (typeof options === 'string') {
      this.status = options;
      return;
    }
    void this.run('Simulation started', (c) => c.simulate(options));
  };

  private stop = (): void => {
    void this.run('Simulation stopped', (c) => c.stopSimulation());
  };

  private stateText(): string {
    const v = this.view;
    if (v?.running !== true) return 'Stopped.';
    const parts = (['eo', 'radar'] as const)
      .map((n) => (v[n] === undefined ? null : `${SENSOR_TEXT[n].title} ${v[n].tracks} tracks at ${v[n].hz} Hz`))
      .filter((p) => p !== null);
    return `Running: ${parts.join(', ')}; seed ${v.seed ?? '—'}.`;
  }

  private sensor(name: SensorName): unknown {
    const f = this.form[name];
    const text = SENSOR_TEXT[name];
    return html`<fieldset data-testid=${`sim-${name}`}>
      <legend>${text.title}</legend>
      <div class="toggle">
        <button
          type="button"
          data-testid=${`sim-${name}-on`}
          aria-pressed=${f.on ? 'true' : 'false'}
          @click=${() => this.edit(name, { on: !f.on })}
        >
          ${f.on ? 'On' : 'Off'}
        </button>
        <span class="what">${text.what}</span>
      </div>
      <label class="field"
        ><span>Tracks</span>
        <input
          type="number"
          inputmode="numeric"
          min="1"
          max=${SIM_MAX_TRACKS}
          step="1"
          data-testid=${`sim-${name}-tracks`}
          .value=${String(f.tracks)}
          ?disabled=${!f.on}
          @input=${(e: Event) => this.edit(name, { tracks: Number((e.target as HTMLInputElement).value) })}
      /></label>
      <label class="field"
        ><span>Rate (Hz)</span>
        <input
          type="number"
          inputmode="decimal"
          min="0.1"
          max=${SIM_MAX_HZ}
          step="0.1"
          data-testid=${`sim-${name}-hz`}
          .value=${String(f.hz)}
          ?disabled=${!f.on}
          @input=${(e: Event) => this.edit(name, { hz: Number((e.target as HTMLInputElement).value) })}
      /></label>
    </fieldset>`;
  }

  protected override render(): unknown {
    const running = this.view?.running === true;
    const idle = this.client === undefined || this.busy;
    return html`<h2 id="sim-title">Simulated sensors</h2>
      <form aria-labelledby="sim-title" novalidate @submit=${this.start}>
        ${this.sensor('eo')} ${this.sensor('radar')}
        <div class="actions">
          <label class="field"
            ><span>Seed (empty: new)</span>
            <input
              type="text"
              inputmode="numeric"
              data-testid="sim-seed"
              .value=${this.seed}
              @input=${(e: Event) => {
                this.edited = true;
                this.seed = (e.target as HTMLInputElement).value;
              }}
          /></label>
          <button
            type="submit"
            data-testid="sim-start"
            title=${this.readOnly ?? ''}
            ?disabled=${idle || this.readOnly !== undefined}
          >
            ${running ? 'Restart' : 'Start'}
          </button>
          <button type="button" data-testid="sim-stop" ?disabled=${idle || !running} @click=${this.stop}>Stop</button>
        </div>
      </form>
      <p class="state ${running ? 'running' : ''}" data-testid="sim-state">${this.stateText()}</p>
      <p class="state" role="status" data-testid="sim-status">
        ${this.readOnly === undefined ? this.status : `Read-only: ${this.readOnly}`}
      </p>`;
  }
}

if (!customElements.get('lm-simulator-panel')) customElements.define('lm-simulator-panel', SimulatorPanel);

declare global {
  interface HTMLElementTagNameMap {
    'lm-simulator-panel': SimulatorPanel;
  }
}
