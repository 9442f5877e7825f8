import { compareTs, encodeTs } from '../clock/timestamp';
import type { ComponentValue, Expiry } from '../entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../ids';
import { DELETED, type Version } from '../merge/version';
import type { EntityState } from './entity-state';
import { EXPIRY } from './expiry-floor';

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
  /**
   * Set when the winning version carries no signature, so nobody's was checked (docs/security.md,
   * "The verified mark"). Absent: it is signed, and every signed version a store holds was signed by
   * this node or verified before its merge.
   */
  readonly unverified?: true;
  /**
   * Set on a value this node computed and never wrote (a fused view, docs/fusion.md "Wiring it
   * in"): nobody signed it, and `version`, `author` and `time` are those of the source version it
   * follows (the newest source position), so what a user can check is that version and the
   * authors listed here, whose versions it was computed from.
   */
  readonly derived?: DerivedFrom;
}

/** What a derived value was computed from: the computation and the authors of its inputs, sorted. */
export interface DerivedFrom {
  readonly by: 'fusion';
  readonly authors: readonly NodeId[];
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

/** An expiry outlives the delete (its deadline still holds) but is not shown as a component. */
const deleted = (state: EntityState, h: Version): boolean =>
  state.deletedAt !== undefined && compareTs(h.ts, state.deletedAt) <= 0;

/** The heads of each register the view shows at `now` (none: the component is not shown). */
function shownHeads(state: EntityState, now: number): (kind: string, all: readonly Version[]) => readonly Version[] {
  const fired = state.firedBy(now);
  const passed = fired !== undefined;
  const expiry = passed ? (fired.value as Expiry).at : 0;
  return (kind, all) => {
    if (kind === DELETED) return [];
    if (!passed && kind !== EXPIRY) return all;
    // Of the expiries, those still ahead: a passed one (the fired marker, or one whose deadline lies
    // below the floor, which the floor keeps: expiry-floor.ts, belowFloor) says nothing more, and a
    // new one written after the deadline (an entity revived) is what the entity now expires at.
    return all.filter(
      (h) =>
        !(passed && h.ts.ms <= expiry) &&
        !(kind === EXPIRY && (deleted(state, h) || (passed && (h.value as Expiry).at <= now))),
    );
  };
}

/**
 * What `viewOf` would say of an entity's visibility and conflicts, without building the view (no
 * value copied, no timestamp formatted): `stats()` counts a whole store with it.
 */
export function shownSummary(state: EntityState, now: number): { readonly shown: boolean; readonly conflict: boolean } {
  if (!state.live) return { shown: false, conflict: false };
  const shown = shownHeads(state, now);
  let any = false;
  let conflict = false;
  for (const [kind, all] of state.registers()) {
    const heads = shown(kind, all);
    if (heads.length === 0) continue;
    any = true;
    if (heads.length > 1) conflict = true;
  }
  return { shown: any, conflict };
}

/**
 * The visible view of an entity, or undefined when it is deleted, or expired at `now` with nothing
 * written after its expiry. Once the expiry has passed only writes made after it count, whether or
 * not purge has run yet, so the view at `now` does not depend on when this node last purged.
 */
export function viewOf(state: EntityState, now: number, unchecked = false): EntityView | undefined {
  if (!state.live) return undefined;
  const into = new ViewParts(unchecked);
  const shown = shownHeads(state, now);
  for (const [kind, all] of state.registers()) into.add(kind, shown(kind, all));
  return into.view(state.id);
}

/**
 * What viewOf(state, now, unchecked) shows of `kinds` alone: its components, meta and conflicts
 * among them, and its updatedAt over their heads; undefined when it shows none of them (the entity
 * may still be visible by its other kinds: visibleAt tells). Only those registers are read, so a
 * reader that needs a few of them (the fusion view: a track's source, position and velocity) builds
 * no full view, whose other registers' values, metas and encoded timestamps are garbage at once
 * (docs/benchmarks.md, scenario 1).
 */
export function viewOfKinds(
  state: EntityState,
  now: number,
  kinds: readonly ComponentKind[],
  unchecked = false,
): EntityView | undefined {
  if (!state.live) return undefined;
  const into = new ViewParts(unchecked);
  const shown = shownHeads(state, now);
  for (const kind of kinds) into.add(kind, shown(kind, state.heads(kind)));
  return into.view(state.id);
}

/** A view as viewOf builds it, one register's shown heads at a time. */
class ViewParts {
  private readonly components: Record<string, ComponentValue> = {};
  private readonly meta: Record<string, ComponentMeta> = {};
  private readonly conflicts: string[] = [];
  private updatedAt = 0;
  private any = false;
  constructor(private readonly unchecked: boolean) {}

  add(kind: string, heads: readonly Version[]): void {
    if (heads.length === 0) return;
    this.any = true;
    const w = heads[0]!;
    this.components[kind] = w.value as ComponentValue;
    this.meta[kind] = {
      version: encodeTs(w.ts),
      author: w.ts.node,
      time: w.ts.ms,
      conflict: heads.length > 1,
      heads: heads.length,
      // Signed in a batch (proof) or alone (sig): this node made or verified it (docs/security.md),
      // unless the store was restored and its stored proofs are not checked yet ("Stored proofs on load").
      ...(this.unchecked || (w.sig === undefined && w.proof === undefined) ? { unverified: true as const } : {}),
    };
    if (heads.length > 1) this.conflicts.push(kind);
    for (const h of heads) if (h.ts.ms > this.updatedAt) this.updatedAt = h.ts.ms;
  }

  view(id: EntityId): EntityView | undefined {
    if (!this.any) return undefined;
    // By name: the registers' order is the order they were first held in, which differs between
    // replicas that received the same versions in another order (a set-aside record delivered again
    // moves to the end); two nodes holding the same versions show the same view.
    this.conflicts.sort();
    const { components, meta, conflicts, updatedAt } = this;
    return { id, components, meta, conflicts, updatedAt };
  }
}

/**
 * Whether viewOf(state, now) is a view, without building it (no object, no encoded timestamp): what
 * the fusion view asks of every fused track's sources at every scan (src/node/fusion-view.ts).
 */
export function visibleAt(state: EntityState, now: number): boolean {
  return shownSummary(state, now).shown;
}
