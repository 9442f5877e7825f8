import { LitElement, css, html } from 'lit';
import { controls } from './theme';

/**
 * `budget-change`: the operator set a budget in B/s (`null` is unlimited) and its burst in bytes
 * (absent: the node's default of one frame, docs/budgeter.md "Choosing the burst").
 */
export interface BudgetChangeDetail {
  readonly bytesPerSecond: number | null;
  readonly burstBytes?: number;
}

declare global {
  interface HTMLElementEventMap {
    'budget-change': CustomEvent<BudgetChangeDetail>;
  }
}

/**
 * A compact budget input: bytes per second (empty for unlimited) and burst bytes (empty for the
 * default), applied with its Set button or Enter. Shows the budget in force until the operator
 * types; refuses anything but numbers ≥ 0 (the node validates again at the handle).
 */
export class BudgetField extends LitElement {
  static override properties = {
    label: {},
    current: { type: Number },
    burst: { type: Number },
    disabled: { type: Boolean },
    draft: { state: true },
    burstDraft: { state: true },
    invalid: { state: true },
  };

  declare label: string;
  /** The budget in force, B/s; Infinity when unlimited. */
  declare current: number;
  /** The burst in force, bytes; Infinity when unlimited. */
  declare burst: number;
  declare disabled: boolean;
  declare draft: string | undefined;
  declare burstDraft: string | undefined;
  declare invalid: boolean;

  constructor() {
    super();
    this.label = 'Budget';
    this.current = Infinity;
    this.burst = Infinity;
    this.disabled = false;
    this.draft = undefined;
    this.burstDraft = undefined;
    this.invalid = false;
  }

  static override styles = [
    controls,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        align-items: center;
        font-size: 13px;
      }
      .part {
        display: flex;
        gap: 6px;
        align-items: center;
      }
      label {
        color: var(--lm-muted);
        font-size: 11px;
        text-transform: uppercase;
        white-space: nowrap;
      }
      input {
        width: 9ch;
        min-width: 0;
      }
      input[aria-invalid='true'] {
        border-color: var(--lm-danger);
      }
    `,
  ];

  protected override render(): unknown {
    const finite = (n: number): string => (Number.isFinite(n) ? String(n) : '');
    const shown = this.draft ?? finite(this.current);
    const burst = this.burstDraft ?? (Number.isFinite(this.current) ? finite(this.burst) : '');
    const changed = this.draft !== undefined || this.burstDraft !== undefined;
    const keydown = (e: KeyboardEvent): void => {
      if (e.key === 'Enter') this.apply();
    };
    return html`<span class="part">
        <label for="b">${this.label}</label>
        <input
          id="b"
          data-testid="budget-input"
          inputmode="numeric"
          placeholder="unlimited"
          aria-invalid=${this.invalid ? 'true' : 'false'}
          .value=${shown}
          ?disabled=${this.disabled}
          @input=${(e: Event) => {
            this.draft = (e.target as HTMLInputElement).value;
            this.invalid = false;
          }}
          @keydown=${keydown}
        /><span class="muted">B/s</span>
      </span>
      <span class="part">
        <label for="burst">Burst</label>
        <input
          id="burst"
          data-testid="burst-input"
          inputmode="numeric"
          placeholder="default"
          aria-invalid=${this.invalid ? 'true' : 'false'}
          .value=${burst}
          ?disabled=${this.disabled}
          @input=${(e: Event) => {
            this.burstDraft = (e.target as HTMLInputElement).value;
            this.invalid = false;
          }}
          @keydown=${keydown}
        /><span class="muted">B</span>
      </span>
      <button data-testid="budget-set" ?disabled=${this.disabled || !changed} @click=${() => this.apply()}>
        Set
      </button>`;
  }

  /**
   * Sends the rate (as typed, else as in force) and the burst only if the operator typed one: a
   * burst left as shown belonged to the old rate, so a new rate gets the default burst for it.
   */
  private apply(): void {
    const rateText = (this.draft ?? (Number.isFinite(this.current) ? String(this.current) : '')).trim();
    const burstText = (this.burstDraft ?? '').trim();
    const bytesPerSecond = rateText === '' ? null : Number(rateText);
    const burstBytes = burstText === '' || bytesPerSecond === null ? undefined : Number(burstText);
    const bad = (n: number | null | undefined): boolean => typeof n === 'number' && !(Number.isFinite(n) && n >= 0);
    if (bad(bytesPerSecond) || bad(burstBytes)) {
      this.invalid = true;
      return;
    }
    this.draft = undefined;
    this.burstDraft = undefined;
    const detail: BudgetChangeDetail = burstBytes === undefined ? { bytesPerSecond } : { bytesPerSecond, burstBytes };
    this.dispatchEvent(new CustomEvent('budget-change', { detail, bubbles: true, composed: true }));
  }
}

if (!customElements.get('lm-budget-field')) customElements.define('lm-budget-field', BudgetField);

declare global {
  interface HTMLElementTagNameMap {
    'lm-budget-field': BudgetField;
  }
}
