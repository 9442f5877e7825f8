import { LitElement, css, html } from 'lit';
import type { RosterApi } from '../node/lattice-api';
import type { MemberView, MembersView } from '../node/roster-api';
import { fingerprint } from '../core/roster/fingerprint';
import { errorText } from './error-text';
import './invitation-card';
import { MembersController } from './members-feed';
import { controls } from './theme';

export type RosterClient = Pick<RosterApi, 'members' | 'invite' | 'removeMember'>;

/**
 * The lattice's roster (docs/security.md): each member by fingerprint, the founder and this node
 * marked; removed members and by whom; peers refused at admission and why; the Invite button; and
 * Remove per member, confirmed in place. Reads the shared members() feed while on screen
 * (members-feed.ts: one poll for it and the OPEN badge).
 */
export class RosterPanel extends LitElement {
  static override properties = {
    client: { attribute: false },
    confirming: { state: true },
    error: { state: true },
  };

  declare client: RosterClient | undefined;
  /** The member whose removal waits for confirmation. */
  declare confirming: string | undefined;
  declare error: string;
  private readonly members = new MembersController(this);

  constructor() {
    super();
    this.confirming = undefined;
    this.error = '';
  }

  static override styles = [
    controls,
    css`
      :host {
        display: grid;
        gap: 10px;
      }
      h3 {
        margin: 8px 0 0;
        font-size: 15px;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 6px;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: center;
      }
      .fp {
        font-family: var(--lm-mono);
      }
      .tag {
        font-size: 13px;
        padding: 2px 6px;
        border: 1px solid var(--lm-border);
        border-radius: 6px;
      }
      .muted {
        color: var(--lm-muted, inherit);
      }
      .error {
        color: var(--lm-danger, #c62828);
      }
    `,
  ];

  /** The roster as last read. */
  get roster(): MembersView | undefined {
    return this.members.view;
  }

  /** Reads the roster now (after an invitation or a removal). */
  refresh(): Promise<void> {
    return this.members.refresh();
  }

  protected override render(): unknown {
    const r = this.roster;
    if (r === undefined)
      return html`<h3>Members</h3>
        <div class="muted">Loading the roster…</div>`;
    return html`<h3>
        Members
        <span class="muted" data-testid="roster-summary"
          >${r.members.length} ${r.open ? '· open lattice: any device may join' : '· closed lattice'}</span
        >
      </h3>
      ${r.founder === undefined ? this.joining(r) : null}
      ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : null}
      <ul data-testid="members">
        ${r.members.map((m) => this.member(m, r))}
      </ul>
      ${
        r.removed.length === 0
          ? null
          : html`<h3>Removed</h3>
              <ul data-testid="removed">
                ${r.removed.map(
                  (x) =>
                    html`<li><span class="fp" title=${x.id}>${x.fingerprint}</span> removed by ${short(x.by)}</li>`,
                )}
              </ul>`
      }
      ${
        r.refused.length === 0
          ? null
          : html`<h3>Refused peers</h3>
              <ul data-testid="refused">
                ${r.refused.map((x) => html`<li><span class="fp" title=${x.id}>${x.fingerprint}</span> ${x.reason}</li>`)}
              </ul>`
      }
      ${r.members.some((m) => m.self) ? html`<lm-invitation-card .client=${this.client}></lm-invitation-card>` : null}`;
  }

  /** While this device joins: waiting for its inviter's roster, or why its inviter refused it. */
  private joining(r: MembersView): unknown {
    const refusal = r.joinRefused;
    if (refusal === undefined) return html`<div class="muted">Waiting for the inviting member’s roster…</div>`;
    return html`<div class="error" role="alert" data-testid="join-refused">
      Not admitted by the inviting member <span class="fp" title=${refusal.by}>${fingerprint(refusal.by)}</span>:
      ${refusal.reason}
    </div>`;
  }

  private member(m: MemberView, r: MembersView): unknown {
    const canRemove = r.members.some((x) => x.self) && !(m.self && m.founder);
    const confirming = this.confirming === m.id;
    return html`<li data-member=${m.id}>
      <span class="fp" title=${m.id}>${m.fingerprint}</span>
      ${m.founder ? html`<span class="tag">founder</span>` : null} ${m.self ? html`<span class="tag">you</span>` : null}
      ${
        !canRemove
          ? null
          : confirming
            ? html`<button
                  class="danger"
                  aria-label=${`Confirm removing ${m.fingerprint}`}
                  @click=${() => this.removeOne(m.id)}
                >
                  Confirm remove
                </button>
                <button aria-label="Keep this member" @click=${() => (this.confirming = undefined)}>Cancel</button>`
            : html`<button aria-label=${`Remove member ${m.fingerprint}`} @click=${() => (this.confirming = m.id)}>
                Remove
              </button>`
      }
    </li>`;
  }

  private async removeOne(id: string): Promise<void> {
    this.confirming = undefined;
    this.error = '';
    try {
      await this.client?.removeMember(id);
      await this.refresh();
    } catch (error) {
      this.error = errorText(error);
    }
  }
}

function short(id: string): string {
  return id.slice(0, 8);
}

if (!customElements.get('lm-roster-panel')) customElements.define('lm-roster-panel', RosterPanel);

declare global {
  interface HTMLElementTagNameMap {
    'lm-roster-panel': RosterPanel;
  }
}
