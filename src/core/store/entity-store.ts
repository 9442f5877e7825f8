import { compareTs, type Timestamp } from '../clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../ids';
import type { Heads } from '../merge/register';
import type { Version } from '../merge/version';
import { sameContent } from '../merge/version-content';
import { earliestFrom, inWindows, type RemovalWindow } from '../clock/removal-window';
import {
  EntityState,
  fixedSlot,
  FIXED_KINDS,
  type ApplyOutcome,
  type EntityMeta,
  type Withdrawal,
} from './entity-state';
import { DeadlineIndex } from './deadline-index';
import { NumberedColumn, type ColumnType, type EntityColumn } from './entity-column';
import { NumberedMarks, type EntityMarks } from './entity-marks';
import { carriedFloor, deadlineOf, EXPIRY } from './expiry-floor';
import { EvidenceLedger, type Evidence, type EvidenceStats } from './evidence';
import { LeanColumns, Replaced } from './lean-columns';
import { viewOf, viewOfKinds, visibleAt, type EntityView } from './entity-view';
import { matches, type Query } from './query';
import { ShownCount } from './shown-count';

/**
 * Everything a store needs to come back identical after a restart: its versions, and per entity
 * what the versions alone do not carry (the expiry floor and what each register has learned from
 * versions it no longer holds).
 */
export interface StoreSnapshot {
  readonly versions: readonly Version[];
  readonly entities: readonly EntityMeta[];
}

/**
 * What restoring a snapshot left behind in storage (EntityStore.restore): stored versions the
 * restored store does not hold, and entities whose evidence changed while restoring (their stored
 * metas name evidence since released). Storage should delete the one and rewrite the other's metas.
 * A clean snapshot leaves neither; one written by two commits of which only the later-called one
 * was durable when the node stopped (a priority commit's version, whose removal of the head it
 * dropped was in the bulk commit lost with the tab: src/node/remote-merge.ts) leaves the head.
 */
export interface RestoreLeftovers {
  readonly versions: Version[];
  readonly rewrite: Set<EntityId>;
}

export interface StoreOptions {
  readonly columns?: boolean;
  readonly evidence?: { readonly perAuthor?: number; readonly node?: number; readonly perEntity?: number };
}

/**
 * All entities of one node, in memory: the merge state that storage persists and sync
 * replicates. Pure: time comes in as arguments.
 */
export class EntityStore {
  private readonly entities = new Map<EntityId, EntityState>();
  /**
   * Each held entity by its number (EntityState.number, given when it is first held and freed when
   * it is forgotten, then given again): the sync index names a version's entity by it, 4 bytes where
   * a reference took 8 (docs/benchmarks.md, scenario 10).
   */
  private readonly byNumber: (EntityState | undefined)[] = [];
  private readonly freeNumbers: number[] = [];
  /** Columns kept by number for others (column()), zeroed as numbers are freed. */
  private readonly columns: NumberedColumn[] = [];
  /** Marks kept by number for others (marks()), told as numbers are freed. */
  private readonly markSets: NumberedMarks[] = [];
  private versionCount = 0;
  /** Where lean registers of the fixed kinds are held (lean-columns.ts); undefined: as Versions. */
  private readonly cols: LeanColumns | undefined;
  /** The evidence kept, per author charged, and its bounds (evidence.ts). */
  private readonly ledger: EvidenceLedger;
  /** countShown's running totals, kept from its first call on (shown-count.ts). */
  private shown: ShownCount | undefined;
  /** Each entity's nextDeadline, so a purge visits only the entities due (deadline-index.ts). */
  private readonly deadlines = new DeadlineIndex((id) => this.entities.get(id)?.nextDeadline);
  /**
   * True while the store holds versions restored from storage whose proofs are not checked yet
   * (docs/security.md, "Stored proofs on load"): every view says `unverified` until it is cleared.
   */
  unchecked = false;

  /**
   * `columns: false` keeps every register as Version objects (the representation before the
   * columns, kept as the reference the property tests compare the columnar store against).
   * `evidence`: the evidence bounds (default MAX_EVIDENCE_PER_AUTHOR, MAX_EVIDENCE and
   * MAX_EVIDENCE_PER_ENTITY; tests lower them).
   */
  constructor(options: StoreOptions = {}) {
    this.cols = options.columns === false ? undefined : new LeanColumns(FIXED_KINDS);
    this.ledger = new EvidenceLedger(options.evidence?.perAuthor, options.evidence?.node, options.evidence?.perEntity);
  }

  /**
   * Whether the last apply() changed an expiry floor: took it away (EntityState.liftFloor) or raised
   * it to a floor an expiry carried (EntityState.raiseCarried). The entity's stored meta must then be
   * written again whatever it holds: the one stored names the floor and the tombstone time before
   * (src/node/entity-meta.ts).
   */
  lastApplyLifted = false;

  apply(v: Version): ApplyOutcome {
    this.lastApplyLifted = false;
    const state = this.entities.get(v.entity);
    if (state !== undefined) {
      // A sensor's update of its own register in the columns (EntityState.updateOwn): replaces one
      // head by one, or is refused, learning nothing; no floor, tombstone or evidence moves.
      const i = state.ownColumn(v);
      if (i >= 0) {
        const own = this.applyOwn(state, i, v);
        if (own !== undefined) return own;
      }
    }
    return this.merge(v, state);
  }

  /**
   * apply()'s sole-author step on its own (EntityState.updateOwn), kept apart from merge() so that
   * the feedback V8 gathers from conflicts, knowledge and floors does not reach the code of the
   * common case: a node merges both (docs/benchmarks.md, scenario 1, "One merge for mixed traffic").
   * Undefined: updateOwn could not decide, nothing changed.
   */
  private applyOwn(state: EntityState, i: number, v: Version): ApplyOutcome | undefined {
    const expiry = i === EXPIRY_SLOT;
    const deadlineBefore = expiry ? state.nextDeadline : undefined;
    const own = state.updateOwn(i, v);
    if (own === undefined || own.kind === 'duplicate') return own;
    this.shown?.changed(state);
    if (expiry) this.deadlines.set(v.entity, state.nextDeadline, deadlineBefore);
    return own;
  }

  /** apply()'s general path: every delivery the sole-author step did not take (`state`: the entity held, if any). */
  private merge(v: Version, held: EntityState | undefined): ApplyOutcome {
    let state = held;
    if (state === undefined) {
      state = new EntityState(v.entity, this.cols);
      this.hold(state);
    }
    // An expiry delivered to a floored entity may take the floor away (EntityState.liftFloor), which
    // merges its registers again: the heads are then counted, not inferred from the outcome.
    // An expiry that carries a floor may raise it (EntityState.raiseCarried), which drops heads of any kind.
    const floorBefore = state.floor;
    const before =
      v.kind === EXPIRY && (floorBefore !== undefined || carriedFloor(v) !== undefined) ? countHeads(state) : undefined;
    // At or after the earliest deadline before this delivery (EntityState.deadlineAtMost): the
    // earliest itself, or a deadline at or before v's when the heads hold one. Both uses below ask
    // only whether the earliest was at or before a later deadline, which such a value answers with
    // a yes only when the earliest would (so at worst it pushes an entry the earliest would not),
    // without reading every head (~50 in scenario 1 at 1M writes) when one of the first answers.
    const deadlineBefore = v.kind === EXPIRY ? state.deadlineAtMost(deadlineOrNaN(v)) : undefined;
    const charges = state.charges;
    const out = state.apply(v, this.ledger);
    this.settleCharges(charges, state.charges);
    if (before !== undefined) this.lastApplyLifted = state.floor !== floorBefore;
    // Registers merged again after the entity's bound cut (EntityState.remergeCut): heads moved
    // besides the outcome's, and the stored meta names evidence that is now a head.
    const moved = state.takeRemerged();
    if (moved !== undefined) {
      if (before === undefined) this.versionCount += moved;
      this.lastApplyLifted = true;
    }
    if (out.kind !== 'duplicate') this.shown?.changed(state);
    // Only an expiry changes the expiry heads or the floor (a lift) a delivery can touch. Under the
    // same floor, heads dropped and v added at or after the deadline before leave the earliest at or
    // after it, for which set() does nothing: the heads are not read again (50 of them in scenario 1).
    if (
      v.kind === EXPIRY &&
      out.kind !== 'duplicate' &&
      !(
        deadlineBefore !== undefined &&
        state.floor === floorBefore &&
        (out.kind === 'obsolete' || deadlineOf(v) >= deadlineBefore)
      )
    )
      this.deadlines.set(v.entity, state.nextDeadline, deadlineBefore);
    if (before !== undefined && out.kind !== 'duplicate') {
      this.versionCount += countHeads(state) - before;
      this.noteEvidence(out);
      if (state.empty) this.forget(v.entity);
      return out;
    }
    switch (out.kind) {
      case 'applied':
        // A Replaced replaced one head: its `removed` is made only when read (lean-columns.ts).
        this.versionCount += 1 - (out instanceof Replaced ? 1 : out.removed.length);
        this.noteEvidence(out);
        return out;
      case 'obsolete':
        this.versionCount -= out.removed?.length ?? 0;
        this.noteEvidence(out);
        if (state.empty) this.forget(v.entity);
        return out;
      case 'duplicate':
        return out;
      default: {
        const never: never = out;
        throw new Error(`unexpected outcome ${String(never)}`);
      }
    }
  }

  private forget(id: EntityId): void {
    this.release(id);
    this.deadlines.set(id, undefined);
  }

  /** Holds a new entity, under the first free number. */
  private hold(s: EntityState): void {
    const n = this.freeNumbers.pop() ?? this.byNumber.length;
    s.number = n;
    if (n === this.byNumber.length) this.byNumber.push(s);
    else this.byNumber[n] = s;
    this.entities.set(s.id, s);
  }

  /** Forgets an entity held, freeing its number. */
  private release(id: EntityId): void {
    const s = this.entities.get(id);
    if (s === undefined) return;
    this.entities.delete(id);
    this.byNumber[s.number] = undefined;
    for (const c of this.columns) c.freed(s.number);
    for (const m of this.markSets) m.freed(s.number, s.id);
    this.freeNumbers.push(s.number);
    s.number = -1;
  }

  private noteEvidence(out: Exclude<ApplyOutcome, { kind: 'duplicate' }>): void {
    if (out.twin === true) this.ledger.equivocations += 1;
  }

  /**
   * The ledger after an entity's evidence changed from `before` to `after` (EntityState.charges):
   * who is charged for an item follows from everything the register keeps (evidence.ts,
   * chargedFor), so a change may charge an item held before to another author; settling from the
   * whole evidence keeps the ledger what the evidence held says, whatever path changed it.
   */
  private settleCharges(before: readonly Evidence[] | undefined, after: readonly Evidence[] | undefined): void {
    if (before === after) return;
    if (before !== undefined && after !== undefined && before.length === after.length) {
      let same = true;
      for (let i = 0; i < before.length && same; i++) same = before[i] === after[i];
      if (same) return;
    }
    if (before !== undefined) this.ledger.refund(before);
    if (after !== undefined) this.ledger.charge(after);
  }

  /** Twins met, evidence kept and refused at the bound (securityStats). */
  evidenceStats(): EvidenceStats {
    return this.ledger.stats();
  }

  /** Whether `v` is a head here (by timestamp and content: heads may be made on demand, see EntityState.holdsHead). */
  holds(v: Version): boolean {
    return this.entities.get(v.entity)?.holdsHead(v) ?? false;
  }

  /**
   * Whether `v` is kept here, a head or evidence (evidence.ts): what the node serves (retained).
   * A head first, the common case; evidence only for a version no longer a head.
   */
  keeps(v: Version): boolean {
    const s = this.entities.get(v.entity);
    if (s === undefined) return false;
    if (s.holdsHead(v)) return true;
    for (const e of retainedIn(s, v.kind)) if (compareTs(e.ts, v.ts) === 0 && sameContent(e, v)) return true;
    return false;
  }

  /** Heads that are these versions take the signature or proof they were given after the merge (EntityState.adopt). */
  adopt(versions: readonly Version[]): void {
    for (const v of versions) this.entities.get(v.entity)?.adopt(v);
  }

  heads(id: EntityId, kind: ComponentKind): Heads {
    return this.entities.get(id)?.heads(kind) ?? [];
  }

  /** The causal context for a new local write to one component, bounded (see context-bound.ts). */
  contextFor(id: EntityId, kind: ComponentKind, self: NodeId): Timestamp[] {
    return this.entities.get(id)?.contextFor(kind, self) ?? [];
  }

  state(id: EntityId): EntityState | undefined {
    return this.entities.get(id);
  }

  view(id: EntityId, now: number): EntityView | undefined {
    const s = this.entities.get(id);
    return s === undefined ? undefined : viewOf(s, now, this.unchecked);
  }

  /** What view(id, now) shows of `kinds` alone (entity-view.ts viewOfKinds): undefined when it shows none of them. */
  viewKinds(id: EntityId, now: number, kinds: readonly ComponentKind[]): EntityView | undefined {
    const s = this.entities.get(id);
    return s === undefined ? undefined : viewOfKinds(s, now, kinds, this.unchecked);
  }

  /** Whether view(id, now) is a view, without building it. */
  visible(id: EntityId, now: number): boolean {
    const s = this.entities.get(id);
    return s !== undefined && visibleAt(s, now);
  }

  list(now: number, q: Query = {}): EntityView[] {
    const out: EntityView[] = [];
    const limit = q.limit ?? Infinity;
    for (const s of this.entities.values()) {
      if (out.length >= limit) break;
      const v = viewOf(s, now, this.unchecked);
      if (v !== undefined && matches(v, q)) out.push(v);
    }
    return out;
  }

  /**
   * How many entities `list(now)` would show, and how many of them have a conflicting component,
   * without building their views; `skip` leaves entities out of both counts. Kept as running totals
   * from the first call on (shown-count.ts): a call summarises only the entities changed since the
   * last one, and those whose expiry fired since; a call with another `skip` function, or at an
   * earlier time than the last, counts the whole store again.
   */
  countShown(now: number, skip?: (id: EntityId) => boolean): { readonly entities: number; readonly conflicts: number } {
    let shown = this.shown;
    if (shown === undefined || shown.skip !== skip || now < shown.time) {
      shown = new ShownCount(skip, this.entities.values(), now);
      this.shown = shown;
    }
    return shown.count(now, (s) => this.entities.get(s.id) === s);
  }

  /**
   * The floor an expiry written to `id` at `ms` carries (Expiry.floor): the entity's floor once
   * purged at that stamp (expiry-floor.ts, floorToCarry). Undefined: none.
   */
  floorToCarry(id: EntityId, ms: number): number | undefined {
    return this.entities.get(id)?.floorToCarry(ms);
  }

  /**
   * Purges entities whose expiry has passed: every version written up to the expiry goes, later
   * writes stay, and the expiry stays as the entity's floor (see EntityState). Returns the purged
   * versions; `floored` receives the entities whose floor rose, whether or not anything went (their
   * metas keep the floor: src/node/entity-meta.ts). Visits only the entities whose next deadline
   * has passed (DeadlineIndex), not every entity: a tick costs what is due.
   */
  purgeExpired(now: number, released?: Version[], floored?: EntityId[]): Version[] {
    const purged: Version[] = [];
    const gone: Evidence[] = [];
    for (const id of this.deadlines.due(now)) {
      const s = this.entities.get(id);
      if (s === undefined) continue;
      const floor = s.floor;
      const charges = s.charges;
      purged.push(...s.purge(now, gone));
      this.settleCharges(charges, s.charges);
      if (s.floor !== floor) floored?.push(id);
      this.deadlines.set(id, s.nextDeadline);
      this.shown?.changed(s);
    }
    this.versionCount -= purged.length;
    // Evidence written at or below a new floor goes with it (`released`, for storage and the sync index).
    for (const e of gone) released?.push(e.version);
    return purged;
  }

  /**
   * Takes out every version by one of `cutoffs`' authors stamped after that author's cut-off, heads
   * and evidence, and merges each entity that held some again without them (EntityState.withdraw):
   * what a node does when it merges the removal of a member (docs/security.md, "Writes withdrawn at
   * a removal"). Scans the whole store once, reading column heads in place (holdsAfter): it runs
   * when a removal is merged, or once at start while some are held, not per write. Returns what
   * changed, per entity.
   */
  withdraw(
    cutoffs: ReadonlyMap<NodeId, Timestamp>,
    now: number,
    windows: ReadonlyMap<NodeId, readonly RemovalWindow[]> = new Map(),
  ): Map<EntityId, Withdrawal> {
    const changed = new Map<EntityId, Withdrawal>();
    if (cutoffs.size === 0 && windows.size === 0) return changed;
    const out = (v: Version): boolean => {
      const at = cutoffs.get(v.ts.node);
      return (at !== undefined && compareTs(v.ts, at) > 0) || inWindows(windows.get(v.ts.node), v.ts);
    };
    // The scan's pre-filter: per author, the earliest stamp a version is taken out after (a window's
    // start is a lower bound: an entity it passes is then judged version by version).
    let from: ReadonlyMap<NodeId, Timestamp> = cutoffs;
    if (windows.size > 0) {
      const lower = new Map(cutoffs);
      for (const [author, ws] of windows) {
        const at = earliestFrom(ws);
        const held = lower.get(author);
        if (at !== undefined && (held === undefined || compareTs(at, held) < 0)) lower.set(author, at);
      }
      from = lower;
    }
    for (const [id, s] of [...this.entities]) {
      if (!s.holdsAfter(from)) continue;
      const w = s.withdraw(out, now, this.ledger.perEntity);
      if (w === undefined) continue;
      changed.set(id, w);
      this.settleWithdrawal(id, s, w);
    }
    return changed;
  }

  /**
   * Takes out the versions `out` names (heads and evidence) from the entities `ids`, as withdraw()
   * does for a removed member's: what a node does with restored versions whose stored proofs turn
   * out not to verify (docs/security.md, "Stored proofs on load"). Returns what changed, per entity.
   */
  withdrawWhere(ids: Iterable<EntityId>, out: (v: Version) => boolean, now: number): Map<EntityId, Withdrawal> {
    const changed = new Map<EntityId, Withdrawal>();
    for (const id of ids) {
      const s = this.entities.get(id);
      if (s === undefined) continue;
      const w = s.withdraw(out, now, this.ledger.perEntity);
      if (w === undefined) continue;
      changed.set(id, w);
      this.settleWithdrawal(id, s, w);
    }
    return changed;
  }

  private settleWithdrawal(id: EntityId, s: EntityState, w: Withdrawal): void {
    this.versionCount += w.put.length - w.removed.length;
    this.settleCharges(w.evidenceBefore, w.evidenceAfter);
    this.shown?.changed(s);
    this.deadlines.set(id, s.nextDeadline);
    if (s.empty) this.forget(id);
  }

  snapshot(): StoreSnapshot {
    return { versions: [...this.versions()], entities: [...this.entities.values()].map((s) => s.meta()) };
  }

  /**
   * A store identical to the one whose snapshot this is. `leftovers` receives what the snapshot
   * holds that the store does not keep (RestoreLeftovers).
   */
  static restore(snapshot: StoreSnapshot, options: StoreOptions = {}, leftovers?: RestoreLeftovers): EntityStore {
    const store = new EntityStore(options);
    for (const meta of snapshot.entities) {
      const s = new EntityState(meta.id, store.cols);
      s.restoreKnowledge(meta);
      store.release(meta.id);
      store.hold(s);
    }
    for (const v of snapshot.versions) {
      const out = store.apply(v);
      if (leftovers === undefined || out.kind === 'duplicate') continue;
      // A version refused for its author's evidence room is kept in storage: a later restart, with
      // room, may take it (nothing was learned from it).
      if (out.kind === 'obsolete' && out.limited !== true) leftovers.versions.push(v);
      const removed = out.removed;
      if (removed !== undefined && removed.length > 0) leftovers.versions.push(...removed);
      if (out.kept !== undefined || out.released !== undefined) leftovers.rewrite.add(v.entity);
    }
    // What the evidence taught is in the knowledge restored above: it is weighed with what the
    // versions left (EntityState.restoreEvidence), and what it keeps is charged.
    for (const meta of snapshot.entities) {
      if (meta.evidence === undefined) continue;
      let s = store.entities.get(meta.id);
      if (s === undefined) {
        s = new EntityState(meta.id, store.cols);
        store.hold(s);
      }
      const charges = s.charges;
      const { released } = s.restoreEvidence(meta.evidence, store.ledger.perEntity);
      // Heads back from the evidence the bound cut (EntityState.remergeCut).
      const moved = s.takeRemerged();
      if (released.length > 0 || moved !== undefined) leftovers?.rewrite.add(meta.id);
      store.versionCount += moved ?? 0;
      store.settleCharges(charges, s.charges);
    }
    for (const meta of snapshot.entities) {
      const s = store.entities.get(meta.id);
      if (s === undefined) continue;
      if (meta.floor !== undefined) {
        const charges = s.charges;
        const { released, dropped, lifted } = s.restoreFloor(meta.floor, meta.floorMarkers, meta.carried);
        // A floor lifted: the stored meta names it still, and is rewritten.
        if (released.length > 0 || lifted) leftovers?.rewrite.add(meta.id);
        store.settleCharges(charges, s.charges);
        // Stale records beneath the floor: not held, so deleted from storage (RestoreLeftovers).
        store.versionCount -= dropped.length;
        leftovers?.versions.push(...dropped);
      }
      if (s.empty) store.release(meta.id);
    }
    for (const [id, s] of store.entities) store.deadlines.set(id, s.nextDeadline);
    return store;
  }

  /** The heads of every register (what views show, and what storage keeps as versions). */
  *versions(): IterableIterator<Version> {
    for (const s of this.entities.values()) yield* s.versions();
  }

  /** The evidence every entity keeps (evidence.ts): stored in the entity metas, served like versions. */
  *evidence(): IterableIterator<Version> {
    for (const s of this.entities.values()) if (s.evidenceCount > 0) yield* s.evidenceVersions();
  }

  /**
   * The versions kept of one register: its heads and the evidence of its kind (what the sync index
   * reads back to answer a `want`, src/core/sync/sync-index.ts).
   */
  *retainedOf(id: EntityId, kind: ComponentKind): IterableIterator<Version> {
    const s = this.entities.get(id);
    if (s !== undefined) yield* retainedIn(s, kind);
  }

  /**
   * A new column of one number per entity held, for a consumer beside the store (entity-column.ts):
   * indexed by the entity's number, 0 until set, zeroed when the entity is forgotten.
   */
  column(type: ColumnType): EntityColumn {
    const c = new NumberedColumn(type, (id) => this.entities.get(id)?.number);
    this.columns.push(c);
    return c;
  }

  /**
   * A new set of marked entity ids for a consumer beside the store (entity-marks.ts): in insertion
   * order, as a Set<EntityId> keeps them, held by the entities' numbers (about 8 bytes per marked
   * entity where a Set entry took ~26), ids the store holds no number for kept aside.
   */
  marks(): EntityMarks {
    const m = new NumberedMarks(
      (id) => this.entities.get(id)?.number,
      (n) => this.byNumber[n]?.id,
    );
    this.markSets.push(m);
    return m;
  }

  /** The entity's number while it is held (EntityState.number; freed when it is forgotten, then given again). */
  numberOf(id: EntityId): number | undefined {
    return this.entities.get(id)?.number;
  }

  /** retainedOf for the entity held under this number (numberOf), if any. */
  *retainedAt(n: number, kind: ComponentKind): IterableIterator<Version> {
    const s = this.byNumber[n];
    if (s !== undefined) yield* retainedIn(s, kind);
  }

  /** Every version the node keeps and serves: the heads and the evidence. */
  *retained(): IterableIterator<Version> {
    yield* this.versions();
    yield* this.evidence();
  }

  /** Evidence kept now (not counted in `size`, which counts heads). */
  /** The ids of the entities held. */
  ids(): IterableIterator<EntityId> {
    return this.entities.keys();
  }

  get evidenceCount(): number {
    return this.ledger.held;
  }

  get entityCount(): number {
    return this.entities.size;
  }

  get size(): number {
    return this.versionCount;
  }
}

function* retainedIn(s: EntityState, kind: ComponentKind): IterableIterator<Version> {
  yield* s.heads(kind);
  if (s.evidenceCount > 0) for (const v of s.evidenceVersions()) if (v.kind === kind) yield v;
}

/** The index of the expiry among the fixed kinds (fixedSlot). */
const EXPIRY_SLOT = fixedSlot(EXPIRY);

function countHeads(state: EntityState): number {
  let n = 0;
  for (const _ of state.versions()) n++;
  return n;
}

/** An expiry's deadline, or NaN for a value without one (a refused version: nothing is at or before NaN). */
function deadlineOrNaN(v: Version): number {
  const at = (v.value as { at?: unknown } | null)?.at;
  return typeof at === 'number' ? at : Number.NaN;
}
