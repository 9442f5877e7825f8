import { LitElement, css, html } from 'lit';
import { controls } from './theme';

/** `budget-change`: the operator set a budget in B/s; `null` is unlimited. */
export interface BudgetChangeDetail {
  readonly bytesPerSecond: number | null;
}

declare global {
  interface HTMLElementEventMap {
    'budget-change': CustomEvent<BudgetChangeDetail>;
  }
}

/**
 * A compact budget input: bytes per second, empty for unlimited, applied with its Set button or
 * Enter. Shows the budget in force until the operator types; refuses anything but a number ≥ 0
 * (the node validates again at the handle).
 */
export class BudgetField extends LitElement {
  static override properties = {
    label: {},
    current: { type: Number },
    disabled: { type: Boolean },
    draft: { state: true },
    invalid: { state: true },
  };

  declare label: string;
  /** The budget in force, B/s; Infinity when unlimited. */
  declare current: number;
  declare disabled: boolean;
  declare draft: string | undefined;
  declare invalid: boolean;

  constructor() {
    super();
    this.label = 'Budget';
    this.current = Infinity;
    this.disabled = false;
    this.draft = undefined;
    this.invalid = false;
  }

  static override styles = [
    controls,
    css`
      :host {
        display: flex;
        gap: 6px;
        align-items: center;
        font-size: 13px;
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
    const shown = this.draft ?? (Number.isFinite(this.current) ? String(this.current) : '');
    return html`<label for="b">${this.label}</label>
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
        @keydown=${(e: KeyboardEvent) => {
          if (e.key === 'Enter') this.apply();
        }}
      /><span class="muted">B/s</span>
      <button ?disabled=${this.disabled || this.draft === undefined} @click=${() => this.apply()}>Set</button>`;
  }

  private apply(): void {
    const text = (this.draft ?? '').trim();
    const bytesPerSecond = text === '' ? null : Number(text);
    if (bytesPerSecond !== null && !(Number.isFinite(bytesPerSecond) && bytesPerSecond >= 0)) {
      this.invalid = true;
      return;
    }
    this.draft = undefined;
    this.dispatchEvent(new CustomEvent('budget-change', { detail: { bytesPerSecond }, bubbles: true, composed: true }));
  }
}

if (!customElements.get('lm-budget-field')) customElements.define('lm-budget-field', BudgetField);

declare global {
  interface HTMLElementTagNameMap {
    'lm-budget-field': BudgetField;
  }
}
