import type { Fusion } from '../core/entity/component-types';
import type { EntityView } from '../node/node-api';

/**
 * The id under which an entity is on screen. A source track fused with another is hidden from the
 * picture under its fused view (docs/fusion.md): selecting it by id (the approval prompt's "Show
 * track" names the source that raised the request) selects the fused track that shows it, so the
 * map, the list and the inspector show what is asked about. Any other id is its own.
 */
export function shownId(entities: ReadonlyMap<string, EntityView>, id: string): string {
  if (entities.has(id)) return id;
  for (const v of entities.values()) {
    const sources = (v.components.fusion as Fusion | undefined)?.sources;
    if (sources?.includes(id as Fusion['sources'][number]) === true) return v.id;
  }
  return id;
}
