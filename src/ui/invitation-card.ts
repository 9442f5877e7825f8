import { LitElement, css, html } from 'lit';
import type { RosterApi } from '../node/lattice-api';
import type { InvitationView } from '../node/roster-api';
import { errorText } from './error-text';
import { controls } from './theme';

export type InviteClient = Pick<RosterApi, 'invite'>;

/**
 * The Invite button and the invitation it makes: a QR code of the link (to scan with the new
 * device) and the link as text, with a copy button. One invitation admits one device, once, for
 * 24 hours (docs/security.md, "Invitations").
 */
export class InvitationCard extends LitElement {
  static override properties = {
    client: { attribute: false },
    invitation: { state: true },
    qr: { state: true },
    error: { state: true },
    busy: { state: true },
  };

  declare client: InviteClient | undefined;
  declare invitation: InvitationView | undefined;
  declare qr: string;
  declare error: string;
  declare busy: boolean;

  constructor() {
    super();
    this.invitation = undefined;
    this.qr = '';
    this.error = '';
    this.busy = false;
  }

  static override styles = [
    controls,
    css`
      :host {
        display: grid;
        gap: 8px;
      }
      .qr img {
        width: 240px;
        max-width: 100%;
        image-rendering: pixelated;
        background: #fff;
      }
      .error {
        color: var(--lm-danger, #c62828);
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
    `,
  ];

  protected override render(): unknown {
    const inv = this.invitation;
    return html`<div class="actions">
        <button
          class="primary"
          data-testid="invite"
          ?disabled=${this.busy || this.client === undefined}
          @click=${this.make}
        >
          ${inv === undefined ? 'Invite a device' : 'New invitation'}
        </button>
      </div>
      ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : null}
      ${
        inv === undefined
          ? null
          : html`<p>
                Open this link on the new device (scan the QR code, or copy the link). It admits one device, once, until
                ${new Date(inv.expiresAt).toLocaleString()}.
              </p>
              ${
                this.qr
                  ? html`<div class="qr">
                      <img data-testid="invite-qr" src=${this.qr} alt="invitation link as QR code" />
                    </div>`
                  : null
              }
              <textarea readonly data-testid="invite-url" aria-label="invitation link" .value=${inv.url}></textarea>
              <div class="actions"><button @click=${this.copy}>Copy link</button></div>`
      }`;
  }

  private async make(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    this.busy = true;
    this.error = '';
    try {
      const inv = await client.invite();
      this.qr = await qrOf(inv.url);
      this.invitation = inv;
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.busy = false;
    }
  }

  private async copy(): Promise<void> {
    const url = this.invitation?.url;
    if (url === undefined) return;
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      // No clipboard permission: select the text for a manual copy.
      this.renderRoot.querySelector<HTMLTextAreaElement>('textarea')?.select();
    }
  }
}

/** The link as a QR code image (data URL), or '' if it cannot be one (the text still works). */
async function qrOf(text: string): Promise<string> {
  try {
    // Loaded on first use, as the pairing panel does (qrcode is CommonJS: the bundler converts it).
    const mod = await import('qrcode');
    const qrcode = mod.default ?? mod;
    return await qrcode.toDataURL(text, { errorCorrectionLevel: 'L', margin: 2, width: 320 });
  } catch {
    return '';
  }
}

if (!customElements.get('lm-invitation-card')) customElements.define('lm-invitation-card', InvitationCard);

declare global {
  interface HTMLElementTagNameMap {
    'lm-invitation-card': InvitationCard;
  }
}
