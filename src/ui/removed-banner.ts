import { LitElement, css, html, type PropertyValues } from 'lit';
import type { SelfRemovalView } from '../node/roster-api';
import { isoTime } from './format';
import { MembersController, type MembersClient } from './members-feed';

export type RemovedClient = MembersClient;

/** Why this device's write controls are off (`standing-change`'s detail): the banner's text, or undefined. */
export type StandingDetail = { readonly readOnly: string | undefined };

/** The banner's text for a removal: what the operator must know at a glance, in Zulu time. */
export function removedText(lattice: string, removal: SelfRemovalView): string {
  return `REMOVED from lattice ${lattice} by ${removal.byFingerprint} at ${isoTime(removal.at)} — read-only`;
}

/**
 * A row of the header while this device stands removed from its lattice (`members().selfRemoved`,
 * docs/security.md "A removed device"): who removed it and when, and that it is read-only (every
 * member refuses its writes, and so does its node). Nothing otherwise. Reads the shared members()
 * feed (members-feed.ts) as the OPEN badge does, and tells the shell (`standing-change`) so the
 * write controls can say why they are off.
 *
 * @fires standing-change
 */
export class RemovedBanner extends LitElement {
  static override properties = { client: { attribute: false } };

  declare client: RemovedClient | undefined;
  private readonly members = new MembersController(this);
  private told: string | undefined;

  /** The banner's text while removed, else undefined. */
  get text(): string | undefined {
    const view = this.members.view;
    const removal = view?.selfRemoved;
    return view === undefined || removal === undefined ? undefined : removedText(view.lattice, removal);
  }

  static override styles = css`
    :host {
      display: none;
    }
    :host([removed]) {
      display: block;
      flex-basis: 100%;
    }
    div {
      font-weight: 700;
      letter-spacing: 0.03em;
      padding: 8px 12px;
      border-radius: 6px;
      border: 2px solid var(--lm-danger, #b91c1c);
      background: var(--lm-danger-bg, #fde2e2);
      color: var(--lm-danger-text, #7f1d1d);
    }
    .nowrap {
      white-space: nowrap;
    }
    .why {
      font-weight: 400;
      letter-spacing: 0;
    }
  `;

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const text = this.text;
    this.toggleAttribute('removed', text !== undefined);
    if (text === this.told) return;
    this.told = text;
    this.dispatchEvent(
      new CustomEvent<StandingDetail>('standing-change', { detail: { readOnly: text }, bubbles: true, composed: true }),
    );
  }

  protected override render(): unknown {
    const text = this.text;
    if (text === undefined) return null;
    // "— read-only" never breaks across lines (at 1024 px it wrapped as "read-" / "only").
    const cut = text.lastIndexOf(' — ');
    return html`<div role="alert" data-testid="removed-banner">
      ${text.slice(0, cut)} <span class="nowrap">${text.slice(cut + 1)}</span>
      <span class="why">Its writes are no longer accepted by any member; it keeps its picture as it was.</span>
    </div>`;
  }
}

if (!customElements.get('lm-removed-banner')) customElements.define('lm-removed-banner', RemovedBanner);

declare global {
  interface HTMLElementTagNameMap {
    'lm-removed-banner': RemovedBanner;
  }
  interface HTMLElementEventMap {
    'standing-change': CustomEvent<StandingDetail>;
  }
}
