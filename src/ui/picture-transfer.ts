import { LitElement, css, html } from 'lit';
import {
  exportPicture,
  fileOf,
  formatOf,
  fusedSources,
  importPicture,
  withSources,
} from '../core/interop/picture-format';
import { MAX_IMPORT_CHARS, type PictureFormat, type RejectedItem } from '../core/interop/picture-item';
import type { EntityView } from '../node/node-api';
import { errorText } from './error-text';
import { controls } from './theme';
import type { UiClient } from './ui-client';

/** Reasons listed at most under the result; the rest are counted. */
export const MAX_LISTED_REASONS = 20;

type Result =
  | { readonly kind: 'done'; readonly imported: number; readonly rejected: readonly RejectedItem[] }
  | { readonly kind: 'error'; readonly text: string };

/**
 * Export of the picture as GeoJSON or CoT, and import of either (docs/ui.md, "Export and import").
 * Done page-side: the mapping is the pure src/core/interop, the picture is the one the shell
 * holds, and the good items of a file are written with one writeMany call, so they replicate like
 * any write.
 */
export class PictureTransfer extends LitElement {
  static override properties = {
    client: { attribute: false },
    entities: { attribute: false },
    result: { state: true },
    busy: { state: true },
    readOnly: { attribute: false },
  };

  declare client: Pick<UiClient, 'writeMany' | 'get'> | undefined;
  /** Why this device cannot write (removed from its lattice: removed-banner.ts): Import is off, export stays. */
  declare readOnly: string | undefined;
  /** The picture, read whole only when saved (a map: the shell hands over its live picture). */
  declare entities: ReadonlyMap<string, EntityView>;
  declare result: Result | undefined;
  declare busy: boolean;

  constructor() {
    super();
    this.entities = new Map();
    this.busy = false;
  }

  static override styles = [
    controls,
    css`
      :host {
        display: grid;
        gap: 8px;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
      input[type='file'] {
        display: none;
      }
      .result {
        font-size: 14px;
      }
      .result ul {
        margin: 4px 0 0;
        padding-left: 20px;
      }
      .error {
        color: var(--lm-danger);
      }
    `,
  ];

  protected override render(): unknown {
    return html`
      <div class="row">
        <button type="button" data-testid="export-geojson" @click=${() => void this.save('geojson')}>
          Export GeoJSON
        </button>
        <button type="button" data-testid="export-cot" @click=${() => void this.save('cot')}>Export CoT</button>
        <button
          type="button"
          data-testid="import-picture"
          title=${this.readOnly ?? ''}
          ?disabled=${this.busy || this.client === undefined || this.readOnly !== undefined}
          @click=${this.pick}
        >
          Import…
        </button>
        <input
          type="file"
          data-testid="import-file"
          aria-label="File to import (GeoJSON or CoT)"
          accept=".geojson,.json,.cot,.xml,application/geo+json,application/json,application/xml,text/xml"
          @change=${this.onFile}
        />
      </div>
      <div class="result" role="status" data-testid="import-result">${this.message()}</div>
    `;
  }

  private message(): unknown {
    const r = this.result;
    if (r === undefined) return null;
    if (r.kind === 'error') return html`<span class="error">Import failed: ${r.text}</span>`;
    const listed = r.rejected.slice(0, MAX_LISTED_REASONS);
    return html`<strong>Imported ${r.imported}, rejected ${r.rejected.length}</strong> ${
        listed.length === 0
          ? null
          : html`<ul data-testid="import-rejections">
              ${listed.map(
                (x) => html`<li>item ${x.index + 1}${x.uid === undefined ? '' : ` (${x.uid})`}: ${x.reason}</li>`,
              )}
              ${r.rejected.length > listed.length ? html`<li>and ${r.rejected.length - listed.length} more</li>` : null}
            </ul>`
      }`;
  }

  /**
   * Saves the picture, each fused track as its sources (hidden from the picture while fused, so
   * read by id first): a fused track is derived, and imported it would be stored beside its
   * sources (docs/ui.md). Without a fused track it saves at once, inside the click.
   */
  private async save(format: PictureFormat): Promise<void> {
    const entities = [...this.entities.values()];
    const ids = [...new Set(entities.flatMap(fusedSources))];
    const client = this.client;
    const sources = new Map<string, EntityView>();
    if (ids.length > 0 && client !== undefined) {
      const found = await Promise.all(ids.map((id) => client.get(id).catch(() => undefined)));
      for (const v of found) if (v !== undefined) sources.set(v.id, v);
    }
    const now = Date.now();
    const text = exportPicture(
      withSources(entities, (id) => sources.get(id)),
      format,
      now,
    );
    const { name, type } = fileOf(format, now);
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  private pick = (): void => {
    this.renderRoot.querySelector<HTMLInputElement>('input[type="file"]')?.click();
  };

  private onFile = async (e: Event): Promise<void> => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file === undefined || this.client === undefined) return;
    this.busy = true;
    try {
      // UTF-8 takes at least a byte per character, so the byte size bounds the text before it is read.
      if (file.size > MAX_IMPORT_CHARS) {
        throw new Error(`${file.name} is ${file.size} bytes, at most ${MAX_IMPORT_CHARS} are imported`);
      }
      const text = await file.text();
      const { imported, rejected } = importPicture(text, formatOf(file.name, text));
      if (imported.length > 0) await this.client.writeMany(imported);
      this.result = { kind: 'done', imported: imported.length, rejected };
    } catch (error) {
      this.result = { kind: 'error', text: errorText(error) };
    } finally {
      this.busy = false;
    }
  };
}

if (!customElements.get('lm-picture-transfer')) customElements.define('lm-picture-transfer', PictureTransfer);

declare global {
  interface HTMLElementTagNameMap {
    'lm-picture-transfer': PictureTransfer;
  }
}
