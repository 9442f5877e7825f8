import { LitElement, css, html, type PropertyValues } from 'lit';
import type { EntityView, HeadView } from '../node/node-api';
import { errorText } from './error-text';
import { clockTime, isoTime, orderedKinds, shortId, summarize } from './format';
import { controls } from './theme';
import type { HeadsClient } from './ui-client';

type HeadsState = { readonly heads: readonly HeadView[] } | { readonly error: string } | 'loading';

/**
 * Every component of one entity with its value, version, author and time. For a conflicted kind
 * it lists the concurrent heads (fetched with `client.heads`), winner first, so the operator sees
 * what each side wrote before resolving it.
 */
export class EntityInspector extends LitElement {
  static override properties = {
    client: { attribute: false },
    entity: { attribute: false },
    entityId: { attribute: false },
    heads: { state: true },
  };

  declare client: HeadsClient | undefined;
  declare entity: EntityView | undefined;
  declare entityId: string | null;
  /** Keyed by `id|kind|version|heads`, so a changed conflict is fetched again. */
  declare heads: ReadonlyMap<string, HeadsState>;

  constructor() {
    super();
    this.entityId = null;
    this.heads = new Map();
  }

  static override styles = [
    controls,
    css`
      :host {
        display: block;
      }
      h2 {
        margin: 0 0 8px;
        font-size: 18px;
        overflow-wrap: anywhere;
      }
      .empty {
        color: var(--lm-muted);
        margin: 0;
      }
      dl {
        display: grid;
        gap: 8px;
        margin: 0;
      }
      .comp {
        border: 1px solid var(--lm-border);
        border-radius: 8px;
        padding: 8px 10px;
        background: var(--lm-panel-2);
        min-width: 0;
      }
      .comp[data-conflict] {
        border-color: var(--lm-warn);
      }
      dt {
        font-weight: 600;
        display: flex;
        gap: 8px;
        align-items: baseline;
        flex-wrap: wrap;
      }
      dd {
        margin: 4px 0 0;
      }
      pre {
        margin: 4px 0;
        font-family: var(--lm-mono);
        font-size: 13px;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .meta {
        font-size: 12px;
        color: var(--lm-muted);
        font-family: var(--lm-mono);
        overflow-wrap: anywhere;
      }
      .warn {
        color: var(--lm-warn);
      }
      ol {
        margin: 6px 0 0;
        padding-left: 20px;
        display: grid;
        gap: 4px;
        font-size: 13px;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('entity') || changed.has('client')) this.fetchHeads();
  }

  private keyOf(v: EntityView, kind: string): string {
    const m = v.meta[kind];
    return `${v.id}|${kind}|${m?.version ?? ''}|${m?.heads ?? 0}`;
  }

  /** Fetches heads of conflicted kinds not fetched yet; forgets those no longer conflicted. */
  private fetchHeads(): void {
    const v = this.entity;
    const client = this.client;
    const next = new Map<string, HeadsState>();
    const missing: { kind: string; key: string }[] = [];
    for (const kind of v?.conflicts ?? []) {
      const key = this.keyOf(v as EntityView, kind);
      const have = this.heads.get(key);
      if (have !== undefined) next.set(key, have);
      else if (client !== undefined) missing.push({ kind, key });
    }
    if (missing.length === 0 && next.size === this.heads.size) return;
    for (const { key } of missing) next.set(key, 'loading');
    this.heads = next;
    if (v === undefined || client === undefined) return;
    for (const { kind, key } of missing) {
      client.heads(v.id, kind).then(
        (heads) => this.settle(key, { heads }),
        (err: unknown) => this.settle(key, { error: errorText(err) }),
      );
    }
  }

  private settle(key: string, state: HeadsState): void {
    // A late answer for a conflict that has moved on is dropped.
    if (this.heads.get(key) !== 'loading') return;
    this.heads = new Map(this.heads).set(key, state);
  }

  protected override render(): unknown {
    const v = this.entity;
    if (this.entityId === null) return html`<p class="empty">Select a track to inspect its components.</p>`;
    if (v === undefined) {
      return html`<h2 class="mono">${this.entityId}</h2>
        <p class="empty">Not in the picture (deleted, expired or not yet arrived).</p>`;
    }
    return html`<h2 class="mono" data-testid="inspector-title">${v.id}</h2>
      <dl>${orderedKinds(v).map((kind) => this.component(v, kind))}</dl>`;
  }

  private component(v: EntityView, kind: string): unknown {
    const meta = v.meta[kind];
    const conflict = v.conflicts.includes(kind);
    return html`<div class="comp" data-testid="inspector-component" data-kind=${kind} ?data-conflict=${conflict}>
      <dt>
        <span>${kind}</span>
        ${conflict ? html`<span class="warn" data-testid="conflict-marker">⚠ ${meta?.heads ?? 2} concurrent heads</span>` : null}
      </dt>
      <dd>
        <pre>${JSON.stringify(v.components[kind], null, 1)}</pre>
        ${
          meta
            ? html`<div class="meta">
                <div>author <span data-testid="author" title=${meta.author}>${shortId(meta.author, 16)}</span></div>
                <div>
                  time
                  <time datetime=${isoTime(meta.time)} title=${isoTime(meta.time)}>${clockTime(meta.time)} UTC</time>
                </div>
                <div>version <span data-testid="version">${meta.version}</span></div>
              </div>`
            : null
        }
        ${conflict ? this.headsList(v, kind) : null}
      </dd>
    </div>`;
  }

  private headsList(v: EntityView, kind: string): unknown {
    const state = this.heads.get(this.keyOf(v, kind));
    if (state === undefined || state === 'loading') return html`<p class="meta">loading heads…</p>`;
    if ('error' in state) return html`<p class="warn" role="alert">heads: ${state.error}</p>`;
    return html`<ol data-testid="heads">
      ${state.heads.map(
        (h, i) =>
          html`<li data-testid="head" title="version ${h.version}">
            ${i === 0 ? html`<strong>winner</strong> · ` : null}${h.value === null ? 'deleted' : summarize(kind, h.value)}
            <span class="meta">· ${shortId(h.author)} · ${clockTime(h.time)}</span>
          </li>`,
      )}
    </ol>`;
  }
}

if (!customElements.get('lm-entity-inspector')) customElements.define('lm-entity-inspector', EntityInspector);

declare global {
  interface HTMLElementTagNameMap {
    'lm-entity-inspector': EntityInspector;
  }
}
