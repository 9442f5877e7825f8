import { ValidationError } from '../core/errors';
import { onlyKeys, record } from '../core/entity/validate-fields';
import type { ComponentValue } from '../core/entity/component-types';
import { asEntityId, type ComponentKind, type EntityId } from '../core/ids';
import type { EntityStore } from '../core/store/entity-store';
import { checkSendable, checkWrite } from './prepare-write';

/**
 * Bounds of one writeMany call: enough for a simulator's or importer's tick of 10k tracks, small
 * enough that one call's commit and views stay short for the worker (docs/performance.md, the
 * batch write) and that a caller cannot make the node build an unbounded transaction.
 */
export const MAX_WRITE_MANY_ITEMS = 10_000;
export const MAX_WRITE_MANY_COMPONENTS = 50_000;

/** One item of writeMany: an entity (created if absent, else updated) and the components to write. */
export interface WriteItem {
  readonly id?: string;
  readonly components: Readonly<Record<string, unknown>>;
}

/** A checked item, ready to stamp. */
export interface CheckedItem {
  readonly id: EntityId;
  readonly values: ReadonlyMap<ComponentKind, ComponentValue>;
}

/**
 * Checks a whole batch before anything changes, each item as update() checks it (plus what makes it
 * sendable), so a bad item refuses the call with an error naming it (`writeMany[3] (id "x"): ...`)
 * and nothing is written. Ids must be distinct: the batch is one write with one timestamp.
 */
export function checkWriteMany(
  store: EntityStore,
  items: unknown,
  newId: () => string,
  self: Parameters<typeof checkSendable>[3],
  /** The least ms the batch's stamp carries (stampAtLeast): an expiry must be after it. */
  stampMs: number,
): CheckedItem[] {
  if (!Array.isArray(items)) throw new ValidationError('writeMany: expected an array of {id?, components}');
  if (items.length > MAX_WRITE_MANY_ITEMS) {
    throw new ValidationError(`writeMany: ${items.length} items, at most ${MAX_WRITE_MANY_ITEMS} per call`);
  }
  const out: CheckedItem[] = [];
  const ids = new Set<EntityId>();
  let components = 0;
  for (let i = 0; i < items.length; i++) {
    const raw: unknown = items[i];
    try {
      const item = record(raw, 'item');
      onlyKeys(item, ['id', 'components'], 'item');
      const id = asEntityId(item.id === undefined ? newId() : item.id);
      if (ids.has(id)) throw new ValidationError(`entity ${id} appears twice in one batch`);
      const values = checkWrite(store, id, item.components, undefined);
      checkSendable(store, id, values, self, stampMs);
      components += values.size;
      if (components > MAX_WRITE_MANY_COMPONENTS) {
        throw new ValidationError(`more than ${MAX_WRITE_MANY_COMPONENTS} components in one call`);
      }
      ids.add(id);
      out.push({ id, values });
    } catch (error) {
      // Named only when refused: the text costs a JSON text of the id per item (docs/benchmarks.md, scenario 6).
      if (error instanceof ValidationError) throw new ValidationError(`${where(i, raw)}: ${error.message}`);
      throw error;
    }
  }
  return out;
}

/** How a refusal names item `i` of a writeMany call. */
function where(i: number, raw: unknown): string {
  const rawId = (raw as { id?: unknown } | null)?.id;
  return `writeMany[${i}]${typeof rawId === 'string' ? ` (id ${JSON.stringify(rawId)})` : ''}`;
}
