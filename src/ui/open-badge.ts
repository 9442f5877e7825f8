import { LitElement, css, html } from 'lit';
import type { RosterApi } from '../node/lattice-api';

export type OpenClient = Pick<RosterApi, 'members'>;

const REFRESH_MS = 3000;

/**
 * OPEN in the header while the lattice is open (founded with `?open=1`): any device that knows its
 * name may join. Nothing for a closed lattice. Polls members() (a joiner learns the flag with its
 * inviter's roster).
 */
export class OpenBadge extends LitElement {
  static override properties = { client: { attribute: false }, open: { state: true } };

  declare client: OpenClient | undefined;
  declare open: boolean;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.open = false;
  }

  static override styles = css`
    span {
      font-weight: 700;
      letter-spacing: 0.05em;
      padding: 2px 8px;
      border-radius: 6px;
      border: 2px solid var(--lm-warn, #b26a00);
      color: var(--lm-warn, #b26a00);
    }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    try {
      this.open = (await this.client?.members())?.open ?? false;
    } catch {
      // Not started yet.
    }
  }

  protected override render(): unknown {
    return this.open
      ? html`<span data-testid="open-lattice" title="Open lattice: any device that knows its name may join">OPEN</span>`
      : null;
  }
}

if (!customElements.get('lm-open-badge')) customElements.define('lm-open-badge', OpenBadge);

declare global {
  interface HTMLElementTagNameMap {
    'lm-open-badge': OpenBadge;
  }
}
