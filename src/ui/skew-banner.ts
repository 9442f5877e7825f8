import { LitElement, css, html } from 'lit';
import type { HeldSkew } from '../node/node-api';
import { MAX_SKEW_LIMIT_MS } from '../core/clock/hlc';
import { shortId } from './format';

/** Asks the node to accept one author's clock (fired by the banner's button). */
export type AcceptClockDetail = { readonly author: string };

/** Asks the node to change its skew limit (setSkewLimit), for every peer. */
export type SkewLimitDetail = { readonly ms: number };

/**
 * Shows writes held because their author's clock runs ahead of ours (docs/requirements.md §3): how far ahead,
 * how many writes wait, and a button for the operator to accept that clock. Nothing is lost while
 * held; the writes apply by themselves once our clock catches up. When the lead is within what the
 * setting allows, a second button raises the skew limit (for every peer) to cover it.
 *
 * @fires accept-clock
 * @fires set-skew-limit
 */
export class SkewBanner extends LitElement {
  static override properties = { held: { attribute: false }, limitMs: { attribute: false } };
  declare held: readonly HeldSkew[] | undefined;
  /** The node's skew limit (info().skewLimitMs), shown beside the held writes. */
  declare limitMs: number | undefined;

  static override styles = css`
    :host {
      display: block;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.75rem;
      padding: 0.6rem 1rem;
      margin: 0.5rem 1rem 0;
      border: 1px solid var(--lm-warn);
      border-radius: 8px;
      background: var(--lm-warn-bg);
      color: var(--lm-warn-text);
    }
    button {
      min-height: 44px;
      padding: 0 1rem;
      border-radius: 6px;
      border: 1px solid var(--lm-warn);
      background: transparent;
      color: inherit;
      font: inherit;
      cursor: pointer;
    }
  `;

  protected override render(): unknown {
    const held = this.held ?? [];
    const limit = this.limitMs === undefined ? '' : ` (limit ${formatLead(this.limitMs)})`;
    return held.map((h) => {
      // Whole minutes at or above the lead, if the setting allows that much.
      const cover = Math.ceil(h.skewMs / 60_000) * 60_000;
      const raise =
        cover <= MAX_SKEW_LIMIT_MS && (this.limitMs === undefined || cover > this.limitMs)
          ? html`<button data-testid="raise-limit" @click=${() => this.raise(cover)}>
              Tolerate clocks up to ${formatLead(cover)} ahead
            </button>`
          : null;
      return html`<div class="row" role="status" data-testid="skew-held" data-author=${h.author}>
        <span
          >Clock of node <span title=${h.author}>${shortId(h.author)}</span> is ${formatLead(h.skewMs)} ahead of ours:
          ${h.count} write${h.count === 1 ? '' : 's'} held until our clock catches up${limit}.</span
        >
        <button @click=${() => this.accept(h.author)}>Accept its clock</button>
        ${raise}
      </div>`;
    });
  }

  private raise(ms: number): void {
    this.dispatchEvent(
      new CustomEvent<SkewLimitDetail>('set-skew-limit', { detail: { ms }, bubbles: true, composed: true }),
    );
  }

  private accept(author: string): void {
    this.dispatchEvent(
      new CustomEvent<AcceptClockDetail>('accept-clock', { detail: { author }, bubbles: true, composed: true }),
    );
  }
}

function formatLead(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

customElements.define('lm-skew-banner', SkewBanner);

declare global {
  interface HTMLElementTagNameMap {
    'lm-skew-banner': SkewBanner;
  }
  interface HTMLElementEventMap {
    'accept-clock': CustomEvent<AcceptClockDetail>;
    'set-skew-limit': CustomEvent<SkewLimitDetail>;
  }
}
