import { LitElement, css, html } from 'lit';
import type { PairingApi } from '../node/lattice-api';
import { errorText } from './error-text';
import { shortId } from './format';
import { canScanQr, scanQr } from './qr-scan';
import { controls } from './theme';

export type PairingClient = Pick<PairingApi, 'createOffer' | 'acceptOffer' | 'acceptAnswer' | 'cancel'>;

type Mode = 'idle' | 'offering' | 'answering';

/**
 * Pairing with no server at all: this device shows an offer (text and QR) and takes the other's
 * answer by paste or camera; or it takes the other's offer and shows the answer to carry back.
 */
export class PairingPanel extends LitElement {
  static override properties = {
    client: { attribute: false },
    mode: { state: true },
    code: { state: true },
    qr: { state: true },
    status: { state: true },
    error: { state: true },
    busy: { state: true },
    scanning: { state: true },
  };

  declare client: PairingClient | undefined;
  declare mode: Mode;
  /** The text this device shows (its offer or its answer). */
  declare code: string;
  declare qr: string;
  declare status: string;
  declare error: string;
  declare busy: boolean;
  declare scanning: boolean;
  private scan: AbortController | undefined;

  constructor() {
    super();
    this.mode = 'idle';
    this.code = this.qr = this.status = this.error = '';
    this.busy = this.scanning = false;
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
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
      textarea {
        min-height: 88px;
        resize: vertical;
        word-break: break-all;
      }
      .qr {
        justify-self: center;
        background: #fff;
        padding: 8px;
        border-radius: 8px;
        width: min(280px, 100%);
      }
      .qr img {
        display: block;
        width: 100%;
        image-rendering: pixelated;
      }
      video {
        width: 100%;
        max-height: 260px;
        border-radius: 8px;
        background: #000;
      }
      .status {
        color: var(--lm-ok);
        font-size: 14px;
      }
      .error {
        color: var(--lm-danger-text);
        font-size: 14px;
      }
      p {
        margin: 0;
        font-size: 14px;
        color: var(--lm-muted);
      }
    `,
  ];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.scan?.abort();
  }

  protected override render(): unknown {
    return html`
      <h2>Pair a device <span class="muted">(no server needed)</span></h2>
      ${this.mode === 'idle' ? this.idle() : this.mode === 'offering' ? this.offering() : this.answering()}
      ${this.scanning ? html`<video muted playsinline></video>` : null}
      ${this.status ? html`<div class="status" role="status" data-testid="pairing-status">${this.status}</div>` : null}
      ${this.error ? html`<div class="error" role="alert" data-testid="pairing-error">${this.error}</div>` : null}
    `;
  }

  private idle(): unknown {
    return html`<p>One device makes an offer; the other answers it. Carry each code across as text or QR.</p>
      <div class="actions">
        <button class="primary" ?disabled=${this.busy || !this.client} @click=${this.makeOffer}>Make an offer</button>
        <button ?disabled=${!this.client} @click=${() => this.switchTo('answering')}>Answer an offer</button>
      </div>`;
  }

  private offering(): unknown {
    return html`<p>1. Show this offer to the other device (scan the QR, or copy the text).</p>
      ${this.shown('offer')}
      <p>2. Enter the answer it gives back.</p>
      ${this.input('answer', 'Connect', this.takeAnswer)}`;
  }

  private answering(): unknown {
    if (this.code !== '') {
      return html`<p>Show this answer to the device that made the offer.</p>
        ${this.shown('answer')}
        <div class="actions"><button @click=${() => this.switchTo('idle')}>Done</button></div>`;
    }
    return html`<p>Enter the other device's offer.</p>
      ${this.input('offer', 'Make answer', this.takeOffer)}`;
  }

  private shown(what: string): unknown {
    return html`${this.qr ? html`<div class="qr"><img src=${this.qr} alt="${what} as QR code" /></div>` : null}
      <textarea readonly data-testid="pairing-code" aria-label="${what} text" .value=${this.code}></textarea>
      <div class="actions"><button @click=${this.copy}>Copy ${what}</button></div>`;
  }

  private input(what: string, label: string, action: (text: string) => Promise<void>): unknown {
    const submit = (): void => {
      const area = this.renderRoot.querySelector<HTMLTextAreaElement>('textarea[data-input]');
      void action.call(this, area?.value ?? '');
    };
    return html`<textarea
        data-input
        data-testid="pairing-input"
        aria-label="${what} text"
        placeholder="LM1.…"
      ></textarea>
      <div class="actions">
        <button class="primary" ?disabled=${this.busy} @click=${submit}>${label}</button>
        ${
          canScanQr()
            ? html`<button ?disabled=${this.busy} @click=${() => this.scanInto(action)}>
                ${this.scanning ? 'Stop camera' : 'Scan QR'}
              </button>`
            : null
        }
        <button @click=${() => this.switchTo('idle')}>Cancel</button>
      </div>`;
  }

  private async makeOffer(): Promise<void> {
    await this.run(async (client) => {
      this.mode = 'offering';
      await this.show(await client.createOffer());
    });
  }

  private async takeAnswer(text: string): Promise<void> {
    await this.run(async (client) => {
      const peer = await client.acceptAnswer(text);
      this.status = `Connecting to ${shortId(peer, 12)}…`;
      this.mode = 'idle';
      this.code = this.qr = '';
    });
  }

  private async takeOffer(text: string): Promise<void> {
    await this.run(async (client) => {
      await this.show(await client.acceptOffer(text));
      this.status = 'Answer ready: the link opens once the other device enters it.';
    });
  }

  private async show(code: string): Promise<void> {
    this.code = code;
    try {
      // Loaded on first use: most sessions never pair by QR (and qrcode is CommonJS: the bundler converts it).
      const mod = await import('qrcode');
      const qrcode = mod.default ?? mod;
      this.qr = await qrcode.toDataURL(code, { errorCorrectionLevel: 'L', margin: 1, width: 320 });
    } catch {
      // Too long for a QR code: the text still works.
      this.qr = '';
    }
  }

  private async run(fn: (client: PairingClient) => Promise<void>): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    this.busy = true;
    this.error = this.status = '';
    try {
      await fn(client);
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.busy = false;
    }
  }

  private switchTo(mode: Mode): void {
    this.scan?.abort();
    if (this.mode === 'offering' && mode !== 'offering') this.client?.cancel();
    this.mode = mode;
    this.code = this.qr = this.error = '';
    if (mode !== 'idle') this.status = '';
  }

  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.code);
      this.status = 'Copied.';
    } catch {
      // No clipboard permission (e.g. plain http on a LAN address): select the text for a manual copy.
      this.renderRoot.querySelector<HTMLTextAreaElement>('textarea[readonly]')?.select();
    }
  }

  private async scanInto(action: (text: string) => Promise<void>): Promise<void> {
    if (this.scanning) {
      this.scan?.abort();
      return;
    }
    this.scan = new AbortController();
    this.scanning = true;
    await this.updateComplete;
    const video = this.renderRoot.querySelector('video');
    try {
      if (video === null) return;
      const text = await scanQr(video, this.scan.signal);
      this.scanning = false;
      await action.call(this, text);
    } catch (error) {
      if ((error as { name?: string }).name !== 'AbortError') this.error = errorText(error);
    } finally {
      this.scanning = false;
    }
  }
}

if (!customElements.get('lm-pairing-panel')) customElements.define('lm-pairing-panel', PairingPanel);

declare global {
  interface HTMLElementTagNameMap {
    'lm-pairing-panel': PairingPanel;
  }
}
