import { LitElement, css, html } from 'lit';
import { PollController } from './poll-controller';
import type { MeshApi, PeerView } from '../node/lattice-api';
import type { BudgetStats, NodeApi } from '../node/node-api';
import './budget-field';
import type { BudgetChangeDetail } from './budget-field';
import { budgetFigures, classTable, summarise } from './budget-figures';
import { errorText } from './error-text';
import { shortId } from './format';
import './roster-panel';
import type { RosterClient } from './roster-panel';
import { controls } from './theme';

/**
 * What the panel needs from the mesh (window.lattice provides it; tests pass a fake). The budget
 * calls are optional: without them the panel shows no budgets.
 */
export type PeersClient = Pick<MeshApi, 'peers' | 'partition' | 'heal'> &
  Partial<Pick<NodeApi, 'setBudget' | 'budgetStats'>>;

const REFRESH_MS = 1000;

/**
 * Every link of this node: state, RTT, bytes in/out on the wire, picture age and sync progress,
 * with a partition/heal button per link and for the whole node; each link's bandwidth budget and
 * burst and its live figures (queue, bytes/s, coalesced, deferred, handed to anti-entropy,
 * queue-to-wire p99: summed, and per class in a table the operator opens), and the node-wide
 * budget (docs/budgeter.md). Polls the client once a second while on screen.
 */
export class PeersPanel extends LitElement {
  static override properties = {
    client: { attribute: false },
    roster: { attribute: false },
    peers: { state: true },
    error: { state: true },
    busy: { state: true },
    budgets: { state: true },
    nodeBudget: { state: true },
  };

  declare client: PeersClient | undefined;
  /** The roster (members, refused peers, Invite); not shown without it. */
  declare roster: RosterClient | undefined;
  declare peers: readonly PeerView[];
  declare error: string;
  declare busy: boolean;
  /** Budget figures per linked peer (peers the worker has a session with). */
  declare budgets: ReadonlyMap<string, BudgetStats>;
  declare nodeBudget: BudgetStats | undefined;

  constructor() {
    super();
    // Polls while on screen (the UI's one polling controller).
    new PollController(this, REFRESH_MS, () => this.refresh());
    this.peers = [];
    this.error = '';
    this.busy = false;
    this.budgets = new Map();
    this.nodeBudget = undefined;
  }

  static override styles = [
    controls,
    css`
      :host {
        display: grid;
        gap: 10px;
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: center;
      }
      h2 {
        margin: 0;
        font-size: 16px;
        flex: 1;
        white-space: nowrap;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 8px;
      }
      li {
        border: 1px solid var(--lm-border);
        border-left: 4px solid var(--state);
        border-radius: 8px;
        padding: 8px 10px;
        display: grid;
        gap: 6px;
        background: var(--lm-panel-2);
      }
      .state-connected {
        --state: var(--lm-ok);
      }
      .state-connecting {
        --state: var(--lm-warn);
      }
      .state-disconnected {
        --state: var(--lm-muted);
      }
      .state-refused {
        --state: var(--lm-danger);
      }
      .row {
        display: flex;
        gap: 8px;
        align-items: center;
      }
      .id {
        flex: 1;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .badge {
        color: var(--state);
        font-size: 13px;
        font-weight: 600;
        text-transform: uppercase;
        letter-spacing: 0.04em;
      }
      dl {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(90px, 1fr));
        gap: 4px 12px;
        margin: 0;
        font-size: 13px;
      }
      dt {
        color: var(--lm-muted);
        font-size: 11px;
        text-transform: uppercase;
      }
      dd {
        margin: 0;
        font-variant-numeric: tabular-nums;
      }
      progress {
        width: 100%;
        height: 8px;
        accent-color: var(--lm-accent);
      }
      .budget {
        display: flex;
        flex-wrap: wrap;
        gap: 6px 12px;
        align-items: center;
      }
      details summary {
        cursor: pointer;
        font-size: 13px;
        color: var(--lm-muted);
        min-height: 44px;
        display: flex;
        align-items: center;
      }
      /* Wider than a phone: it scrolls sideways inside its row instead of squeezing the figures. */
      .classes {
        overflow-x: auto;
      }
      table {
        border-collapse: collapse;
        font-size: 13px;
        font-variant-numeric: tabular-nums;
        min-width: 100%;
      }
      th,
      td {
        padding: 4px 8px;
        text-align: right;
        white-space: nowrap;
        border-bottom: 1px solid var(--lm-border);
      }
      th[scope='row'],
      thead th:first-child {
        text-align: left;
      }
      thead th {
        color: var(--lm-muted);
        font-size: 11px;
        text-transform: uppercase;
        font-weight: 600;
      }
      .empty,
      .error {
        font-size: 14px;
        color: var(--lm-muted);
      }
      .error {
        color: var(--lm-danger-text);
      }
    `,
  ];

  protected override render(): unknown {
    const connected = this.peers.filter((p) => p.state === 'connected').length;
    return html`
      <div class="head">
        <h2>
          Peers <span class="muted" data-testid="peers-summary">${connected}/${this.peers.length} connected</span>
        </h2>
        <button
          class="danger"
          ?disabled=${this.busy || this.client === undefined}
          @click=${() => this.act('partition')}
        >
          Partition all
        </button>
        <button ?disabled=${this.busy || this.client === undefined} @click=${() => this.act('heal')}>Heal all</button>
      </div>
      ${
        this.nodeBudget === undefined
          ? null
          : html`<div class="budget" data-testid="node-budget">
              <lm-budget-field
                label="Node budget"
                .current=${this.nodeBudget.bytesPerSecond}
                .burst=${this.nodeBudget.burstBytes}
                ?disabled=${this.busy}
                @budget-change=${(e: CustomEvent<BudgetChangeDetail>) => this.budget('node', e.detail)}
              ></lm-budget-field>
              <span class="muted">sending ${Math.round(this.nodeBudget.sentBytesPerSecond)} B/s</span>
            </div>`
      }
      ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : null}
      ${
        this.peers.length === 0
          ? html`<div class="empty">No peers yet: open another tab, or pair a device below.</div>`
          : html`<ul>
              ${this.peers.map((p) => this.peer(p))}
            </ul>`
      }
      ${this.roster === undefined ? null : html`<lm-roster-panel .client=${this.roster}></lm-roster-panel>`}
    `;
  }

  private peer(p: PeerView): unknown {
    const refused = p.state === 'refused';
    return html`<li class="state-${p.state}" data-testid="peer-row" data-peer=${p.id} data-state=${p.state}>
      <div class="row">
        <span class="id mono" title=${p.id}>${shortId(p.id, 12)}</span>
        <span class="badge">${p.state}</span>
        ${
          refused
            ? html`<button ?disabled=${this.busy} @click=${() => this.act('heal', p.id)}>Heal</button>`
            : html`<button class="danger" ?disabled=${this.busy} @click=${() => this.act('partition', p.id)}>
                Partition
              </button>`
        }
      </div>
      <dl>
        <div>
          <dt>RTT</dt>
          <dd>${p.rttMs === undefined ? '—' : `${Math.round(p.rttMs)} ms`}</dd>
        </div>
        <div>
          <dt>In</dt>
          <dd>${bytes(p.bytesIn)}</dd>
        </div>
        <div>
          <dt>Out</dt>
          <dd>${bytes(p.bytesOut)}</dd>
        </div>
        <div>
          <dt>Picture age</dt>
          <dd>${age(p.pictureAgeMs)}</dd>
        </div>
        <div>
          <dt>Sync</dt>
          <dd>${p.syncState ?? '—'}${p.stuck > 0 ? ` (${p.stuck} stuck)` : ''}</dd>
        </div>
        <div>
          <dt>Via</dt>
          <dd>${p.via ?? '—'}</dd>
        </div>
      </dl>
      ${this.linkBudget(p.id)}
      ${
        p.syncProgress === undefined
          ? null
          : html`<progress max="1" .value=${p.syncProgress} aria-label="sync progress"></progress>`
      }
      ${p.lastError && p.state !== 'connected' ? html`<span class="muted">last: ${p.lastError}</span>` : null}
    </li>`;
  }

  private linkBudget(peer: string): unknown {
    const stats = this.budgets.get(peer);
    if (stats === undefined) return null;
    return html`<div class="budget" data-testid="link-budget">
        <lm-budget-field
          .current=${stats.bytesPerSecond}
          .burst=${stats.burstBytes}
          ?disabled=${this.busy}
          @budget-change=${(e: CustomEvent<BudgetChangeDetail>) => this.budget(peer, e.detail)}
        ></lm-budget-field>
      </div>
      <dl>${budgetFigures(summarise(stats))}</dl>
      ${classTable(stats)}`;
  }

  private async refresh(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    try {
      this.peers = await client.peers();
      this.error = '';
    } catch (error) {
      this.error = errorText(error);
    }
    await this.refreshBudgets(client);
  }

  /** Figures of every link the worker has a session on, and the node's; a link gone meanwhile is skipped. */
  private async refreshBudgets(client: PeersClient): Promise<void> {
    const stats = client.budgetStats;
    if (stats === undefined) return;
    const linked = this.peers.filter((p) => p.syncState !== undefined);
    const figures = await Promise.all(linked.map((p) => stats.call(client, p.id).catch(() => undefined)));
    const budgets = new Map<string, BudgetStats>();
    linked.forEach((p, i) => {
      const f = figures[i];
      if (f !== undefined) budgets.set(p.id, f);
    });
    this.budgets = budgets;
    this.nodeBudget = await stats.call(client).catch(() => undefined);
  }

  private async budget(target: string, detail: BudgetChangeDetail): Promise<void> {
    const client = this.client;
    if (client?.setBudget === undefined) return;
    this.busy = true;
    try {
      await client.setBudget(
        target,
        detail.burstBytes === undefined
          ? { bytesPerSecond: detail.bytesPerSecond }
          : { bytesPerSecond: detail.bytesPerSecond, burstBytes: detail.burstBytes },
      );
      await this.refresh();
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.busy = false;
    }
  }

  private async act(action: 'partition' | 'heal', peer?: string): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    this.busy = true;
    try {
      await client[action](peer);
      await this.refresh();
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.busy = false;
    }
  }
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function age(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

if (!customElements.get('lm-peers-panel')) customElements.define('lm-peers-panel', PeersPanel);

declare global {
  interface HTMLElementTagNameMap {
    'lm-peers-panel': PeersPanel;
  }
}
