import { LitElement, css, html, type PropertyValues } from 'lit';
import { fingerprint } from '../core/roster/fingerprint';
import type { EntityView, HeadView } from '../node/node-api';
import { errorText } from './error-text';
import { COORD_FORMAT_TEXT, loadCoordFormat, saveCoordFormat, type CoordFormat } from './coord-setting';
import { clockTime, isoTime, orderedKinds } from './format';
import { readable, type Field } from './readable';
import { taskFields } from './approvals/standing-task';
import { controls } from './theme';
import type { HeadsClient } from './ui-client';

type HeadsState = { readonly heads: readonly HeadView[] } | { readonly error: string } | 'loading';

/** What became of the last "keep this one", by `id|kind`. */
type KeepState = { readonly busy: true } | { readonly error: string };

/** The versions of a set of heads, order-free, to tell whether the heads moved on. */
const versionsOf = (heads: readonly HeadView[]): string =>
  heads
    .map((h) => h.version)
    .sort()
    .join(',');

/**
 * Every component of one entity as a person reads it (units, compass headings, lat/lon or MGRS per
 * the persisted setting), with who wrote it (author fingerprint), when (UTC clock) and its version.
 * For a conflicted kind the concurrent heads (fetched with `client.heads`) stand side by side,
 * winner first, so the operator compares what each side wrote, and **Keep this one** under each
 * resolves the conflict with that value: a plain update, which the node stamps with the causal
 * context of every head it holds (`contextFor`, docs/architecture.md), so the write has seen them all
 * and every node that receives it drops them. The heads are read again first; if they moved on
 * since they were shown, nothing is written and the new heads are shown instead.
 */
export class EntityInspector extends LitElement {
  static override properties = {
    client: { attribute: false },
    entity: { attribute: false },
    entityId: { attribute: false },
    heads: { state: true },
    coords: { state: true },
    keeping: { state: true },
    readOnly: { attribute: false },
  };

  declare client: HeadsClient | undefined;
  declare entity: EntityView | undefined;
  declare entityId: string | null;
  /** Keyed by `id|kind|version|heads`, so a changed conflict is fetched again. */
  declare heads: ReadonlyMap<string, HeadsState>;
  declare coords: CoordFormat;
  declare keeping: ReadonlyMap<string, KeepState>;
  /**
   * Why this device cannot write (it stands removed: docs/security.md, "A removed device"), or
   * undefined: **Keep this one** is a write (an update), so it is disabled, with the reason as its title.
   */
  declare readOnly: string | undefined;

  constructor() {
    super();
    this.entityId = null;
    this.heads = new Map();
    this.keeping = new Map();
    this.coords = loadCoordFormat();
  }

  static override styles = [
    controls,
    css`
      :host {
        display: block;
      }
      .title {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 8px;
        margin: 0 0 8px;
      }
      h2 {
        margin: 0;
        font-size: 18px;
        overflow-wrap: anywhere;
      }
      .fields {
        display: grid;
        grid-template-columns: max-content minmax(0, 1fr);
        gap: 2px 10px;
        margin: 4px 0;
        font-size: 15px;
      }
      .fields > div {
        display: contents;
      }
      .fields dt {
        font-weight: 400;
        color: var(--lm-muted);
      }
      .fields dd {
        margin: 0;
        overflow-wrap: anywhere;
        font-variant-numeric: tabular-nums;
      }
      .heads {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
        gap: 8px;
        margin-top: 6px;
      }
      .head {
        border: 1px solid var(--lm-border);
        border-radius: 8px;
        padding: 6px 8px;
        background: var(--lm-panel);
      }
      .head.winner {
        border-color: var(--lm-accent);
      }
      .head button {
        margin-top: 6px;
        width: 100%;
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
      .meta {
        font-size: 12px;
        color: var(--lm-muted);
        font-family: var(--lm-mono);
        overflow-wrap: anywhere;
      }
      .warn {
        color: var(--lm-warn);
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
    return html`<div class="title">
        <h2 class="mono" data-testid="inspector-title">${v.id}</h2>
        <button
          type="button"
          data-testid="coord-toggle"
          aria-label=${`Positions in ${COORD_FORMAT_TEXT[this.coords]}: switch`}
          @click=${this.toggleCoords}
        >
          ${COORD_FORMAT_TEXT[this.coords]}
        </button>
      </div>
      <dl>${orderedKinds(v).map((kind) => this.component(v, kind))}</dl>`;
  }

  private toggleCoords = (): void => {
    this.coords = this.coords === 'latlon' ? 'mgrs' : 'latlon';
    saveCoordFormat(this.coords);
  };

  private fields(kind: string, value: Parameters<typeof readable>[1]): unknown {
    return this.fieldList(readable(kind, value, this.coords));
  }

  private fieldList(rows: readonly Field[]): unknown {
    return html`<dl class="fields" data-testid="fields">
      ${rows.map(
        (f) =>
          html`<div>
            <dt>${f.label}</dt>
            <dd>${f.text}</dd>
          </div>`,
      )}
    </dl>`;
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
        ${
          // The task's fields say whether an intercept is in force, which needs the approval beside it.
          kind === 'task' ? this.fieldList(taskFields(v)) : this.fields(kind, v.components[kind]!)
        }
        ${
          meta
            ? html`<div class="meta">
                <div>
                  ${
                    meta.derived
                      ? html`<span data-testid="derived" data-by=${meta.derived.by}
                          >derived by ${meta.derived.by} from versions by
                          ${meta.derived.authors.map(
                            (a, k) =>
                              html`${k > 0 ? ', ' : ''}<span data-testid="derived-author" title=${a}
                                  >${fingerprint(a)}</span
                                >`,
                          )};
                          not written</span
                        >`
                      : html`author <span data-testid="author" title=${meta.author}>${fingerprint(meta.author)}</span>`
                  }
                  ${
                    meta.derived && !meta.unverified
                      ? html`<span data-testid="signature" data-verified="true"
                          >✓ its sources' signatures verified</span
                        >`
                      : meta.derived
                        ? html`<span data-testid="signature" data-verified="false" class="warn"
                            >⚠ a source's signature not verified</span
                          >`
                        : meta.unverified
                          ? html`<span data-testid="signature" data-verified="false" class="warn"
                              >⚠ signature not verified</span
                            >`
                          : html`<span data-testid="signature" data-verified="true">✓ signature verified</span>`
                  }
                </div>
                <div>
                  time
                  <time data-testid="clock" datetime=${isoTime(meta.time)} title=${isoTime(meta.time)}
                    >${clockTime(meta.time)} UTC</time
                  >
                </div>
                <div>
                  ${meta.derived ? 'follows version' : 'version'} <span data-testid="version">${meta.version}</span>
                </div>
              </div>`
            : null
        }
        ${conflict ? this.headsList(v, kind) : null}
      </dd>
    </div>`;
  }

  /**
   * Resolves `kind`'s conflict with `head`'s value, if the heads are still those shown: a plain
   * update (no `basedOn`, which a conflicted kind always fails), whose context covers every head.
   */
  private async keep(v: EntityView, kind: string, shown: readonly HeadView[], head: HeadView): Promise<void> {
    const client = this.client;
    const slot = `${v.id}|${kind}`;
    const held = this.keeping.get(slot);
    if (client === undefined || head.value === null || this.readOnly !== undefined) return;
    if (held !== undefined && 'busy' in held) return;
    this.keeping = new Map(this.keeping).set(slot, { busy: true });
    let outcome: KeepState | undefined;
    try {
      const now = await client.heads(v.id, kind);
      if (versionsOf(now) !== versionsOf(shown)) {
        outcome = { error: 'The values changed meanwhile: nothing was written. Look again and choose.' };
        this.heads = new Map(this.heads).set(this.keyOf(v, kind), { heads: now });
      } else {
        await client.update(v.id, { [kind]: head.value });
      }
    } catch (err) {
      outcome = { error: errorText(err) };
    }
    const next = new Map(this.keeping);
    if (outcome === undefined) next.delete(slot);
    else next.set(slot, outcome);
    this.keeping = next;
  }

  private headsList(v: EntityView, kind: string): unknown {
    const state = this.heads.get(this.keyOf(v, kind));
    if (state === undefined || state === 'loading') return html`<p class="meta">loading heads…</p>`;
    if ('error' in state) return html`<p class="warn" role="alert">heads: ${state.error}</p>`;
    const keeping = this.keeping.get(`${v.id}|${kind}`);
    const busy = keeping !== undefined && 'busy' in keeping;
    return html`${
        keeping !== undefined && 'error' in keeping
          ? html`<p class="warn" role="alert" data-testid="keep-error">${keeping.error}</p>`
          : null
      }
      <div class="heads" data-testid="heads" role="list" aria-label="Concurrent values">
        ${state.heads.map(
          (h, i) =>
            html`<div
              class="head ${i === 0 ? 'winner' : ''}"
              role="listitem"
              data-testid="head"
              title="version ${h.version}"
            >
              <strong>${i === 0 ? 'winner' : `head ${(i + 1).toString()}`}</strong>
              ${h.value === null ? html`<p>deleted</p>` : this.fields(kind, h.value)}
              <div class="meta">
                <span data-testid="head-author" title=${h.author}>${fingerprint(h.author)}</span><br />
                <time datetime=${isoTime(h.time)}>${clockTime(h.time)} UTC</time>
              </div>
              ${
                h.value === null
                  ? null
                  : html`<button
                      type="button"
                      data-testid="keep-head"
                      title=${this.readOnly ?? ''}
                      ?disabled=${busy || this.readOnly !== undefined}
                      aria-label=${`Keep this one: ${kind}, ${i === 0 ? 'the winner' : `head ${(i + 1).toString()}`}`}
                      @click=${() => void this.keep(v, kind, state.heads, h)}
                    >
                      Keep this one
                    </button>`
              }
            </div>`,
        )}
      </div>`;
  }
}

if (!customElements.get('lm-entity-inspector')) customElements.define('lm-entity-inspector', EntityInspector);

declare global {
  interface HTMLElementTagNameMap {
    'lm-entity-inspector': EntityInspector;
  }
}
