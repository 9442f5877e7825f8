import { encodeTs } from '../clock/timestamp';
import type { ComponentValue, Expiry } from '../entity/component-types';
import type { EntityId, NodeId } from '../ids';
import { DELETED } from '../merge/version';
import type { EntityState } from './entity-state';

/** How one component came to be: shown by the inspector and returned by the API. */
export interface ComponentMeta {
  /** The winning version's timestamp in its sortable text form; pass it as `basedOn`. */
  readonly version: string;
  readonly author: NodeId;
  /** HLC physical time of the winning write, epoch ms. */
  readonly time: number;
  /** More than one concurrent head: the conflict marker. */
  readonly conflict: boolean;
  readonly heads: number;
}

/** A snapshot of an entity as the picture shows it: each component's winning value. */
export interface EntityView {
  readonly id: EntityId;
  readonly components: Readonly<Record<string, ComponentValue>>;
  readonly meta: Readonly<Record<string, ComponentMeta>>;
  /** Kinds whose heads conflict. */
  readonly conflicts: readonly string[];
  /** Latest write to any component, epoch ms. */
  readonly updatedAt: number;
}

export function expiryOf(state: EntityState): number | undefined {
  const heads = state.registers.get('expiry' as never);
  return heads === undefined ? undefined : (heads[0]!.value as Expiry).at;
}

/** The visible view of an entity, or undefined when it is deleted or expired at `now`. */
export function viewOf(state: EntityState, now: number): EntityView | undefined {
  if (!state.live) return undefined;
  const expiry = expiryOf(state);
  if (expiry !== undefined && expiry <= now) return undefined;
  const components: Record<string, ComponentValue> = {};
  const meta: Record<string, ComponentMeta> = {};
  const conflicts: string[] = [];
  let updatedAt = 0;
  for (const [kind, heads] of state.registers) {
    if (kind === DELETED) continue;
    const w = heads[0]!;
    components[kind] = w.value as ComponentValue;
    meta[kind] = {
      version: encodeTs(w.ts),
      author: w.ts.node,
      time: w.ts.ms,
      conflict: heads.length > 1,
      heads: heads.length,
    };
    if (heads.length > 1) conflicts.push(kind);
    for (const h of heads) if (h.ts.ms > updatedAt) updatedAt = h.ts.ms;
  }
  return { id: state.id, components, meta, conflicts, updatedAt };
}
