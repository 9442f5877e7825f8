import type { EntityId } from '../core/ids';
import type { EntityMeta } from '../core/store/entity-state';
import type { EntityStore } from '../core/store/entity-store';

/**
 * The metas storage must keep for these entities: those whose versions alone would not restore
 * them (see EntityStore.snapshot). Most entities need none: a track only its sensor writes holds
 * one head per component, by that sensor, with no context, and re-applying that head teaches
 * exactly what its register knows. An entity with a floor, a tombstone, or a register that heard
 * of another writer (a context, or a version since dropped) is kept, so a restart neither forgets
 * what dropped versions taught nor lets an expired entity's old versions back in. An entity whose
 * evidence changed (`rewrite`) is written whatever it holds: its stored meta may still name evidence
 * since released (core/store/evidence.ts), which must not come back on a restart.
 */
export function metasToKeep(
  store: EntityStore,
  ids: Iterable<EntityId>,
  rewrite?: ReadonlySet<EntityId>,
): EntityMeta[] {
  const out: EntityMeta[] = [];
  for (const id of ids) {
    const state = store.state(id);
    if (state !== undefined && (!state.restoredByVersions || rewrite?.has(id) === true)) out.push(state.meta());
    // Nothing left to keep: an empty meta replaces the stored one, whose knowledge and evidence
    // must not come back on a restart (evidence released, writes withdrawn: LatticeNode.withdraw).
    else if (state === undefined && rewrite?.has(id) === true) out.push({ id, knowledge: [] });
  }
  return out;
}
