import { LitElement, css, html } from 'lit';
import { MembersController, type MembersClient } from './members-feed';

export type OpenClient = MembersClient;

/**
 * OPEN in the header while the lattice is open (founded with `?open=1`): any device that knows its
 * name may join. Nothing for a closed lattice. Reads the shared members() feed (members-feed.ts,
 * the roster panel's too; a joiner learns the flag with its inviter's roster).
 */
export class OpenBadge extends LitElement {
  static override properties = { client: { attribute: false } };

  declare client: OpenClient | undefined;
  private readonly members = new MembersController(this);

  get open(): boolean {
    return this.members.view?.open ?? false;
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
