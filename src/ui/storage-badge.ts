import { LitElement, css, html } from 'lit';
import type { StorageStatus } from '../node/node-api';
import { controls } from './theme';

/**
 * The node's storage health: a green "ok", or a red "full"/"error" with the node's message, so a
 * quota problem (writes not persisted) is never silent. Reflects the state as `data-state`.
 */
export class StorageBadge extends LitElement {
  static override properties = {
    status: { attribute: false },
  };

  declare status: StorageStatus | undefined;

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
        border: 1px solid var(--badge, var(--lm-border));
        color: var(--badge, var(--lm-muted));
        font-size: 13px;
        max-width: 100%;
      }
      :host([data-state='ok']) {
        --badge: var(--lm-ok);
      }
      :host([data-state='full']),
      :host([data-state='error']) {
        --badge: var(--lm-danger);
        background: var(--lm-danger-bg);
        font-weight: 600;
      }
      .state,
      .muted {
        white-space: nowrap;
      }
      .message {
        font-weight: 400;
        color: var(--lm-text);
        overflow: hidden;
        text-overflow: ellipsis;
      }
    `,
  ];

  protected override willUpdate(): void {
    this.dataset.state = this.status?.state ?? 'unknown';
    const alarm = this.status?.state === 'full' || this.status?.state === 'error';
    if (alarm) this.setAttribute('role', 'alert');
    else this.removeAttribute('role');
  }

  protected override render(): unknown {
    const s = this.status;
    if (s === undefined) return html`storage …`;
    // A memory backend keeps nothing across a reload: the operator must know.
    const backend = s.backend === 'memory' ? html`<span class="muted">memory only</span>` : null;
    const pending = s.pending > 0 ? html`<span class="muted">${s.pending} pending</span>` : null;
    const message = s.message ? html`<span class="message" title=${s.message}>${s.message}</span>` : null;
    // Damaged records were left out on load; peers bring their data back.
    const damaged =
      (s.setAside ?? 0) > 0
        ? html`<span class="message" title="damaged stored records left out on load; peers send the data again"
            >${s.setAside} damaged set aside</span
          >`
        : null;
    // The stored proofs could not be checked: shown beside any other message (the state says error).
    const unchecked =
      s.checkFailed !== undefined && s.checkFailed !== s.message
        ? html`<span class="message" title=${s.checkFailed}>${s.checkFailed}</span>`
        : null;
    return html`<span class="state">storage ${s.state}</span>${message}${unchecked}${damaged}${backend}${pending}`;
  }
}

if (!customElements.get('lm-storage-badge')) customElements.define('lm-storage-badge', StorageBadge);

declare global {
  interface HTMLElementTagNameMap {
    'lm-storage-badge': StorageBadge;
  }
}
