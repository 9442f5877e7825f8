import type { JsonValue } from '../../core/entity/component-types';
import type { EntityMeta, HeldRecord } from '../../ports/storage';
import type { Segment } from './format';
import { isSegment } from './replay';
import type { UrgentRecord } from './schema';

/** A stored 'urgent' record as the adapter can use it, and whether anything of it was left out. */
export interface ReadUrgent {
  readonly record: UrgentRecord;
  readonly damaged: boolean;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isMetaPair = (x: unknown): x is [string, JsonValue] =>
  Array.isArray(x) && x.length === 2 && typeof x[0] === 'string';
const hasId = (x: unknown): x is EntityMeta => isObject(x) && typeof x.id === 'string';
const hasKey = (x: unknown): x is HeldRecord => isObject(x) && typeof x.key === 'string';
const isString = (x: unknown): x is string => typeof x === 'string';

/**
 * A priority-lane record (schema.ts UrgentRecord) read from a possibly damaged database: whatever
 * is not the shape the loads and the bulk commit's fold iterate over (a list that is not a list, a
 * segment replay cannot index, an entity meta without an id, a held write without a key) is left
 * out, so one damaged record cannot make every load and every bulk commit throw. What the node
 * then validates (entity metas, held writes) it sets aside itself (src/node/stored-check.ts).
 */
export function readUrgent(stored: unknown): ReadUrgent {
  let damaged = !isObject(stored);
  const r = isObject(stored) ? stored : {};
  function list<T>(value: unknown, ok: (x: unknown) => x is T): T[] {
    if (!Array.isArray(value)) {
      damaged = true;
      return [];
    }
    const sound = value.filter(ok);
    if (sound.length !== value.length) damaged = true;
    return sound;
  }
  const record: UrgentRecord = {
    segments: list<Segment>(r.segments, isSegment),
    meta: list(r.meta, isMetaPair),
    entities: list(r.entities, hasId),
    hold: list(r.hold, hasKey),
    unhold: list(r.unhold, isString),
  };
  return { record, damaged };
}
