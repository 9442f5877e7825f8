import { LitElement, css, html } from 'lit';
import type { MeshApi } from '../node/lattice-api';
import { summarizeLinks, type LinkFacts, type LinkSummary } from './link-state';
import { controls } from './theme';

/** How often the peers and signaling paths are asked again (the network flag has its own events). */
const REFRESH_MS = 2000;

/**
 * The header's online/offline chip (link-state.ts says what it shows and why). It listens to the
 * browser's online/offline events and asks the mesh for its peers and signaling paths every
 * REFRESH_MS; a failing mesh query reads as no peers and no signaling, never as "online".
 */
export class LinkStatus extends LitElement {
  static override properties = {
    mesh: { attribute: false },
    removed: { type: Boolean },
    facts: { state: true },
  };

  declare mesh: MeshApi | undefined;
  /** This device stands removed (the shell's read-only standing): the chip says so, not a peer count. */
  declare removed: boolean;
  declare facts: LinkFacts;
  private timer: ReturnType<typeof setInterval> | undefined;
  private summary: LinkSummary;

  constructor() {
    super();
    this.removed = false;
    this.facts = { online: navigator.onLine, signalingOpen: undefined, signalingPaths: undefined, peers: undefined };
    this.summary = summarizeLinks(this.facts);
  }

  static override styles = [
    controls,
    css`
      :host {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        min-height: 28px;
        padding: 2px 10px;
        border-radius: 999px;
        border: 1px solid var(--link, var(--lm-border));
        color: var(--link, var(--lm-muted));
        font-size: 13px;
        white-space: nowrap;
      }
      :host([data-level='ok']) {
        --link: var(--lm-ok);
      }
      :host([data-level='warn']) {
        --link: var(--lm-warn);
      }
      :host([data-level='down']) {
        --link: var(--lm-danger);
        background: var(--lm-danger-bg);
        font-weight: 600;
      }
      .dot {
        width: 10px;
        height: 10px;
        border-radius: 50%;
        background: var(--link, var(--lm-muted));
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('online', this.onNetwork);
    window.addEventListener('offline', this.onNetwork);
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('online', this.onNetwork);
    window.removeEventListener('offline', this.onNetwork);
    clearInterval(this.timer);
  }

  protected override willUpdate(): void {
    this.summary = summarizeLinks({ ...this.facts, removed: this.removed });
  }

  /** The level and the full story on the host: its colour keys on data-level, the tooltip is the detail. */
  protected override updated(): void {
    this.dataset.level = this.summary.level;
    this.title = this.summary.detail;
  }

  protected override render(): unknown {
    const s = this.summary;
    return html`<span class="dot" aria-hidden="true"></span
      ><span role="status" aria-label=${`${s.text}: ${s.detail}`} data-testid="link-status">${s.text}</span>`;
  }

  private onNetwork = (): void => {
    this.facts = { ...this.facts, online: navigator.onLine };
    void this.refresh();
  };

  private async refresh(): Promise<void> {
    const online = navigator.onLine;
    const mesh = this.mesh;
    if (mesh === undefined) {
      this.facts = { online, signalingOpen: undefined, signalingPaths: undefined, peers: undefined };
      return;
    }
    try {
      const [peers, paths] = await Promise.all([mesh.peers(), mesh.signaling()]);
      this.facts = {
        online,
        peers: peers.filter((p) => p.state === 'connected').length,
        signalingOpen: paths.filter((p) => p.state === 'open').length,
        signalingPaths: paths.length,
      };
    } catch {
      this.facts = { online, peers: 0, signalingOpen: 0, signalingPaths: 0 };
    }
  }
}

if (!customElements.get('lm-link-status')) customElements.define('lm-link-status', LinkStatus);

declare global {
  interface HTMLElementTagNameMap {
    'lm-link-status': LinkStatus;
  }
}
