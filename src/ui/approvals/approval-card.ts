import { LitElement, css, html } from 'lit';
import type { ApprovalView } from '../../node/approval-views';
import { emit } from '../events';
import { controls } from '../theme';
import type { DecisionArg } from '../../node/approval-args';
import type { ApprovalDecideDetail, ApprovalDismissDetail } from './approval-events';
import { formatCountdown, isUrgent, secondsLeft } from './countdown';

/**
 * One pending request: the track, why it is HIGH, the countdown and the two answers. It is an
 * `alertdialog` named by its title and described by the reason, focusable as a whole (focus lands
 * on the card, never on Approve, so an Enter meant for something else cannot approve). Keys while
 * the card has focus: A approves, D denies, Escape leaves it pending (the prompt ignores A and D
 * for a moment after it moved focus here itself: `KEY_GUARD_MS`). "Show track" selects the
 * track, so the map and the inspector show what is asked about. Past the deadline both
 * buttons are disabled: the gate refuses a decision then, and the request times out (denied).
 *
 * @fires approval-decide
 * @fires approval-dismiss
 */
export class ApprovalCard extends LitElement {
  static override properties = {
    view: { attribute: false },
    now: { attribute: false },
    busy: { attribute: false },
    error: { attribute: false },
    readOnly: { attribute: false },
  };

  declare view: ApprovalView | undefined;
  /** Epoch ms, from the prompt's clock. */
  declare now: number;
  /** The answer sent and not yet reflected by the node. */
  declare busy: DecisionArg | undefined;
  declare error: string;
  /** Why this device cannot answer (removed from its lattice: removed-banner.ts): Approve and Deny are off. */
  declare readOnly: string | undefined;

  constructor() {
    super();
    this.now = 0;
    this.error = '';
    this.addEventListener('keydown', (e) => this.onKey(e));
  }

  static override styles = [
    controls,
    css`
      :host {
        display: block;
      }
      section {
        display: grid;
        gap: 8px;
        padding: 12px;
        border: 2px solid var(--lm-threat-high);
        border-radius: 12px;
        background: var(--lm-panel-2);
      }
      section:focus-visible,
      section:focus {
        outline: 3px solid var(--lm-accent);
        outline-offset: 2px;
      }
      h3 {
        margin: 0;
        font-size: 17px;
        overflow-wrap: anywhere;
      }
      .id {
        font-family: var(--lm-mono);
        font-weight: 400;
        color: var(--lm-muted);
        font-size: 14px;
        white-space: nowrap;
      }
      .reason {
        margin: 0;
        font-size: 14px;
        overflow-wrap: anywhere;
      }
      .reason strong {
        color: var(--lm-threat-high);
      }
      .top {
        display: flex;
        align-items: flex-start;
        gap: 8px;
      }
      .what {
        flex: 1;
        min-width: 0;
      }
      /* A link-like button: selects the track, so the map and the inspector show what is asked about. */
      .sub {
        display: flex;
        align-items: center;
        gap: 12px;
      }
      button.show {
        padding: 0;
        border: none;
        background: none;
        color: var(--lm-accent);
        font-size: 14px;
        text-decoration: underline;
      }
      .countdown {
        font-family: var(--lm-mono);
        font-size: 22px;
        font-weight: 700;
        padding: 2px 10px;
        border-radius: 8px;
        border: 1px solid var(--lm-border);
        font-variant-numeric: tabular-nums;
      }
      /* Theme colours only (docs/ui.md, themes): each pair is >= 4.5:1 in day and in night red. */
      .urgent .countdown {
        color: var(--lm-panel);
        background: var(--lm-threat-high);
        border-color: var(--lm-threat-high);
      }
      .urgent {
        border-width: 4px;
        animation: throb 1s steps(2, start) infinite;
      }
      @keyframes throb {
        50% {
          border-color: var(--lm-danger-bg);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .urgent {
          animation: none;
        }
      }
      .actions {
        display: flex;
        gap: 8px;
      }
      .actions button {
        flex: 1;
        min-height: 48px;
        font-weight: 600;
      }
      button.approve {
        color: var(--lm-ok);
        background: var(--lm-panel);
        border: 2px solid var(--lm-ok);
      }
      kbd {
        font-family: var(--lm-mono);
        font-size: 13px;
        padding: 0 5px;
        margin-left: 6px;
        border: 1px solid currentColor;
        border-radius: 4px;
        opacity: 0.85;
      }
      .keys {
        margin: 0;
        font-size: 12px;
        color: var(--lm-muted);
      }
      /* Phones: no keyboard to explain (the key letters stay on the buttons), and room is short. */
      @media (max-width: 600px) {
        section {
          padding: 10px;
          gap: 6px;
        }
        .keys {
          display: none;
        }
      }
      .error {
        margin: 0;
        color: var(--lm-danger);
        font-size: 14px;
      }
      .conflict {
        color: var(--lm-warn);
        font-size: 13px;
        font-weight: 700;
      }
    `,
  ];

  /** Puts focus on the card itself (not on a button), so the next key is a deliberate answer. */
  focusCard(): Promise<boolean> {
    // A card just added has not rendered yet: focus once it has. Settles true if focus landed.
    return this.updateComplete.then(() => {
      const section = this.renderRoot.querySelector<HTMLElement>('section');
      section?.focus();
      return section !== null && this.shadowRoot?.activeElement === section;
    });
  }

  protected override render(): unknown {
    const v = this.view;
    if (v === undefined) return null;
    const left = secondsLeft(v.deadline, this.now);
    const closed = left === 0;
    const urgent = isUrgent(v.deadline, this.now);
    return html`<section
      role="alertdialog"
      aria-labelledby=${v.label ? 'title track-id' : 'title'}
      aria-describedby="reason keys"
      tabindex="-1"
      class=${urgent ? 'urgent' : ''}
      data-testid="approval-card"
      data-entity=${v.entityId}
      data-request=${v.requestId}
    >
      <div class="top">
        <div class="what">
          <h3 id="title">Intercept ${v.label ?? v.entityId}?</h3>
          <div class="sub">
            ${v.label ? html`<span class="id" id="track-id">${v.entityId}</span>` : null}
            <button
              class="show"
              data-testid="show-track"
              @click=${() => emit(this, 'entity-select', { id: v.entityId })}
            >
              Show track
            </button>
          </div>
        </div>
        <span
          class="countdown"
          role="timer"
          aria-label="${left} seconds left"
          data-testid="countdown"
          data-urgent=${urgent ? 'true' : 'false'}
          >${formatCountdown(left)}</span
        >
      </div>
      <p class="reason" id="reason" data-testid="approval-reason"><strong>HIGH</strong> · ${v.reason}</p>
      ${
        v.conflict
          ? html`<span class="conflict" data-testid="approval-conflict">⚠ conflicting decisions on this request</span>`
          : null
      }
      <div class="actions">
        <button
          class="approve"
          data-testid="approve"
          title=${this.readOnly ?? ''}
          ?disabled=${closed || this.busy !== undefined || this.readOnly !== undefined}
          @click=${() => this.answer('approve')}
        >
          ${this.busy === 'approve' ? 'Approving…' : 'Approve'}<kbd aria-hidden="true">A</kbd>
        </button>
        <button
          class="danger"
          data-testid="deny"
          title=${this.readOnly ?? ''}
          ?disabled=${closed || this.busy !== undefined || this.readOnly !== undefined}
          @click=${() => this.answer('deny')}
        >
          ${this.busy === 'deny' ? 'Denying…' : 'Deny'}<kbd aria-hidden="true">D</kbd>
        </button>
      </div>
      ${this.error ? html`<p class="error" role="alert" data-testid="approval-error">${this.error}</p>` : null}
      ${
        this.readOnly === undefined
          ? null
          : html`<p class="error" data-testid="approval-read-only">Read-only: ${this.readOnly}</p>`
      }
      <p class="keys" id="keys">
        ${
          closed
            ? 'Deadline passed: denied automatically.'
            : 'Keys on this card: A approve · D deny · Esc keep it pending. No answer by 0:00 denies it.'
        }
      </p>
    </section>`;
  }

  private onKey(e: KeyboardEvent): void {
    // A held or chorded key is never an answer; Escape never approves.
    if (e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key.toLowerCase();
    if (key === 'a' || key === 'd') {
      e.preventDefault();
      this.answer(key === 'a' ? 'approve' : 'deny', true);
    } else if (key === 'escape') {
      e.preventDefault();
      const v = this.view;
      if (v === undefined) return;
      const detail: ApprovalDismissDetail = { requestId: v.requestId };
      this.dispatchEvent(new CustomEvent('approval-dismiss', { detail, bubbles: true, composed: true }));
    }
  }

  private answer(decision: DecisionArg, byKey = false): void {
    const v = this.view;
    if (
      v === undefined ||
      this.readOnly !== undefined ||
      this.busy !== undefined ||
      secondsLeft(v.deadline, this.now) === 0
    )
      return;
    const detail: ApprovalDecideDetail = { entityId: v.entityId, requestId: v.requestId, decision, byKey };
    this.dispatchEvent(new CustomEvent('approval-decide', { detail, bubbles: true, composed: true }));
  }
}

if (!customElements.get('lm-approval-card')) customElements.define('lm-approval-card', ApprovalCard);

declare global {
  interface HTMLElementTagNameMap {
    'lm-approval-card': ApprovalCard;
  }
}
