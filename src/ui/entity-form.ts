import { LitElement, html, type PropertyValues } from 'lit';
import { DISPOSITIONS, ENVIRONMENTS, THREAT_LEVELS } from '../core/entity/component-types';
import type { EntityView } from '../node/node-api';
import { formStyles } from './entity-form-styles';
import { errorText } from './error-text';
import { emit } from './events';
import { componentsOf, EMPTY_FIELDS, fieldsOf, planEdit, type FormFields } from './form-model';
import { controls } from './theme';
import type { FormClient } from './ui-client';

/**
 * Create, edit or delete an entity by hand. With `entityId` null it creates; otherwise it edits
 * that entity as it was when opened: the versions shown then go out as `basedOn`, so a change
 * made meanwhile by someone else is refused with a conflict instead of being overwritten. Every
 * refusal (validation, conflict, storage) is shown next to the form.
 *
 * @fires entity-saved - created or updated (`detail.id`, `detail.view`, `detail.created`)
 * @fires entity-deleted - deleted (`detail.id`)
 * @fires entity-select - "New" pressed: clear the selection (`detail.id` null)
 */
export class EntityForm extends LitElement {
  static override properties = {
    client: { attribute: false },
    entity: { attribute: false },
    entityId: { attribute: false },
    fields: { state: true },
    error: { state: true },
    status: { state: true },
    busy: { state: true },
    armedDelete: { state: true },
    readOnly: { attribute: false },
  };

  declare client: FormClient | undefined;
  /** The selected entity as the picture currently shows it. */
  declare entity: EntityView | undefined;
  declare entityId: string | null;
  declare fields: FormFields;
  declare error: string;
  declare status: string;
  declare busy: boolean;
  declare armedDelete: boolean;
  /** Why this device cannot write (removed from its lattice: removed-banner.ts): Create, Save and Delete are off. */
  declare readOnly: string | undefined;
  /** The entity as it was when the form opened: the base of the edit and its `basedOn` versions. */
  private base: EntityView | undefined;
  private loadedId: string | null = null;

  constructor() {
    super();
    this.entityId = null;
    this.fields = EMPTY_FIELDS;
    this.error = '';
    this.status = '';
    this.busy = false;
    this.armedDelete = false;
  }

  static override styles = [controls, formStyles];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('entityId') && !changed.has('entity')) return;
    if (this.entityId === null) {
      if (this.loadedId !== null || changed.has('entityId')) this.open(undefined);
      return;
    }
    if (this.entityId === this.loadedId) return;
    if (this.entity?.id === this.entityId) this.open(this.entity);
    // Selected but not (yet) in the picture: blank, never the previous entity's values.
    else if (changed.has('entityId')) this.open(undefined);
  }

  /** (Re)opens the form on an entity, or empty for a new one; drops unsaved edits. */
  private open(view: EntityView | undefined): void {
    this.base = view;
    this.loadedId = view?.id ?? null;
    this.fields = view === undefined ? EMPTY_FIELDS : fieldsOf(view);
    this.error = '';
    this.status = '';
    this.armedDelete = false;
  }

  /** Kinds that changed in the picture since the form opened. */
  private movedKinds(): string[] {
    const base = this.base;
    const now = this.entity;
    if (base === undefined || now === undefined || now.id !== base.id) return [];
    const kinds = new Set([...Object.keys(base.meta), ...Object.keys(now.meta)]);
    return [...kinds].filter((k) => base.meta[k]?.version !== now.meta[k]?.version);
  }

  protected override render(): unknown {
    const editing = this.entityId !== null;
    const f = this.fields;
    const gone = editing && this.entity === undefined;
    const moved = this.movedKinds();
    return html`<form novalidate @submit=${this.onSubmit} @input=${this.onInput} @change=${this.onInput}>
      <h2>
        <span data-testid="form-title"
          >${editing ? html`Edit <span class="mono">${this.entityId}</span>` : 'New entity'}</span
        >
        ${editing ? html`<button type="button" data-testid="form-new" @click=${this.onNew}>New</button>` : null}
      </h2>
      ${gone ? html`<p class="notice" data-testid="form-gone">This entity is no longer in the picture (deleted or expired).</p>` : null}
      ${
        moved.length > 0 && !gone
          ? html`<p class="notice" data-testid="form-moved">
              <span>Changed since you opened it: ${moved.join(', ')}. Saving those would be refused.</span>
              <button type="button" data-testid="form-reload" @click=${() => this.open(this.entity)}>Reload</button>
            </p>`
          : null
      }
      ${
        editing
          ? null
          : html`<label
              >Entity id (optional)<input
                name="id"
                data-testid="field-id"
                autocomplete="off"
                spellcheck="false"
                placeholder="generated if empty"
                .value=${f.id}
            /></label>`
      }
      <fieldset>
        <legend>Position (degrees, metres)</legend>
        ${this.num('lat', 'Latitude')} ${this.num('lon', 'Longitude')} ${this.num('alt', 'Altitude')}
      </fieldset>
      <fieldset>
        <legend>Velocity (m/s)</legend>
        ${this.num('east', 'East')} ${this.num('north', 'North')}
      </fieldset>
      <fieldset>
        <legend>Classification</legend>
        <label class="wide">Label<input name="label" data-testid="field-label" .value=${f.label} /></label>
        ${this.select('disposition', 'Disposition', DISPOSITIONS)}
        ${this.select('environment', 'Environment', ENVIRONMENTS)} ${this.num('confidence', 'Confidence 0–1')}
      </fieldset>
      <fieldset>
        <legend>Threat</legend>
        ${this.select('threat', 'Level', THREAT_LEVELS)}
      </fieldset>
      <label
        >Other components (JSON)<textarea
          name="other"
          data-testid="field-other"
          spellcheck="false"
          placeholder='{"speed": {"kts": 250}}'
          .value=${f.other}
        ></textarea>
      </label>
      ${this.error ? html`<p class="error" role="alert" data-testid="form-error">${this.error}</p>` : null}
      ${this.status ? html`<p class="status" role="status" data-testid="form-status">${this.status}</p>` : null}
      ${
        this.readOnly === undefined
          ? null
          : html`<p class="status" data-testid="form-read-only">Read-only: ${this.readOnly}</p>`
      }
      <div class="actions">
        <button
          class="primary"
          type="submit"
          data-testid="form-submit"
          title=${this.readOnly ?? ''}
          ?disabled=${this.busy || this.client === undefined || this.readOnly !== undefined}
        >
          ${editing ? 'Save changes' : 'Create'}
        </button>
        <span class="spacer"></span>
        ${editing ? this.deleteButtons() : null}
      </div>
    </form>`;
  }

  private num(name: keyof FormFields, label: string): unknown {
    return html`<label
      >${label}<input
        name=${name}
        data-testid="field-${name}"
        inputmode="decimal"
        autocomplete="off"
        .value=${this.fields[name]}
    /></label>`;
  }

  private select(name: keyof FormFields, label: string, options: readonly string[]): unknown {
    const value = this.fields[name];
    return html`<label
      >${label}<select name=${name} data-testid="field-${name}">
        <option value="" ?selected=${value === ''}>—</option>
        ${options.map((o) => html`<option value=${o} ?selected=${value === o}>${o}</option>`)}
      </select></label
    >`;
  }

  private deleteButtons(): unknown {
    if (!this.armedDelete) {
      return html`<button
        type="button"
        class="danger"
        data-testid="form-delete"
        title=${this.readOnly ?? ''}
        ?disabled=${this.busy || this.readOnly !== undefined}
        @click=${() => (this.armedDelete = true)}
      >
        Delete
      </button>`;
    }
    // A second, explicit press instead of window.confirm: works in a PWA and keeps focus in the form.
    return html`<button type="button" data-testid="form-delete-cancel" @click=${() => (this.armedDelete = false)}>
        Keep
      </button>
      <button
        type="button"
        class="danger"
        data-testid="form-delete-confirm"
        ?disabled=${this.busy || this.readOnly !== undefined}
        @click=${() => void this.deleteEntity()}
      >
        Confirm delete
      </button>`;
  }

  private onInput = (e: Event): void => {
    const el = e.target as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (!(el.name in this.fields)) return;
    this.fields = { ...this.fields, [el.name]: el.value };
    this.status = '';
  };

  private onNew = (): void => {
    emit(this, 'entity-select', { id: null });
  };

  private onSubmit = (e: Event): void => {
    e.preventDefault();
    void this.submit();
  };

  private async submit(): Promise<void> {
    const client = this.client;
    if (client === undefined || this.busy) return;
    this.error = '';
    this.status = '';
    const parsed = componentsOf(this.fields, this.base);
    if (!parsed.ok) {
      this.error = parsed.error;
      return;
    }
    this.busy = true;
    try {
      if (this.entityId === null) await this.create(client, parsed.components);
      else await this.save(client, this.entityId, parsed.components);
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.busy = false;
    }
  }

  private async create(client: FormClient, components: Readonly<Record<string, unknown>>): Promise<void> {
    const id = this.fields.id.trim();
    const view = await client.create(id === '' ? { components } : { id, components });
    emit(this, 'entity-saved', { id: view.id, view, created: true });
  }

  private async save(client: FormClient, id: string, components: Readonly<Record<string, unknown>>): Promise<void> {
    const base = this.base;
    if (base === undefined) {
      this.error = 'This entity is not in the picture; it cannot be edited.';
      return;
    }
    const plan = planEdit(components, base);
    if (!plan.ok) {
      this.error = plan.error;
      return;
    }
    const kinds = Object.keys(plan.changed);
    if (kinds.length === 0) {
      this.status = 'Nothing changed.';
      return;
    }
    // A kind that was in conflict when opened is written without basedOn: the operator saw its
    // heads in the inspector, and this write (which has seen them) is what resolves the conflict.
    const basedOn: Record<string, string> = {};
    for (const kind of kinds) {
      const meta = base.meta[kind];
      if (meta !== undefined && !meta.conflict) basedOn[kind] = meta.version;
    }
    const view = await client.update(id, plan.changed, { basedOn });
    this.open(view);
    this.status = `Saved ${kinds.join(', ')}.`;
    emit(this, 'entity-saved', { id, view, created: false });
  }

  private async deleteEntity(): Promise<void> {
    const client = this.client;
    const id = this.entityId;
    if (client === undefined || id === null) return;
    this.busy = true;
    this.error = '';
    try {
      await client.remove(id);
      this.armedDelete = false;
      emit(this, 'entity-deleted', { id });
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.busy = false;
    }
  }
}

if (!customElements.get('lm-entity-form')) customElements.define('lm-entity-form', EntityForm);

declare global {
  interface HTMLElementTagNameMap {
    'lm-entity-form': EntityForm;
  }
}
