import { ValidationError } from '../errors';
import type { ComponentValue } from '../entity/component-types';
import { validateComponent } from '../entity/validate-component';
import { isFusedId } from '../fusion/fused-id';
import { asEntityId, type EntityId } from '../ids';

/**
 * What export writes and import takes (docs/ui.md, "Export and import"): the components of a track
 * as a sensor or an operator reports it. `fusion` is this node's derived view and `approval`/`task`
 * are the C2 workflow's own state (an imported approval would raise or decide a request), so they
 * stay out of the files.
 */
export const EXPORTED_KINDS = ['position', 'velocity', 'classification', 'threat', 'source', 'expiry'] as const;
export type ExportedKind = (typeof EXPORTED_KINDS)[number];

/**
 * Bounds of one import: the file's text (characters; the UI checks the file's size before reading
 * it) and its items. 10 000 items is one writeMany call (src/node/write-many.ts,
 * MAX_WRITE_MANY_ITEMS), so the good items are written in one RPC; 10 MB is ~1 KB per item, more
 * than either format needs.
 */
export const MAX_IMPORT_CHARS = 10_000_000;
export const MAX_IMPORT_ITEMS = 10_000;

export type PictureFormat = 'geojson' | 'cot';

/** A good item: an entity id and its validated components, ready for writeMany. */
export interface ImportedItem {
  readonly id: EntityId;
  readonly components: Readonly<Record<string, ComponentValue>>;
}

/** A bad item: its 0-based position in the file, its id when it had a readable one, and why. */
export interface RejectedItem {
  readonly index: number;
  readonly uid?: string;
  readonly reason: string;
}

export interface ImportResult {
  readonly imported: readonly ImportedItem[];
  readonly rejected: readonly RejectedItem[];
}

/** The picture as export sees it: an entity view's id and components (EntityView fits). */
export interface PictureEntity {
  readonly id: string;
  readonly components: Readonly<Record<string, unknown>>;
  /** Latest write to any component, epoch ms (CoT `start`). */
  readonly updatedAt?: number;
}

/** Checks the whole file's size before anything is parsed. */
export function checkSize(text: string): void {
  if (text.length > MAX_IMPORT_CHARS) {
    throw new ValidationError(`the file has ${text.length} characters, at most ${MAX_IMPORT_CHARS} are imported`);
  }
}

export function checkCount(count: number): void {
  if (count > MAX_IMPORT_ITEMS) {
    throw new ValidationError(`the file has ${count} items, at most ${MAX_IMPORT_ITEMS} are imported at once`);
  }
}

/**
 * Collects items: `read(i)` returns the item's id and raw components or throws a ValidationError,
 * which rejects that item alone (named by index and id) and keeps the rest. Components are checked
 * by the store's own validation (validateComponent), ids by asEntityId; an id seen earlier in the
 * file is rejected, as writeMany writes each entity once per call.
 */
export function collect(
  count: number,
  uidOf: (i: number) => string | undefined,
  read: (i: number) => Readonly<Record<string, unknown>>,
): ImportResult {
  checkCount(count);
  const imported: ImportedItem[] = [];
  const rejected: RejectedItem[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < count; index++) {
    let uid: string | undefined;
    try {
      uid = uidOf(index);
      // The item's shape first: "expected an object" says more than "invalid entity id undefined".
      const raw = read(index);
      const id = asEntityId(uid);
      // A fused track is derived from its sources on every node; stored under its id it would
      // stand beside the view and its sources on every node of the lattice (docs/ui.md).
      if (isFusedId(id)) {
        throw new ValidationError(`${JSON.stringify(id)} is a fused track: import its sources, fusion derives it`);
      }
      if (seen.has(id)) throw new ValidationError(`id ${JSON.stringify(id)} appears earlier in the file`);
      const components: Record<string, ComponentValue> = {};
      for (const [kind, value] of Object.entries(raw)) {
        if (value === undefined) continue;
        components[kind] = validateComponent(kind, value);
      }
      if (Object.keys(components).length === 0) throw new ValidationError('no components');
      seen.add(id);
      imported.push({ id, components });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      rejected.push(uid === undefined ? { index, reason: error.message } : { index, uid, reason: error.message });
    }
  }
  return { imported, rejected };
}

/** The exported kinds of an entity, others left out. */
export function exportedComponents(e: PictureEntity): Partial<Record<ExportedKind, unknown>> {
  const out: Partial<Record<ExportedKind, unknown>> = {};
  for (const kind of EXPORTED_KINDS) if (e.components[kind] !== undefined) out[kind] = e.components[kind];
  return out;
}
