import { compareTs, type Timestamp } from '../clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../ids';
import {
  ADDED,
  CUT_ROSE,
  hasHonestContext,
  Knowledge,
  type KnowledgeSnapshot,
  markerCut,
  NOT_LATEST,
} from '../merge/knowledge';
import type { Heads } from '../merge/register';
import { byTimestamp, orderFor } from '../merge/rules';
import { DELETED, type Version } from '../merge/version';
import { sameContent } from '../merge/version-content';
import { subsumedByFloor } from './context-bound';
import {
  chargedFor,
  compareTwins,
  implies,
  keepsFirstOfValue,
  MAX_EVIDENCE_PER_ENTITY,
  sameTwin,
  weighEvidence,
  weighOrder,
  withinEntityBound,
  type Evidence,
  type EvidenceLedger,
} from './evidence';
import {
  belowFloor,
  carriedFloor,
  deadlineOf,
  deletable,
  earliestDeadline,
  EXPIRY,
  expiryRefusal,
  firedBy,
  floorToCarry,
} from './expiry-floor';
import { markOf, type LeanColumns, type Mark } from './lean-columns';

/**
 * What a delivery changed besides the heads (evidence.ts): `kept` entered the register's evidence
 * (the delivered version itself, refused here, or heads it dropped), `released` left it; `twin`: the
 * register held another content under the delivered version's timestamp (an equivocation).
 */
export interface EvidenceChange {
  readonly kept?: readonly Evidence[];
  readonly released?: readonly Evidence[];
  readonly twin?: true;
}

/**
 * `removed`: heads this delivery dropped (some of which it may have kept as evidence: `kept`). A
 * refused (obsolete) version can still drop heads: its context is learned (see knowledge.ts), and
 * it may show that a head had been seen. `limited`: refused before anything was learned from it,
 * because it would add evidence and its author (or the node) is at its evidence bound, or it would
 * be kept past its entity's (evidence.ts, withinEntityBound).
 */
export type ApplyOutcome =
  | ({ readonly kind: 'applied'; readonly removed: readonly Version[] } & EvidenceChange)
  | { readonly kind: 'duplicate' }
  | ({ readonly kind: 'obsolete'; readonly removed?: readonly Version[]; readonly limited?: true } & EvidenceChange);

const DUPLICATE: ApplyOutcome = { kind: 'duplicate' };

/** What a carried floor dropped and released as it rose (EntityState.raiseCarried). */
interface Raised {
  readonly dropped: readonly Version[];
  readonly released: readonly Evidence[] | undefined;
}

/** `out`, with what the carried floor taken before it dropped (`removed`) and released. */
function withRaised(out: ApplyOutcome, raised: Raised): ApplyOutcome {
  const { dropped, released } = raised;
  if (dropped.length === 0 && released === undefined) return out;
  const before = out.kind === 'duplicate' ? undefined : out;
  const removed = [...dropped, ...(before?.removed ?? [])];
  const change: EvidenceChange = {
    ...(before?.kept === undefined ? {} : { kept: before.kept }),
    ...(released === undefined && before?.released === undefined
      ? {}
      : { released: [...(released ?? []), ...(before?.released ?? [])] }),
    ...(before?.twin === true ? { twin: true as const } : {}),
  };
  if (before?.kind === 'applied') return { kind: 'applied', removed, ...change };
  return {
    kind: 'obsolete',
    ...(removed.length === 0 ? {} : { removed }),
    ...(before?.limited === true ? { limited: true as const } : {}),
    ...change,
  };
}
const OBSOLETE: ApplyOutcome = { kind: 'obsolete' };
const LIMITED: ApplyOutcome = { kind: 'obsolete', limited: true };

/**
 * Evidence a tombstone or a floor released (pruneKnowledge) during the current call into an
 * EntityState, taken by that call before it returns (applies are never nested).
 */
let releasedNow: Evidence[] = [];

/**
 * The entity bound of the current call (EvidenceLedger.perEntity, or MAX_EVIDENCE_PER_ENTITY without
 * a ledger), and whether its weighing cut the delivered version itself (withinEntityBound): a dry
 * run reads it to refuse that delivery before anything is learned from it.
 */
let entityBound = MAX_EVIDENCE_PER_ENTITY;
let cutNow = false;

/**
 * The heads each entity moved by merging registers again after a cut (EntityState.remergeCut),
 * until the store takes them (takeRemerged): beside the entity, not in it, as only an entity its
 * bound cut has any. Two fields in every EntityState were 16 B an entity, ~2.7 B a component of
 * a running node (docs/benchmarks.md, scenario 10).
 */
const remerged = new WeakMap<EntityState, number>();
/** Entries put in `remerged` and not taken: while 0, takeRemerged (once per apply) reads no table. */
let remergedPending = 0;

/**
 * The kinds whose evidence the entity's bound cut during the current merge (settleEvidence), merged
 * again from what the entity still holds once the delivery is in (EntityState.remergeCut).
 */
let cutKinds: Set<ComponentKind> | undefined;

/**
 * Whether `v` is an expiry carrying a floor (carriedFloor; merge has checked it is sound). Such a
 * delivery is never refused at its author's or the node's evidence bound (EntityState.merge),
 * whether or not it raises the floor where it arrives: the ones that raise it cannot be refused
 * (raisesCarried), and whether one does depends on the order of arrival (an expiry raises the floor
 * where it comes first, and not after a later one carrying more). Weighing the others against the
 * room split replicas given the same versions in two orders, for good: a member's ten expiries, each
 * raising the floor and leaving out what the one before named, kept nine of its own past a bound of
 * 1 delivered as written, and one (eight refused at every anti-entropy round) delivered latest first
 * (test/unit/attack/h30-floor-chain-order.test.ts). What bounds them is the entity's bound: keeping
 * a member's expiries within its own bound in every order cannot be done without unlearning what
 * they taught (docs/security.md, "Twins and evidence").
 */
function floorCarrier(v: Version): boolean {
  return v.kind === EXPIRY && carriedFloor(v) !== undefined;
}

function takeReleased(): Evidence[] | undefined {
  if (releasedNow.length === 0) return undefined;
  const out = releasedNow;
  releasedNow = [];
  return out;
}

/** What a weighing kept of one kind, and who each item is charged to (weighEvidence: `by[i]` for `kept[i]`). */
interface Weighed {
  readonly kept: readonly Evidence[];
  readonly by: readonly NodeId[];
}

/**
 * The items of one kind whose charge `known` changes, with it (as chargedFor returns), or undefined
 * when `known` does not hold a charge for each of them (then chargedFor works them out).
 */
function chargesMoved(items: readonly Evidence[], known: Weighed | undefined): Map<Evidence, NodeId> | undefined {
  if (known === undefined || known.kept.length !== items.length) return undefined;
  const { kept, by } = known;
  const moved = new Map<Evidence, NodeId>();
  let i = 0;
  // Mostly the items are what the weighing kept, in its order.
  for (; i < items.length && items[i] === kept[i]; i++) if (by[i] !== kept[i]!.by) moved.set(kept[i]!, by[i]!);
  if (i === items.length) return moved;
  const at = new Map<Evidence, NodeId>();
  for (let j = 0; j < kept.length; j++) at.set(kept[j]!, by[j]!);
  for (; i < items.length; i++) {
    const e = items[i]!;
    const b = at.get(e);
    if (b === undefined) return undefined;
    if (b !== e.by) moved.set(e, b);
  }
  return moved;
}

/** Plain data of one entity's merge state beyond its versions, for a snapshot that storage keeps. */
export interface EntityMeta {
  readonly id: EntityId;
  readonly floor?: number;
  /** The timestamps of the expiries that set the floor (EntityState.floorMarkers); absent in metas of older builds. */
  readonly floorMarkers?: readonly Timestamp[];
  /** The largest floor an expiry delivered carried (EntityState.carried); absent: none, or a meta of an older build. */
  readonly carried?: number;
  readonly deletedAt?: Timestamp;
  readonly knowledge: readonly (KnowledgeSnapshot & { readonly kind: ComponentKind })[];
  /**
   * The evidence the entity keeps (evidence.ts), each with the author charged for it. Storage
   * rewrites the meta of an entity whose evidence changed even when its versions alone would restore
   * it (src/node/entity-meta.ts), so evidence since released never comes back.
   */
  readonly evidence?: readonly { readonly version: Version; readonly by: NodeId }[];
}

/**
 * A register that needs more than its one head: several heads (winner first, see register.ts), or
 * none, or knowledge beyond what its one head implies (another author, a context, a version that
 * was dropped). `heads` is replaced, never changed in place, so a caller's copy stays valid.
 */
class Register {
  constructor(
    public heads: Heads,
    /** Learned anew (relearn) only when the entity's bound cuts evidence that taught some of it. */
    public known: Knowledge,
  ) {}
}

/**
 * A register as an entity holds it. The common case, a sensor's own track, keeps its one head and
 * nothing else: when the register holds one head with no context and never learned of another
 * author, the head is all it knows (Knowledge.impliedBy), so it needs no heads array and no
 * Knowledge (docs/benchmarks.md, scenario 10).
 */
type Slot = Version | Register;

/**
 * The kinds nearly every track holds (a sensor's report: docs/performance.md, scenario 1), each in
 * a fixed place of its entity's slot array; every other kind (the tombstone, fusion, approval, task,
 * kinds this node does not know) goes in a Map. The order is that of fixedSlot.
 */
export const FIXED_KINDS = [
  'position',
  'velocity',
  'classification',
  'threat',
  'source',
  'expiry',
] as const satisfies readonly string[];

/** The index of `kind` in FIXED_KINDS, or -1 (a switch: kinds from the wire are interned constants). */
export function fixedSlot(kind: string): number {
  switch (kind) {
    case 'position':
      return 0;
    case 'velocity':
      return 1;
    case 'classification':
      return 2;
    case 'threat':
      return 3;
    case 'source':
      return 4;
    case 'expiry':
      return 5;
    default:
      return -1;
  }
}

const EXPIRY_SLOT = fixedSlot(EXPIRY);
/** EntityState.lean: the low ROW_SHIFT bits say which fixed kinds are in the columns, the rest the row. */
const ROW_SHIFT = 6;
const ROW_BITS_MASK = (1 << ROW_SHIFT) - 1;
const NO_VERSIONS: readonly Version[] = Object.freeze([]);

/**
 * One entity: a register per component kind, plus its tombstone register.
 *
 * A tombstone wins over every write older than it (those are dropped and later arrivals refused);
 * a write newer than the delete brings the entity back, as in an LWW-element set. The expiry is
 * not deleted: its deadline still holds for the id.
 *
 * An expiry that has passed leaves a floor: purge drops every version written at or before the
 * expiry's `at` and refuses any that arrive later (from a peer that had not purged yet, or from
 * anti-entropy), so an expired entity stays gone unless a write made after its expiry revives it.
 * The expiry version itself is kept as the floor's marker: it is an ordinary version, so it is
 * stored and replicated, and a peer that never saw the expiry learns it and purges the same
 * versions. An expiry whose own deadline is not below the floor is never refused by it, so every
 * replica keeps the same markers and eventually fires the same expiries. The floor is one number
 * per expired entity.
 *
 * Each register is a Slot: its one head alone in the common case, a Register otherwise. Operations
 * that touch many registers (a tombstone, a purge) turn the slots they change into Registers and
 * change those in place; settle() then puts every register back in its leanest form, so the form
 * never depends on the order in which versions arrived.
 */
export class EntityState {
  /** The registers of FIXED_KINDS, by index (fixedSlot); undefined while the entity holds none. */
  private fixed: (Slot | undefined)[] | undefined;
  /** The registers of every other kind. */
  private other: Map<ComponentKind, Slot> | undefined;
  /** Latest tombstone timestamp ever delivered, if the entity was ever deleted. */
  deletedAt: Timestamp | undefined;
  /** Epoch ms of the latest passed expiry: versions written at or before it are gone for good. */
  floor: number | undefined;
  /**
   * The timestamps of the floor's markers: the expiry heads that fired and set it, and those with
   * the same deadline, written before it, that came since (noteMarker). An expiry written before the
   * deadline that supersedes them takes the floor away (cancelsFloor); so does anything else that
   * takes the last head at the floor's deadline out of the heads (liftUnmarked), unless a carried
   * floor covers it (then there are no markers). Undefined: no fired floor, or one a carried floor
   * covers (a fired floor restored with no head at its deadline is lifted: restoreFloor).
   */
  private get floorMarkers(): readonly Timestamp[] | undefined {
    return this.expired?.markers;
  }

  private set floorMarkers(markers: readonly Timestamp[] | undefined) {
    this.setExpired(markers, this.carried);
  }

  /**
   * The largest floor an expiry delivered here carried (Expiry.floor, expiry-floor.ts carriedFloor),
   * head, superseded or twin alike: the floor never lies below it, and nothing takes it away (a lift
   * leaves it), so replicas delivered the same expiries hold the same floor whatever the order and
   * wherever their purges ran (docs/architecture.md, "Expiry"). Undefined: none.
   */
  get carried(): number | undefined {
    return this.expired?.carried;
  }

  private set carried(carried: number | undefined) {
    this.setExpired(this.floorMarkers, carried);
  }

  /**
   * The floor's markers and the carried floor, in one field that only an entity with a floor holds:
   * an entity costs no more for them while it has none (docs/benchmarks.md, scenario 10).
   */
  private expired: { readonly markers?: readonly Timestamp[]; readonly carried?: number } | undefined;

  private setExpired(markers: readonly Timestamp[] | undefined, carried: number | undefined): void {
    this.expired =
      markers === undefined && carried === undefined
        ? undefined
        : {
            ...(markers === undefined ? {} : { markers }),
            ...(carried === undefined ? {} : { carried }),
          };
  }
  /**
   * Which fixed kinds' registers are held in `cols` (lean-columns.ts), and in which row, as one
   * integer: bit i (of the low six) set, the register of FIXED_KINDS[i] is its one head, held
   * there; the bits above, the row. An entity has a row exactly while some bit is set, so 0 is
   * none (one field where two took 8 bytes more per entity: docs/benchmarks.md, scenario 10).
   */
  private lean = 0;
  /** Its number in the store that holds it (EntityStore.numberOf), -1 in none. */
  number = -1;

  /** Bit i set: the register of FIXED_KINDS[i] is held in `cols` (see `lean`). */
  private get inColumns(): number {
    return this.lean & ROW_BITS_MASK;
  }

  /** This entity's row in `cols` while some fixed kind's register is held there (-1: none). */
  private get row(): number {
    return this.lean === 0 ? -1 : this.lean >>> ROW_SHIFT;
  }
  /** The signature or proof of each fixed kind's head held in the columns, by index; undefined: none is signed. */
  private marks: (Mark | undefined)[] | undefined;
  /** Versions kept although not heads (evidence.ts), of any kind; undefined: none. */
  private evidence: Evidence[] | undefined;

  /**
   * Heads the entity gained (or lost, negative) by merging registers again after a cut
   * (remergeCut) since the last call, beyond what apply()'s outcome says; undefined when no
   * register was merged again (else the stored meta names evidence that may now be a head). The
   * store takes them after each apply and restoreEvidence: taking them resets them.
   */
  takeRemerged(): number | undefined {
    if (remergedPending === 0) return undefined;
    const moved = remerged.get(this);
    if (moved !== undefined) {
      remerged.delete(this);
      remergedPending -= 1;
    }
    return moved;
  }

  /** `moved` heads gained (or lost) by merging registers again, for the store's next takeRemerged. */
  private noteRemerged(moved: number): void {
    const before = remerged.get(this);
    if (before === undefined) remergedPending += 1;
    remerged.set(this, (before ?? 0) + moved);
  }

  /** `cols`: where lean registers of the fixed kinds are held (none: every register is a Slot). */
  constructor(
    readonly id: EntityId,
    private readonly cols?: LeanColumns,
  ) {}

  /**
   * Merges one delivered version. With a ledger, a delivery that would add evidence while its author
   * or the node is at its evidence bound is refused before anything is learned from it (LIMITED),
   * unless it is an expiry carrying a floor (floorCarrier).
   */
  apply(v: Version, ledger?: EvidenceLedger): ApplyOutcome {
    // An expiry that raises the carried floor is never refused at the bounds (raisesCarried).
    const check = !(v.kind === EXPIRY && this.raisesCarried(v));
    const raised = v.kind === EXPIRY ? this.raiseCarried(v) : undefined;
    const marked = v.kind === EXPIRY ? this.markedFloor() : undefined;
    let out: ApplyOutcome;
    if (ledger === undefined) out = this.merge(v, undefined, check);
    else {
      const outer = entityBound;
      entityBound = ledger.perEntity;
      out = this.merge(v, ledger, check);
      entityBound = outer;
    }
    if (this.floor !== undefined) this.noteMarker(v);
    const lifted = marked !== undefined && marked === this.floor ? this.liftUnmarked() : undefined;
    if (raised !== undefined) out = withRaised(out, raised);
    return lifted === undefined ? out : withRaised(out, lifted);
  }

  /**
   * Whether `v` raises the carried floor (raiseCarried would take its floor). Such an expiry is
   * never refused at the evidence bounds: it is taken before merge, and no expiry takes its floor
   * away, so refused it taught the node a floor it would not serve (a replica that never received it
   * showed what the node hid after any anti-entropy), and "refused before anything is learned" it
   * split the node from a replica with room that kept it (test/unit/attack/h27-carried-floor-unserved
   * .test.ts, h27-honest-allowance-filled.test.ts). It carries the entity's largest floor, so the
   * entity's bound never cuts it either (evidence.ts, topCarrier): one per entity past the bounds,
   * charged as chargedFor says (the author of a version covering it without its floor), released
   * once a later version carries as much. The heads it drops are not checked either, nor is any
   * expiry carrying a floor weighed against its author's room (floorCarrier): an author's expiries
   * carrying floors can keep its earlier ones past its bound, up to the entity's (docs/security.md,
   * "Twins and evidence").
   */
  private raisesCarried(v: Version): boolean {
    const f = carriedFloor(v);
    if (f === undefined || (this.carried !== undefined && f <= this.carried)) return false;
    return expiryRefusal(v) === undefined && hasHonestContext(v);
  }

  /**
   * The fired floor (above what any expiry carried) while an expiry head has its deadline: the one
   * that fired, or one with the same deadline (noteMarker). Undefined: none such.
   */
  private markedFloor(): number | undefined {
    const floor = this.floor;
    if (floor === undefined || (this.carried !== undefined && this.carried >= floor)) return undefined;
    return this.heads(EXPIRY).some((h) => deadlineOf(h) === floor) ? floor : undefined;
  }

  /**
   * After an expiry was merged under a fired floor that an expiry head marked (markedFloor): the
   * floor stands only while one still does. Once the last leaves the heads, whatever took it out (a
   * later write that saw it, even one made after the deadline that carries no floor: a hostile
   * member's, or an honest one whose writer held a twin of another deadline; a twin whose content
   * wins; a fold of the register's authors into its cut), the floor is taken away (liftFloor): a
   * replica that received that version before its purge never fired the expiry, so one that fired it
   * first must not keep its floor either, or the two hold the same versions and differ for good
   * (test/unit/attack/hostile-floor-splits.test.ts). An honest successor written after the deadline
   * carries the floor instead (raiseCarried), which stays. Returns what the lift released, or
   * undefined when the floor stands.
   */
  private liftUnmarked(): Raised | undefined {
    if (this.markedFloor() !== undefined) return undefined;
    this.liftFloor();
    return { dropped: NO_VERSIONS, released: takeReleased() };
  }

  /**
   * Takes the floor `v` carries (carriedFloor), before `v` itself is merged: the floor rises to it
   * as a purge raises it to a fired deadline (what is written at or before it goes, expiries stay),
   * but no expiry can take it away (cancelsFloor). Returns what that dropped and released, or
   * undefined when the floor did not rise.
   */
  private raiseCarried(v: Version): Raised | undefined {
    const f = carriedFloor(v);
    // Only from a version merge() takes for what it is (an honest context, a sound expiry).
    if (f === undefined || expiryRefusal(v) !== undefined || !hasHonestContext(v)) return undefined;
    if (this.carried !== undefined && f <= this.carried) return undefined;
    this.carried = f;
    // A floor no expiry can take away has no markers (cancelsFloor), wherever it first fired.
    if (this.floor !== undefined && f <= this.floor) {
      if (f === this.floor) this.floorMarkers = undefined;
      return undefined;
    }
    this.floor = f;
    this.floorMarkers = undefined;
    this.forgetCoveredTombstone();
    this.pruneKnowledge();
    const dropped = this.dropWhere((_, h) => belowFloor(h, f));
    this.settle();
    return { dropped, released: takeReleased() };
  }

  /** The floor a new expiry written here at `ms` carries (expiry-floor.ts, floorToCarry). */
  floorToCarry(ms: number): number | undefined {
    return floorToCarry(this.floor, this.carried, this.heads(EXPIRY), ms);
  }

  /** apply(), under the current entityBound; `check`: whether the bounds may call for a dry run. */
  private merge(v: Version, ledger: EvidenceLedger | undefined, check: boolean): ApplyOutcome {
    // A deadline not after its own write is refused for what it is, teaching nothing (expiryRefusal).
    if (v.kind === EXPIRY && expiryRefusal(v) !== undefined) return OBSOLETE;
    if (
      v.seen.length === 0 &&
      this.floor === undefined &&
      this.deletedAt === undefined &&
      v.kind !== DELETED &&
      this.evidence === undefined &&
      !keepsFirstOfValue(v.kind)
    ) {
      const fast = this.applySoleAuthor(v);
      if (fast !== undefined) return fast;
    }
    if (!hasHonestContext(v)) return OBSOLETE;
    if (this.cancelsFloor(v)) this.liftFloor();
    // Written at or below what is gone for good, and so is all it saw (its context is older): it
    // teaches nothing (see Knowledge.prune), except a tombstone's time above the floor, kept as
    // every replica does.
    if (this.subsumed(v.kind, v.ts)) {
      if (v.kind === DELETED && this.notesTombstone(v.ts)) this.deletedAt = v.ts;
      return OBSOLETE;
    }
    // A delivery adds evidence of its own author's, charged to that author (evidence.ts,
    // chargedFor), only within the room its author and the node have left. Only v itself, heads by
    // v's author in v's register, and that author's versions the register keeps charged to another
    // (v may stand above them) can be kept so, so while the room exceeds their number nothing is
    // checked; otherwise a dry run on a copy counts them (rare: a hostile author's). Evidence of
    // other authors' versions, or charged to others, is never refused here: an honest delivery that
    // drops a twin head it never saw must apply, or replicas split for good (docs/security.md,
    // "Twins and evidence"); nor is a version kept charged to the author of the version covering it,
    // which arrived first elsewhere (test/unit/attack/h28-covered-expiry-refused.test.ts,
    // h29-context-cover-refused.test.ts). The entity's
    // bound is applied after the weighing (settleEvidence): only v itself and the heads of v's
    // register can enter the evidence, so while they fit nothing is checked; otherwise the dry run
    // says whether v itself would be cut. Then v is weighed against its register merged again in
    // timestamp order with it (canonicalWith), and refused whoever wrote it unless that keeps it:
    // refused whatever arrived last, two orders split for good (docs/security.md, "Twins and evidence").
    if (check) {
      const author = v.ts.node;
      // An expiry carrying a floor is never refused at its author's or the node's bound (floorCarrier).
      const room = ledger === undefined || floorCarrier(v) ? Infinity : ledger.room(author);
      const heads = this.headCount(v.kind);
      const atBound = this.evidenceCount + 1 + heads > entityBound;
      const others = this.chargedToOthers(author, v.kind);
      // headsBy reads every head (at 50 authors a register, most of an honest merge): only when the
      // room is within the register's head count can it reach the room.
      if (
        (atBound || (room <= heads + others && room <= this.headsBy(v.kind, author) + others)) &&
        // v keeps nothing new, but as a head it stands above its author's items kept charged to
        // another, and may charge them to it (chargedFor): then the dry run counts them.
        !(others === 0 && this.keepsNothing(v))
      ) {
        cutNow = false;
        const copy = this.clone();
        const dry = copy.merge(v, undefined, false);
        // What the copy's merges noted (remergeCut) is the copy's: taken, or the table keeps it.
        copy.takeRemerged();
        const cut = cutNow;
        cutNow = false;
        const charged = dry.kind === 'duplicate' ? 0 : copy.chargedAnew(this.evidence, author);
        if (charged > 0 && charged > room) {
          if (ledger !== undefined) ledger.refused += 1;
          return LIMITED;
        }
        if (cut) {
          // v would be cut where it arrives, yet the register merged again in timestamp order with
          // v among its versions may keep it (canonicalWith): then it does so here.
          const canon = this.clone();
          const held = v.kind === DELETED || keepsFirstOfValue(v.kind) ? undefined : canon.canonicalWith(v);
          canon.takeRemerged();
          if (held === undefined || canon.chargedAnewByVersion(this.evidence, author) > room) {
            if (ledger !== undefined) ledger.refused += 1;
            return LIMITED;
          }
          return this.adoptCanonical(v, held === 'head');
        }
      }
    }
    const r = this.register(v.kind);
    const deletedBefore = this.deletedAt;
    const outerCut = cutKinds;
    cutKinds = undefined;
    let out = this.applyTo(r, v);
    if (this.deletedAt !== deletedBefore) this.settle();
    else this.settleOne(v.kind, r);
    const cutHere = cutKinds;
    cutKinds = outerCut;
    if (cutHere !== undefined) {
      const released = this.remergeCut(cutHere);
      if (released !== undefined) out = withRaised(out, { dropped: NO_VERSIONS, released });
    }
    return out;
  }

  /**
   * After the entity's bound cut evidence of `kinds` (withinEntityBound): those registers merged
   * again from the versions the entity still holds of them, heads and evidence, as a replica that
   * was only ever given those would hold them (what liftFloor does for every kind). relearn took
   * back what the cut versions taught, but a version they alone superseded stayed in the evidence,
   * where a replica that refused the cut version (at the bound, in another order) held it as a head:
   * the two served the same versions and kept different heads for good
   * (test/unit/attack/h31-entity-cut-splits.test.ts). Only when some evidence item of those kinds is
   * no longer superseded; returns the evidence the merge no longer keeps (released), or undefined.
   */
  private remergeCut(kinds: ReadonlySet<ComponentKind>): Evidence[] | undefined {
    const oldEvidence = this.evidence ?? [];
    if (!oldEvidence.some((e) => kinds.has(e.version.kind) && this.headAgain(e.version))) return undefined;
    const redo = (v: Version): boolean => kinds.has(v.kind);
    const before = this.versionCount;
    this.rebuild(kinds, oldEvidence);
    this.noteRemerged(this.versionCount - before);
    const held = new Set<Version>([...this.versions(), ...this.evidenceHeld().map((e) => e.version)]);
    const gone = oldEvidence.filter((e) => redo(e.version) && !held.has(e.version));
    return gone.length === 0 ? undefined : gone;
  }

  /**
   * The registers of `kinds` merged again, in timestamp order, from the versions the entity holds
   * of them (heads and `oldEvidence`) and `extra`; the other kinds' evidence stays. What the merges
   * cut or release is theirs, not the caller's (cutNow and releasedNow are kept around them).
   */
  private rebuild(kinds: ReadonlySet<ComponentKind>, oldEvidence: readonly Evidence[], extra?: Version): void {
    const redo = (v: Version): boolean => kinds.has(v.kind);
    const left = [...[...this.versions()].filter(redo), ...oldEvidence.map((e) => e.version).filter(redo)];
    if (extra !== undefined) left.push(extra);
    // A fixed order, though the merge gives the same whatever the order (register.ts).
    left.sort((a, b) => compareTs(a.ts, b.ts));
    for (const kind of kinds) this.remove(fixedSlot(kind), kind);
    const others = oldEvidence.filter((e) => !redo(e.version));
    this.evidence = others.length === 0 ? undefined : others;
    const cut = cutNow;
    const released = releasedNow;
    releasedNow = [];
    for (const u of left) this.merge(u, undefined, false);
    cutNow = cut;
    releasedNow = released;
  }

  /**
   * v's register merged again, in timestamp order, from the versions the entity holds of its kind
   * (heads and evidence) and v, as remergeCut merges a cut register again. Returns where v is then
   * held (by identity: on a clone, which holds no columns), or undefined: nowhere. A delivery the
   * entity's bound would cut where it arrives is weighed so rather than refused: refused, it left a
   * state that only its delivery order reaches. Five expiries at a bound of 1, delivered in two orders, then kept two different versions for good,
   * each replica refusing at every anti-entropy round what only the other held
   * (test/unit/attack/h32-bound-order-split.test.ts; docs/security.md, "Twins and evidence").
   */
  private canonicalWith(v: Version): 'head' | 'evidence' | undefined {
    const kind = v.kind;
    this.rebuild(new Set([kind]), this.evidence ?? [], v);
    for (const h of this.heads(kind)) if (h === v) return 'head';
    return this.evidenceHeld().some((e) => e.version === v) ? 'evidence' : undefined;
  }

  /**
   * canonicalWith(v) here, where a copy showed it keeps v (`head`: as a head): the outcome, with
   * heads moved noted as remergeCut does.
   */
  private adoptCanonical(v: Version, head: boolean): ApplyOutcome {
    const before = this.versionCount;
    const oldEvidence = this.evidenceHeld();
    // The heads moved are counted once, over the whole rebuild, not also by its merges (what this
    // apply noted before it is kept).
    const prior = this.takeRemerged();
    this.canonicalWith(v);
    this.takeRemerged();
    const newEvidence = this.evidenceHeld();
    this.noteRemerged((prior ?? 0) + this.versionCount - before - (head ? 1 : 0));
    const oldSet = new Set(oldEvidence.map((e) => e.version));
    const newSet = new Set(newEvidence.map((e) => e.version));
    const kept = newEvidence.filter((e) => !oldSet.has(e.version));
    const released = oldEvidence.filter((e) => !newSet.has(e.version));
    const change: EvidenceChange = {
      ...(kept.length === 0 ? {} : { kept }),
      ...(released.length === 0 ? {} : { released }),
    };
    return head ? { kind: 'applied', removed: NO_VERSIONS, ...change } : { kind: 'obsolete', ...change };
  }

  /**
   * Whether evidence `v` would be a head if delivered now: its register's knowledge does not
   * supersede it, no head holds its timestamp (a twin), and it lies above the floor and tombstone.
   */
  private headAgain(v: Version): boolean {
    if (this.subsumed(v.kind, v.ts) || belowFloor(v, this.floor)) return false;
    if (deletable(v.kind) && this.deletedAt !== undefined && compareTs(v.ts, this.deletedAt) <= 0) return false;
    const s = this.slot(v.kind);
    if (s instanceof Register && s.known.supersedes(v)) return false;
    for (const h of this.heads(v.kind)) if (compareTs(h.ts, v.ts) === 0) return false;
    return true;
  }

  /**
   * The common case in one step: a sensor updating its own track. The register is empty, or holds
   * one head by the same author and has only ever heard of that author; the version carries no
   * context; there is no tombstone or floor (the caller checked). Then the general rules reduce to
   * comparing the two timestamps, and the register stays a bare head.
   */
  private applySoleAuthor(v: Version): ApplyOutcome | undefined {
    const i = fixedSlot(v.kind);
    if (i >= 0 && (this.inColumns & (1 << i)) !== 0) return this.applySoleAuthorColumns(i, v);
    const s = i >= 0 ? this.fixed?.[i] : this.other?.get(v.kind);
    if (s === undefined) {
      this.put(i, v.kind, v);
      return { kind: 'applied', removed: NO_VERSIONS };
    }
    let h: Version;
    if (s instanceof Register) {
      if (s.heads.length !== 1 || !s.known.impliedBy(s.heads[0]!)) return undefined;
      h = s.heads[0]!;
    } else h = s;
    if (h.ts.node !== v.ts.node) return undefined;
    const cmp = compareTs(v.ts, h.ts);
    if (cmp === 0) return sameContent(h, v) ? DUPLICATE : undefined;
    if (cmp < 0) return OBSOLETE;
    // What the register knows is now v alone: its author's latest write, no context.
    this.put(i, v.kind, v);
    return { kind: 'applied', removed: [h] };
  }

  /**
   * The most common delivery on its own, before apply()'s general path (EntityStore.apply): a
   * sensor's update of its own register held in the columns, with no tombstone, floor or evidence
   * on the entity, no context on the version, and for an expiry no floor carried and none refused.
   * apply() would take the same decision (merge, applySoleAuthor): none of its other steps applies
   * to it. ownColumn(v) is the register's fixed index when `v` may be that case (-1: it is not), and
   * updateOwn decides it, or gives undefined when the columns' check cannot (then apply() decides;
   * nothing has changed).
   */
  ownColumn(v: Version): number {
    const i = fixedSlot(v.kind);
    return i < 0 ||
      (this.lean & (1 << i)) === 0 ||
      v.seen.length !== 0 ||
      this.floor !== undefined ||
      this.deletedAt !== undefined ||
      this.evidence !== undefined ||
      (i === EXPIRY_SLOT && (expiryRefusal(v) !== undefined || carriedFloor(v) !== undefined))
      ? -1
      : i;
  }

  /** See ownColumn: `i` is what it gave for `v`. */
  updateOwn(i: number, v: Version): ApplyOutcome | undefined {
    return this.applySoleAuthorColumns(i, v);
  }

  /** applySoleAuthor on a register held in the columns: the same decisions, on typed-array entries. */
  private applySoleAuthorColumns(i: number, v: Version): ApplyOutcome | undefined {
    const cols = this.cols!;
    const row = this.lean >>> ROW_SHIFT;
    // The common case in one step on the row (LeanColumns.updateOwn); what it leaves undecided, below.
    const own = cols.updateOwn(row, i, v, this.id, this.marks?.[i]);
    if (own === -1) return OBSOLETE;
    if (own !== undefined) {
      if (!cols.held) this.put(i, v.kind, v);
      else if (this.marks !== undefined || v.sig !== undefined || v.proof !== undefined) this.setMark(i, markOf(v));
      return own;
    }
    if (cols.authorOf(row, i) !== v.ts.node) return undefined;
    const cmp = cols.compareOwn(row, i, v.ts);
    if (cmp < 0) return OBSOLETE;
    if (cmp === 0) return sameContent(cols.read(row, i, this.id, this.marks?.[i]), v) ? DUPLICATE : undefined;
    // The replaced head is made a Version only if a consumer reads `removed` (lean-columns.ts, Replaced).
    const out = cols.replaced(row, i, this.id, this.marks?.[i]);
    // The row's shape and author stay (an update mostly keeps both): see LeanColumns.update.
    if (!cols.update(row, i, v)) this.put(i, v.kind, v);
    else if (this.marks !== undefined || v.sig !== undefined || v.proof !== undefined) this.setMark(i, markOf(v));
    return out;
  }

  /**
   * Whether `v` is one of the heads held here: the head with its timestamp carries its content
   * (a head made from the columns is a new object each time, so identity says nothing).
   */
  holdsHead(v: Version): boolean {
    const h = headAt(this.heads(v.kind), v.ts);
    return h !== undefined && sameContent(h, v);
  }

  /**
   * A head held in the columns that `v` is (same timestamp and content) takes the signature or
   * proof `v` was given after it was applied: a local write is signed after the merge, in place
   * (src/node/local-writes.ts), which changes a head kept as that object but not one kept as columns.
   */
  adopt(v: Version): void {
    const mark = markOf(v);
    if (mark === undefined) return;
    const i = fixedSlot(v.kind);
    if (i >= 0 && (this.inColumns & (1 << i)) !== 0) {
      const h = this.cols!.read(this.row, i, this.id, this.marks?.[i]);
      if (compareTs(h.ts, v.ts) === 0 && sameContent(h, v)) this.setMark(i, mark);
      return;
    }
    // A head that is another object with v's content takes the mark as a new object: a copy made
    // from the columns and since kept in the side table (another author's write arrived before the
    // signature did; expert review, 2026-12-04), or a same-content copy held instead of v. A mark
    // covers the content, so the stores agree whatever object they hold.
    const s = i >= 0 ? this.fixed?.[i] : this.other?.get(v.kind);
    if (s === undefined) return;
    const heads = s instanceof Register ? s.heads : [s];
    const k = heads.findIndex(
      (h) => h !== v && markOf(h) === undefined && compareTs(h.ts, v.ts) === 0 && sameContent(h, v),
    );
    if (k < 0) return;
    const signed: Version = { ...heads[k]!, ...mark };
    if (s instanceof Register) s.heads = heads.map((h, j) => (j === k ? signed : h));
    else if (i >= 0) this.fixed![i] = signed;
    else this.other!.set(v.kind, signed);
  }

  /** The general rules, on `v`'s register (a Register for the time being, see settle). */
  private applyTo(r: Register, v: Version): ApplyOutcome {
    if (
      v.seen.length === 0 &&
      this.evidence === undefined &&
      this.floor === undefined &&
      this.deletedAt === undefined &&
      v.kind !== DELETED &&
      !keepsFirstOfValue(v.kind)
    ) {
      const latest = this.applyLatestOwn(r, v);
      if (latest !== undefined) return latest;
    }
    // A head was learned when it was applied: its duplicate teaches nothing. Another content under
    // the same timestamp is no duplicate (see version-content.ts): one of the two is kept everywhere.
    // The scans of the heads below touch every head (memory, not arithmetic, at 14 heads a
    // register in scenario 1): what the register learned so far says when they can find nothing.
    const known = r.known;
    const same = known.heardOwn(v.ts) ? headAt(r.heads, v.ts) : undefined;
    if (same !== undefined && sameTwin(same, v)) return DUPLICATE;
    let twin = same !== undefined;
    const evidence = this.evidence;
    if (evidence !== undefined) {
      for (let i = 0; i < evidence.length; i++) {
        const e = evidence[i]!.version;
        if (e.kind !== v.kind || compareTs(e.ts, v.ts) !== 0) continue;
        if (sameTwin(e, v)) return DUPLICATE;
        twin = true;
      }
    }
    const mayDrop = v.seen.length > 0 || known.heardFrom(v.ts.node);
    const deletedBefore = this.deletedAt;
    const learned = this.learn(r, v);
    const cutRose = (learned & CUT_ROSE) !== 0;
    // Whether v's context taught something new: if v is refused, it may then be kept (evidence.ts).
    const novel = (learned & ADDED) !== 0;
    // What v taught may show that a head had been seen, or deleted, even if v itself is refused.
    // A risen cut (knowledge.ts) may cover a head of any author.
    const removed = cutRose ? dropCovered(r) : mayDrop ? dropStale(r, v) : [];
    const deletedAt = this.deletedAt;
    if (deletedAt !== undefined && deletedAt !== deletedBefore) removed.push(...this.dropOlderThan(deletedAt));
    if (belowFloor(v, this.floor)) return this.settleEvidence(r, v, removed, 'floor', novel, twin);
    if (deletable(v.kind) && deletedAt !== undefined && compareTs(v.ts, deletedAt) <= 0) {
      return this.settleEvidence(r, v, removed, 'floor', novel, twin);
    }
    if (same !== undefined && r.heads.includes(same)) {
      if (compareTwins(v, same) > 0) return this.settleEvidence(r, v, removed, 'refused', novel, twin);
      removed.push(same);
      r.heads = r.heads.filter((h) => h !== same);
    }
    // What mergeVersion (register.ts) decides, without its scans: no head left has v's timestamp
    // (a duplicate returned above, another content was dropped or refused v) and none is superseded
    // (dropStale), so v is either superseded itself or joins the heads in its rule's order.
    if (known.supersedes(v)) return this.settleEvidence(r, v, removed, 'refused', novel, twin);
    r.heads = withHead(r.heads, v);
    return this.settleEvidence(r, v, removed, 'applied', novel, twin);
  }

  /**
   * applyTo's decision for an author's next write beside other authors' heads (scenario 1: 50
   * authors that never see each other, docs/performance.md), without its scans of every head: `v`
   * has no context and is later than all the register learned of its author (Knowledge.
   * latestOwnBefore); the entity has no evidence, floor or tombstone, and `v` is no tombstone nor of
   * a kind that keeps first values (the caller checked). applyTo would then find no head under v's
   * timestamp and no evidence, learn v's timestamp alone, drop the one head its author may hold (the
   * one at the author's own bound before: no head is covered, and every head was learned, so a head
   * by that author is at that bound) and no other, and add v to the heads; settleEvidence keeps
   * nothing of the dropped head (v is later and implies it). Gives undefined, having changed
   * nothing, when that head is not found (applyTo then decides).
   */
  private applyLatestOwn(r: Register, v: Version): ApplyOutcome | undefined {
    const known = r.known;
    const before = known.latestOwnBefore(v.ts);
    if (before === NOT_LATEST) return undefined;
    const heads = r.heads;
    let at = -1;
    if (before !== undefined) {
      at = headIndexAt(heads, before, v.kind);
      if (at < 0) return undefined;
    }
    // Whether the heads alone restore the register (restoredByVersions) carries over: v is
    // context-free and takes its author's one head's place, or joins (Knowledge.raiseLatestOwn).
    const after = at < 0 ? withHead(heads, v) : replaceHead(heads, at, v);
    known.raiseLatestOwn(v.ts, heads, after);
    r.heads = after;
    if (at < 0) return { kind: 'applied', removed: NO_VERSIONS };
    return this.settleEvidence(r, v, [heads[at]!], 'applied', false, false);
  }

  /**
   * The outcome of delivering `v` to `r`, once the heads are settled, with what enters and leaves
   * the evidence (evidence.ts). `fate`: v joined the heads, or was refused (`floor`: at or below the
   * expiry floor, which keeps nothing). `novel`: v's context taught the register something new.
   *
   * The register's versions are weighed again (keptAsEvidence): its heads, its evidence, and the
   * candidates, which are v itself if refused and the heads v dropped. So that what is kept depends
   * only on what was delivered, a candidate enters the weighing even when it teaches nothing new; the
   * weighing is skipped only when its outcome is known: no evidence of the kind held, and each
   * candidate taught by one version weighed before it (a dropped head by v, a refused v by a head:
   * what an honest delivery always finds).
   */
  private settleEvidence(
    r: Register,
    v: Version,
    removed: Version[],
    fate: 'applied' | 'refused' | 'floor',
    novel: boolean,
    twin: boolean,
  ): ApplyOutcome {
    const kind = v.kind;
    let released = takeReleased();
    let kept: Evidence[] | undefined;
    const evidence = this.evidence;
    const held = evidence?.some((e) => e.version.kind === kind) === true;
    const gone = this.goneFor(kind);
    let candidates: Evidence[] | undefined;
    // v is weighed (a head, or a candidate) unless it lies below the floor.
    const weighed = fate !== 'floor';
    // A roster register keeps the earliest version of each value too (evidence.ts, keepsFirstOfValue).
    const first = keepsFirstOfValue(kind);
    for (const h of removed) {
      // Dropped by a tombstone (any kind of the entity): subsumed, and so is all it names.
      if (h.kind !== kind || this.subsumed(kind, h.ts)) continue;
      if (!held && !first && weighed && weighOrder(v, h) < 0 && implies(v, h, gone)) continue;
      (candidates ??= []).push({ version: h, by: h.ts.node });
    }
    if (
      fate === 'refused' &&
      (held || first || novel || candidates !== undefined || !this.impliedByHead(r.heads, v, gone))
    ) {
      (candidates ??= []).push({ version: v, by: v.ts.node });
    }
    if (candidates !== undefined || held) {
      const mine: Evidence[] = [];
      const others: Evidence[] = [];
      for (const e of evidence ?? []) (e.version.kind === kind ? mine : others).push(e);
      const weighing = weighEvidence(r.heads, [...mine, ...(candidates ?? [])], gone, first);
      const left = weighing.kept;
      let next = [...others, ...left];
      // The entity's bound, after the weighing (evidence.ts, withinEntityBound).
      let cut: Evidence[] | undefined;
      if (next.length > entityBound) ({ kept: next, cut } = withinEntityBound(next, entityBound));
      // Who is charged follows from what is kept (chargedFor): a kept item may be charged anew. The
      // weighing worked it out for its kind, unless the bound cut some of it.
      const weighed = next;
      const charges = cut?.some((e) => e.version.kind === kind) === true ? undefined : new Map([[kind, weighing]]);
      next = this.withCharges(next, (k) => (k === kind ? r.heads : this.heads(k)), charges);
      const stays = new Set<Version>();
      for (const e of next) stays.add(e.version);
      for (const e of evidence ?? []) if (!stays.has(e.version)) (released ??= []).push(e);
      for (const e of candidates ?? []) {
        if (!stays.has(e.version)) continue;
        // Charged anew, the item kept is another object (rare: an expiry kept for its floor).
        (kept ??= []).push(next === weighed ? e : next.find((k) => k.version === e.version)!);
      }
      this.evidence = next.length === 0 ? undefined : next;
      if (cut !== undefined) {
        if (cut.some((e) => e.version === v)) cutNow = true;
        for (const k of new Set(cut.map((e) => e.version.kind))) {
          this.relearn(k, k === kind ? r : undefined);
          (cutKinds ??= new Set()).add(k);
        }
      }
    }
    if (kept === undefined && released === undefined && !twin) {
      if (fate === 'applied') return { kind: 'applied', removed };
      return removed.length === 0 ? OBSOLETE : { kind: 'obsolete', removed };
    }
    const change: EvidenceChange = {
      ...(kept === undefined ? {} : { kept }),
      ...(released === undefined ? {} : { released }),
      ...(twin ? { twin: true as const } : {}),
    };
    if (fate === 'applied') return { kind: 'applied', removed, ...change };
    return { kind: 'obsolete', ...(removed.length === 0 ? {} : { removed }), ...change };
  }

  /** How many of `author`'s versions of `kind` the entity keeps as evidence charged to another author (chargedFor). */
  private chargedToOthers(author: NodeId, kind: ComponentKind): number {
    let n = 0;
    for (const e of this.evidence ?? [])
      if (e.version.kind === kind && e.version.ts.node === author && e.by !== author) n += 1;
    return n;
  }

  /**
   * chargedAnew, for a state whose register was merged again (canonicalWith): its items are new
   * objects, so an item counts unless `before` held its version charged to the same author.
   */
  private chargedAnewByVersion(before: readonly Evidence[] | undefined, author: NodeId): number {
    const held = new Set<Version>();
    for (const e of before ?? []) if (e.by === author) held.add(e.version);
    let n = 0;
    for (const e of this.evidence ?? [])
      if (e.by === author && e.version.ts.node === author && !held.has(e.version)) n += 1;
    return n;
  }

  /**
   * How many of `author`'s versions the evidence held now charges to `author` that `before` (the
   * evidence before a delivery, the same objects where unchanged) did not: a dry run's count.
   */
  private chargedAnew(before: readonly Evidence[] | undefined, author: NodeId): number {
    const held = new Set(before);
    let n = 0;
    for (const e of this.evidence ?? []) if (e.by === author && e.version.ts.node === author && !held.has(e)) n += 1;
    return n;
  }

  /**
   * `items` (the entity's evidence), each charged to whom chargedFor (evidence.ts) says from what
   * its register keeps: its heads (`heads`) and its evidence. `known`: per kind, what its weighing
   * kept and the charges it worked out (weighEvidence), taken as they are when that is exactly the
   * items of that kind held.
   * Items charged anew are new objects (the ledger is settled from the evidence before and after,
   * EntityStore.settleCharges).
   */
  private withCharges(
    items: Evidence[],
    heads: (kind: ComponentKind) => Heads = (k) => this.heads(k),
    known?: ReadonlyMap<ComponentKind, Weighed>,
  ): Evidence[] {
    if (items.length === 0) return items;
    let moved: Map<Evidence, NodeId> | undefined;
    const byKind = new Map<ComponentKind, Evidence[]>();
    for (const e of items) {
      const list = byKind.get(e.version.kind);
      if (list === undefined) byKind.set(e.version.kind, [e]);
      else list.push(e);
    }
    for (const [kind, list] of byKind) {
      const m = chargesMoved(list, known?.get(kind)) ?? chargedFor(heads(kind), list);
      if (m.size === 0) continue;
      moved ??= new Map();
      for (const [e, by] of m) moved.set(e, by);
    }
    if (moved === undefined) return items;
    const charged = moved;
    return items.map((e) => {
      const by = charged.get(e);
      return by === undefined ? e : { version: e.version, by };
    });
  }

  /**
   * What `kind`'s register knows, learned again from its heads and the evidence left of its kind:
   * the entity's bound cut evidence whose teaching nothing left implies (withinEntityBound), and a
   * replica that never held it never learned that. Everything else the register learned is taught
   * by what is left (keptAsEvidence). Heads a cut version dropped come back here only when the
   * entity kept them as evidence (remergeCut, after the delivery); others are fetched again from a
   * replica that holds them, and then apply.
   */
  private relearn(kind: ComponentKind, r: Register | undefined): void {
    const reg = r ?? this.register(kind);
    const known = new Knowledge();
    const gone = this.goneFor(kind);
    const learn = (x: Version): void => {
      if (gone === undefined) known.learn(x);
      else known.learnAbove(x, gone);
    };
    for (const h of reg.heads) learn(h);
    for (const e of this.evidence ?? []) if (e.version.kind === kind) learn(e.version);
    reg.known = known;
    if (r === undefined) this.settleOne(kind, reg);
  }

  /**
   * Whether delivering `v` certainly adds no evidence, decided without the dry run (a copy of the
   * entity, relearned when the bound cuts: ~20x an honest write at the entity's bound, docs/
   * security.md, "Twins and evidence"): v joins the heads (no head or evidence under its timestamp,
   * not covered by what the register knows, not at or below the floor or the tombstone) and it is
   * later than every head of its register (so weighed before it) and implies it. Then no head it drops is kept
   * (keptAsEvidence weighs v first), v itself is a head, and the register's evidence can only
   * shrink: nothing is cut, and nothing is charged anew to v's author unless the register keeps
   * versions of that author charged to another (v then stands above them, chargedFor; merge runs
   * the dry run for those). An honest write that saw every head is such a v.
   */
  private keepsNothing(v: Version): boolean {
    if (v.kind === DELETED || belowFloor(v, this.floor)) return false;
    if (keepsFirstOfValue(v.kind) && this.headCount(v.kind) > 0) return false;
    if (deletable(v.kind) && this.deletedAt !== undefined && compareTs(v.ts, this.deletedAt) <= 0) return false;
    const s = this.slot(v.kind);
    if (s instanceof Register && s.known.supersedes(v)) return false;
    const gone = this.goneFor(v.kind);
    for (const h of this.heads(v.kind)) if (!(compareTs(v.ts, h.ts) > 0 && implies(v, h, gone))) return false;
    const evidence = this.evidence;
    if (evidence !== undefined) {
      for (const e of evidence) if (e.version.kind === v.kind && compareTs(e.version.ts, v.ts) === 0) return false;
    }
    return true;
  }

  /** How many heads `kind`'s register holds, without making one from the columns. */
  private headCount(kind: ComponentKind): number {
    const i = fixedSlot(kind);
    if (i >= 0 && (this.inColumns & (1 << i)) !== 0) return 1;
    const s = i >= 0 ? this.fixed?.[i] : this.other?.get(kind);
    return s === undefined ? 0 : s instanceof Register ? s.heads.length : 1;
  }

  /** Whether a head weighed before `v` (weighOrder) implies it: then keptAsEvidence would drop v. */
  private impliedByHead(heads: Heads, v: Version, gone: ((t: Timestamp) => boolean) | undefined): boolean {
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (weighOrder(h, v) < 0 && implies(h, v, gone)) return true;
    }
    return false;
  }

  /** What `kind`'s register never learns (context-bound.ts), or undefined while nothing is gone for good. */
  private goneFor(kind: ComponentKind): ((t: Timestamp) => boolean) | undefined {
    if (this.floor === undefined && this.deletedAt === undefined) return undefined;
    return (t) => this.subsumed(kind, t);
  }

  /**
   * Every well-formed delivered version adds to what its register knows, even when it is refused.
   * Returns what Knowledge.learn does (CUT_ROSE, ADDED).
   */
  private learn(r: Register, v: Version): number {
    const learned =
      this.floor === undefined && this.deletedAt === undefined
        ? r.known.learn(v)
        : r.known.learnAbove(v, (t) => this.subsumed(v.kind, t));
    if (v.kind === DELETED && this.notesTombstone(v.ts)) {
      this.deletedAt = v.ts;
      this.pruneKnowledge();
    }
    return learned;
  }

  /** Whether a timestamp of `kind` lies at or below what this entity holds gone for good (context-bound.ts). */
  private subsumed(kind: ComponentKind, t: Timestamp): boolean {
    return subsumedByFloor(kind, t, this.floor, this.deletedAt);
  }

  /**
   * Drops what each register learned at or below the floor or the latest tombstone (Knowledge.prune):
   * after a delete or an expiry, an entity's knowledge names only the authors who wrote it since.
   * A bare head whose own timestamp is subsumed keeps no knowledge (the caller drops the head next).
   */
  private pruneKnowledge(): void {
    this.each((kind, s, i) => {
      if (s instanceof Register) s.known.prune((t) => this.subsumed(kind, t));
      else if (this.subsumed(kind, s.ts)) this.put(i, kind, new Register([s], new Knowledge()));
    });
    // Evidence whose teaching is now gone for good, or taught by what is left, goes too.
    const evidence = this.evidence;
    if (evidence === undefined) return;
    const kinds = new Set(evidence.map((e) => e.version.kind));
    let left = evidence;
    const charges = new Map<ComponentKind, Weighed>();
    for (const kind of kinds) {
      const pool = left.filter((e) => e.version.kind === kind && !this.subsumed(kind, e.version.ts));
      const weighing = weighEvidence(this.heads(kind), pool, this.goneFor(kind), keepsFirstOfValue(kind));
      const kept = weighing.kept;
      left = left.filter((e) => e.version.kind !== kind || kept.includes(e));
      charges.set(kind, weighing);
    }
    if (left.length === evidence.length) return;
    for (const e of evidence) if (!left.includes(e)) releasedNow.push(e);
    // Who is charged follows from what is kept (chargedFor), worked out by the weighing.
    left = this.withCharges(left, undefined, charges);
    this.evidence = left.length === 0 ? undefined : left;
  }

  /**
   * Sets the floor a snapshot kept (EntityStore.restore), and the largest floor carried to the
   * entity, pruning what it subsumes and dropping the heads at or below it, as the purge that raised
   * it did. A store that holds a floor holds no head beneath it, so a stored version there is a
   * stale record (one put again after the commit that removed it with the floor, e.g. a retried
   * priority commit): restored as a head, it came back on a restart only, and the node differed
   * from a twin that never restarted. A fired floor that no expiry head held has the deadline of, and
   * no carried floor covers, is then taken away (liftFloor), as the running store takes it away
   * once the last such head leaves (liftUnmarked): the stored meta outlived what justified it (a
   * meta stored late or stale, or an older build's), and the floor would stand for good, since
   * nothing lifts a floor no head marks (test/unit/core/store/restore-unmarked-floor.test.ts).
   * Returns the evidence that released, the heads dropped (the caller deletes them from storage:
   * RestoreLeftovers), and whether the floor was lifted (the stored meta is then rewritten).
   */
  restoreFloor(
    floor: number,
    markers?: readonly Timestamp[],
    carried?: number,
  ): { readonly released: Evidence[]; readonly dropped: Version[]; readonly lifted: boolean } {
    if (carried !== undefined && (this.carried === undefined || carried > this.carried)) this.carried = carried;
    if (this.floor !== undefined && this.floor > floor) floor = this.floor;
    this.floor = floor;
    const covered = this.carried !== undefined && this.carried >= floor;
    this.floorMarkers = covered ? undefined : (markers ?? this.markersAt(floor));
    this.forgetCoveredTombstone();
    this.pruneKnowledge();
    const dropped = this.dropWhere((_, h) => belowFloor(h, floor));
    this.settle();
    // The marker itself is an expiry, never dropped by the floor: the heads it leaves decide.
    const lifted = !covered && this.markedFloor() === undefined;
    if (lifted) this.liftFloor();
    return { released: takeReleased() ?? [], dropped, lifted };
  }

  /**
   * A tombstone time at or below the floor removes nothing the floor does not (tombstones delete no
   * expiry), and the floor dropped the tombstone itself: the time is not kept (nor taken,
   * notesTombstone). Kept, it split replicas that held the same versions once the floor was taken
   * away (liftFloor takes the time from the tombstones still held, none): one that fired the floor
   * before the write lifting it arrived kept no time, one that never fired it kept the tombstone's.
   */
  private forgetCoveredTombstone(): void {
    if (this.floor !== undefined && this.deletedAt !== undefined && this.deletedAt.ms <= this.floor) {
      this.deletedAt = undefined;
    }
  }

  /** Whether a tombstone at `t` sets the tombstone time: above the floor and the time held. */
  private notesTombstone(t: Timestamp): boolean {
    if (this.floor !== undefined && t.ms <= this.floor) return false;
    return this.deletedAt === undefined || compareTs(t, this.deletedAt) > 0;
  }

  private dropOlderThan(t: Timestamp): Version[] {
    return this.dropWhere((kind, h) => deletable(kind) && compareTs(h.ts, t) <= 0);
  }

  /**
   * Drops the heads `gone` names from every register. A bare head that goes leaves what it taught,
   * unless that is subsumed too (pruneKnowledge ran first), in a Register for settle() to tidy.
   */
  private dropWhere(gone: (kind: ComponentKind, h: Version) => boolean): Version[] {
    const dropped: Version[] = [];
    this.each((kind, s, i) => {
      if (!(s instanceof Register)) {
        if (!gone(kind, s)) return;
        dropped.push(s);
        this.put(i, kind, new Register([], this.subsumed(kind, s.ts) ? new Knowledge() : Knowledge.of(s)));
        return;
      }
      const heads = s.heads;
      const kept = heads.filter((h) => !gone(kind, h));
      if (kept.length === heads.length) return;
      for (const h of heads) if (!kept.includes(h)) dropped.push(h);
      s.heads = kept;
    });
    return dropped;
  }

  /** The earliest deadline among the expiry heads, if the entity has any: when purge has work. */
  get expiresAt(): number | undefined {
    if ((this.inColumns & (1 << EXPIRY_SLOT)) !== 0) return this.cols!.numberOf(this.row, EXPIRY_SLOT, 'at');
    const s = this.fixed?.[EXPIRY_SLOT];
    if (s === undefined) return undefined;
    return s instanceof Register ? earliestDeadline(s.heads) : deadlineOf(s);
  }

  /**
   * The earliest deadline among the expiry heads above the floor: the time from which purge(now)
   * raises the floor (firedBy then names a head above it); undefined: purge has no work, whatever
   * the time. An expiry head at or below the floor (its marker) never raises it again.
   */
  get nextDeadline(): number | undefined {
    const floor = this.floor ?? -Infinity;
    if ((this.inColumns & (1 << EXPIRY_SLOT)) !== 0) {
      const at = this.cols!.numberOf(this.row, EXPIRY_SLOT, 'at');
      return at !== undefined && at > floor ? at : undefined;
    }
    const s = this.fixed?.[EXPIRY_SLOT];
    if (s === undefined) return undefined;
    if (!(s instanceof Register)) return deadlineOf(s) > floor ? deadlineOf(s) : undefined;
    let min: number | undefined;
    for (const h of s.heads) {
      const at = deadlineOf(h);
      if (at > floor && (min === undefined || at < min)) min = at;
    }
    return min;
  }

  /**
   * A deadline of the expiry heads above the floor that is at or before `bound`, the first such head
   * found, or else nextDeadline: never before nextDeadline, and at or before `bound` exactly when
   * nextDeadline is. EntityStore.apply asks only that, and most heads of a renewed expiry answer it.
   */
  deadlineAtMost(bound: number): number | undefined {
    const s = this.fixed?.[EXPIRY_SLOT];
    if ((this.inColumns & (1 << EXPIRY_SLOT)) !== 0 || !(s instanceof Register)) return this.nextDeadline;
    const floor = this.floor ?? -Infinity;
    let min: number | undefined;
    for (const h of s.heads) {
      const at = deadlineOf(h);
      if (!(at > floor)) continue;
      if (at <= bound) return at;
      if (min === undefined || at < min) min = at;
    }
    return min;
  }

  /** The expiry head that has fired by `now` (see expiry-floor.ts). */
  firedBy(now: number): Version | undefined {
    const s = this.fixedAt(EXPIRY_SLOT);
    if (s === undefined) return undefined;
    if (s instanceof Register) return firedBy(s.heads, now);
    return deadlineOf(s) <= now ? s : undefined;
  }

  /**
   * Once an expiry head has fired at `now` (see firedBy), raises the floor to its `at` and drops
   * every version written at or before it except the expiries whose deadline is not below it (the
   * fired one is the floor's marker; later ones still have to fire). Returns what was dropped.
   */
  purge(now: number, released?: Evidence[]): Version[] {
    const marker = this.firedBy(now);
    if (marker === undefined) return [];
    const at = deadlineOf(marker);
    if (this.floor !== undefined && at <= this.floor) return [];
    this.floor = at;
    this.floorMarkers = this.markersAt(at);
    this.forgetCoveredTombstone();
    this.pruneKnowledge();
    const dropped = this.dropWhere((_, h) => belowFloor(h, at));
    this.settle();
    const gone = takeReleased();
    if (gone !== undefined) released?.push(...gone);
    return dropped;
  }

  /**
   * Whether `v`, an expiry written at or before the floor, leaves no marker standing: the floor's
   * markers (floorMarkers) fired because no expiry written before their deadline had superseded
   * them; a replica that held `v` before the deadline never fired those `v` supersedes (firedBy),
   * so once every marker is superseded the floor must not stay either, or replicas that fired it
   * before hearing of `v` keep a floor that others never set (issue 8: an author shortening or
   * lengthening its own expiry). Markers `v` supersedes are forgotten; while one is left the floor
   * stays, as it does where that one fired. (A marker that left the heads otherwise took the floor
   * with it, liftUnmarked, unless a carried floor covers it.)
   */
  private cancelsFloor(v: Version): boolean {
    const floor = this.floor;
    const fired = this.floorMarkers;
    if (v.kind !== EXPIRY || floor === undefined || v.ts.ms > floor || fired === undefined) return false;
    // A floor an expiry carried stays, whatever expiry came before its deadline (raiseCarried).
    if (this.carried !== undefined && this.carried >= floor) return false;
    const k = Knowledge.of(v);
    const left = fired.filter((t) => !k.supersedes({ ts: t } as Version));
    if (left.length === fired.length) return false;
    if (left.length > 0) {
      this.floorMarkers = left;
      return false;
    }
    return true;
  }

  /**
   * After `v` was applied: an expiry written at or before the floor whose deadline is the floor, and
   * which is a head, fires with the floor's marker where it arrived before the deadline, so it is
   * one of the floor's markers (cancelsFloor).
   */
  private noteMarker(v: Version): void {
    const floor = this.floor;
    if (v.kind !== EXPIRY || floor === undefined || v.ts.ms > floor || deadlineOf(v) !== floor) return;
    if (this.carried !== undefined && this.carried >= floor) return;
    const fired = this.floorMarkers ?? [];
    if (fired.some((t) => compareTs(t, v.ts) === 0) || !this.holdsHead(v)) return;
    this.floorMarkers = [...fired, v.ts];
  }

  /** The timestamps of the expiry heads whose deadline is `floor` (the markers a purge to it fires). */
  private markersAt(floor: number): readonly Timestamp[] | undefined {
    const ts = this.heads(EXPIRY)
      .filter((h) => deadlineOf(h) === floor)
      .map((h) => h.ts);
    return ts.length === 0 ? undefined : ts;
  }

  /**
   * Takes the floor away, as if its marker had never fired: every register is merged again from
   * nothing with what it holds, heads and evidence, so that what it learned is what those teach
   * with nothing held gone for good by the floor, as withdraw() does for a withdrawn floor. The
   * expiry's register too: it still knew the expiries the floor dropped (deadlines below it), which
   * a replica that never fired the floor may not hold and would take when they come again. The
   * tombstone time too is that of the latest tombstone held: one the floor dropped (or one
   * delivered at or below it, which was never held) is served by no node here, and a time kept
   * without it would remove what a replica that never held it keeps, for as long as the new
   * deadline is ahead. Such a tombstone comes back from a peer that still holds it, and applies; one
   * no peer holds is lost with the rest of what the floor dropped everywhere (docs/architecture.md,
   * "Expiry"). The next purge raises the floor again to whatever expiry head has fired by then;
   * what this floor dropped above that comes back from peers that never fired it, and applies.
   */
  private liftFloor(): void {
    const kinds = new Set<ComponentKind>();
    for (const [kind] of [...this.slots()]) kinds.add(kind);
    const oldEvidence = this.evidence ?? [];
    for (const e of oldEvidence) kinds.add(e.version.kind);
    const redo = (v: Version): boolean => kinds.has(v.kind);
    const left = [...[...this.versions()].filter(redo), ...oldEvidence.map((e) => e.version).filter(redo)];
    // A fixed order, though the merge gives the same whatever the order (register.ts).
    left.sort((a, b) => compareTs(a.ts, b.ts));
    for (const kind of kinds) this.remove(fixedSlot(kind), kind);
    const others = oldEvidence.filter((e) => !kinds.has(e.version.kind));
    this.evidence = others.length === 0 ? undefined : others;
    // What an expiry carried stays (raiseCarried): the registers merge again under it.
    this.floor = this.carried;
    this.floorMarkers = undefined;
    // Set again by the tombstones held, as they merge below.
    this.deletedAt = undefined;
    const released = releasedNow;
    releasedNow = [];
    for (const v of left) this.merge(v, undefined, false);
    cutNow = false;
    // Evidence the merge no longer keeps is released with the delivery that lifted the floor.
    const kept = this.evidenceHeld();
    const still = (e: Evidence): boolean =>
      kept.some((k) => compareTs(k.version.ts, e.version.ts) === 0 && sameContent(k.version, e.version));
    releasedNow = [...released, ...oldEvidence.filter((e) => kinds.has(e.version.kind) && !still(e))];
    this.settle();
  }

  /**
   * Whether the entity holds a version (head or evidence) by one of `cutoffs`' authors stamped
   * after that author's cut-off. Heads held in the columns are read there, without making Versions
   * of them: a withdrawal scans the whole store (EntityStore.withdraw).
   */
  holdsAfter(cutoffs: ReadonlyMap<NodeId, Timestamp>): boolean {
    const late = (v: Version): boolean => {
      const at = cutoffs.get(v.ts.node);
      return at !== undefined && compareTs(v.ts, at) > 0;
    };
    if (this.inColumns !== 0) {
      const cols = this.cols!;
      for (let i = 0; i < FIXED_KINDS.length; i++) {
        if ((this.inColumns & (1 << i)) === 0) continue;
        const author = cols.authorOf(this.row, i);
        const at = cutoffs.get(author);
        if (at === undefined) continue;
        // compareOwn compares the cut-off's ms and counter with the head's; on a tie compareTs
        // orders by node id, as the gate does (RosterState.writtenAfterRemoval).
        const cmp = cols.compareOwn(this.row, i, at);
        if (cmp < 0 || (cmp === 0 && author > at.node)) return true;
      }
    }
    for (const r of this.fixed ?? []) {
      if (r === undefined) continue;
      if (r instanceof Register ? r.heads.some(late) : late(r)) return true;
    }
    if (this.other !== undefined) {
      for (const r of this.other.values()) if (r instanceof Register ? r.heads.some(late) : late(r)) return true;
    }
    return this.evidence?.some((e) => late(e.version)) === true;
  }

  /**
   * Takes out the versions `out` names, heads and evidence alike, and merges the rest of each
   * register that held one again from nothing, so the register is what it would be had they never
   * been delivered: a removed member's writes stamped after its removal, which this node took while
   * it did not hold the removal yet (docs/security.md, "Writes withdrawn at a removal"). What they
   * had superseded is then no longer covered: a version kept here (as evidence) is weighed again and
   * may be a head again; one this node dropped comes back from a peer that holds it, and applies.
   * Such a register's knowledge is learned anew from what is left, as relearn() does: everything a
   * register learned is taught by its heads and its evidence (evidence.ts), except what the
   * withdrawn versions taught. Knowledge is per register, so the other registers stay as they are.
   *
   * The tombstone time and the expiry floor stay unless a withdrawn version set them: then the
   * tombstone time is the latest tombstone left, and the floor is raised again by the expiries left
   * that have fired by `now`. What the withdrawn tombstone or floor had dropped or pruned in other
   * registers is not restored here: peers that hold it serve it again, and it applies (docs/
   * security.md). Returns undefined when the entity holds none of them.
   */
  withdraw(out: (v: Version) => boolean, now: number, bound = MAX_EVIDENCE_PER_ENTITY): Withdrawal | undefined {
    const oldHeads = [...this.versions()];
    const oldEvidence = this.evidence ?? [];
    const taken = [...oldHeads.filter(out), ...oldEvidence.map((e) => e.version).filter(out)];
    if (taken.length === 0) return undefined;
    let deletedAt = this.deletedAt;
    const tombstoneGone =
      deletedAt !== undefined && taken.some((v) => v.kind === DELETED && compareTs(v.ts, deletedAt!) === 0);
    const floor = this.floor;
    // A withdrawn expiry that carried the largest floor carried: the largest left is that of the
    // expiries left (a carrier it superseded and dropped comes back from peers, and carries it again).
    const carried = this.carried;
    const carriedGone = carried !== undefined && taken.some((v) => (carriedFloor(v) ?? -Infinity) >= carried);
    const floorGone =
      floor !== undefined &&
      (taken.some((v) => v.kind === EXPIRY && deadlineOf(v) >= floor) || (carriedGone && carried >= floor));
    // The registers merged again: those that held a withdrawn version, and those a withdrawn
    // tombstone or floor pruned (context-bound.ts), whose knowledge is then learned again from what
    // they hold with less gone for good. The expiry's register is never pruned by a floor.
    const kinds = new Set(taken.map((v) => v.kind));
    for (const [kind] of [...this.slots()]) {
      if ((tombstoneGone && deletable(kind)) || (floorGone && kind !== EXPIRY)) kinds.add(kind);
    }
    const redo = (v: Version): boolean => kinds.has(v.kind) && !out(v);
    const left = [...oldHeads.filter(redo), ...oldEvidence.map((e) => e.version).filter(redo)];
    // A fixed order, though the merge gives the same whatever the order (register.ts).
    left.sort((a, b) => compareTs(a.ts, b.ts));
    // The tombstone time is that of a tombstone held, unless the one that set it is withdrawn or a
    // withdrawn floor may have dropped it: then it is the latest tombstone left. One the floor had
    // dropped comes back from peers.
    if (tombstoneGone || floorGone) {
      deletedAt = undefined;
      for (const v of left) {
        if (v.kind === DELETED && (deletedAt === undefined || compareTs(v.ts, deletedAt) > 0)) deletedAt = v.ts;
      }
    }
    for (const kind of kinds) this.remove(fixedSlot(kind), kind);
    const others = oldEvidence.filter((e) => !kinds.has(e.version.kind));
    this.evidence = others.length === 0 ? undefined : others;
    this.deletedAt = deletedAt;
    if (carriedGone) {
      let most: number | undefined;
      for (const v of [...oldHeads, ...oldEvidence.map((e) => e.version)]) {
        const f = out(v) ? undefined : carriedFloor(v);
        if (f !== undefined && (most === undefined || f > most)) most = f;
      }
      this.carried = most;
    }
    this.floor = floorGone ? this.carried : floor;
    if (floorGone) this.floorMarkers = undefined;
    const outer = entityBound;
    entityBound = bound;
    for (const v of left) this.merge(v, undefined, false);
    entityBound = outer;
    cutNow = false;
    releasedNow = [];
    if (floorGone) this.purge(now);
    // A time at or below the floor left is not kept (forgetCoveredTombstone): a replica that never
    // held the withdrawn floor, the floor left fired, keeps none either. Kept, the node that set a
    // damaged expiry aside on a restart held a tombstone time its twin, given the same versions,
    // did not (SEED=699659191 of test/unit/node/restart-vs-twin.test.ts).
    this.forgetCoveredTombstone();
    releasedNow = [];
    this.settle();
    const newHeads = [...this.versions()];
    const newEvidence = this.evidenceHeld();
    const was = new VersionSet([...oldHeads, ...oldEvidence.map((e) => e.version)]);
    const is = new VersionSet([...newHeads, ...newEvidence.map((e) => e.version)]);
    const headsNow = new VersionSet(newHeads);
    const headsBefore = new VersionSet(oldHeads);
    return {
      withdrawn: taken,
      put: newHeads.filter((v) => !headsBefore.has(v)),
      removed: oldHeads.filter((v) => !headsNow.has(v)),
      served: [...newHeads, ...newEvidence.map((e) => e.version)].filter((v) => !was.has(v)),
      unserved: [...oldHeads, ...oldEvidence.map((e) => e.version)].filter((v) => !is.has(v)),
      evidenceBefore: oldEvidence,
      evidenceAfter: newEvidence,
    };
  }

  /** The evidence held now (a method: withdraw reads it after merges that tsc cannot see change it). */
  private evidenceHeld(): readonly Evidence[] {
    return this.evidence ?? [];
  }

  /** True while some live component remains (a deleted entity has only its tombstone). */
  get live(): boolean {
    if (this.inColumns !== 0) return true;
    let live = false;
    this.each((kind, s) => {
      if (kind !== DELETED && (!(s instanceof Register) || s.heads.length > 0)) live = true;
    });
    return live;
  }

  /** Nothing is held: no version, no floor, no tombstone, nothing learned, no evidence. */
  get empty(): boolean {
    return (
      this.fixed === undefined &&
      this.inColumns === 0 &&
      this.other === undefined &&
      this.floor === undefined &&
      this.evidence === undefined
    );
  }

  get versionCount(): number {
    let n = 0;
    this.each((_, s) => {
      n += s instanceof Register ? s.heads.length : 1;
    });
    return n;
  }

  *versions(): IterableIterator<Version> {
    for (const [, s] of this.slots()) {
      if (s instanceof Register) yield* s.heads;
      else yield s;
    }
  }

  /** How many of `kind`'s heads `author` wrote. */
  private headsBy(kind: ComponentKind, author: NodeId): number {
    let n = 0;
    for (const h of this.heads(kind)) if (h.ts.node === author) n += 1;
    return n;
  }

  /** The evidence kept (evidence.ts): versions stored and served that are not heads. */
  *evidenceVersions(): IterableIterator<Version> {
    if (this.evidence !== undefined) for (const e of this.evidence) yield e.version;
  }

  get evidenceCount(): number {
    return this.evidence?.length ?? 0;
  }

  /**
   * The evidence kept and whom each item is charged to (evidence.ts), undefined: none. The array is
   * replaced, never changed in place, so the store settles its ledger by comparing it before and
   * after a change (EntityStore.settleCharges).
   */
  get charges(): readonly Evidence[] | undefined {
    return this.evidence;
  }

  /** The heads of one register, winner first (register.ts). */
  heads(kind: ComponentKind): Heads {
    const s = this.slot(kind);
    if (s === undefined) return NO_VERSIONS;
    return s instanceof Register ? s.heads : [s];
  }

  /** Each register that holds heads, with them. */
  *registers(): IterableIterator<readonly [ComponentKind, Heads]> {
    for (const [kind, s] of this.slots()) {
      if (!(s instanceof Register)) yield [kind, [s]];
      else if (s.heads.length > 0) yield [kind, s.heads];
    }
  }

  /** Every kind the entity holds a register of: with heads, or only knowledge. */
  *kinds(): IterableIterator<ComponentKind> {
    for (const [kind] of this.slots()) yield kind;
  }

  /** What the register of `kind` has learned (knowledge.ts), as plain data; undefined: nothing. */
  knowledgeOf(kind: ComponentKind): KnowledgeSnapshot | undefined {
    const s = this.slot(kind);
    if (s === undefined) return undefined;
    if (!(s instanceof Register)) return { own: [s.ts], seen: [] };
    return s.known.empty ? undefined : s.known.snapshot();
  }

  /** Whether the entity holds a register of `kind` (heads, or only knowledge). */
  holds(kind: ComponentKind): boolean {
    return this.slot(kind) !== undefined;
  }

  /**
   * Whether `v` would be refused here and leave nothing behind: written at or before the entity's
   * expiry floor or (for a kind the delete covers) its tombstone, with a context that teaches
   * nothing above them either (applyTo refuses it; learnAbove keeps nothing of it). An old version
   * of a deleted or expired track sent again costs no new register (security: the new-register
   * bound must not be spent on versions the store will never hold).
   */
  refusesWhole(v: Version): boolean {
    const gone =
      belowFloor(v, this.floor) ||
      (deletable(v.kind) && this.deletedAt !== undefined && compareTs(v.ts, this.deletedAt) <= 0);
    return gone && v.kind !== DELETED && v.seen.every((t) => this.subsumed(v.kind, asCut(v, t)));
  }

  /** The causal context for a new local write to one component, bounded (see context-bound.ts). */
  contextFor(kind: ComponentKind, self: NodeId): Timestamp[] {
    const s = this.slot(kind);
    if (s === undefined) return [];
    const all = s instanceof Register ? s.known.contextFor(self) : s.ts.node === self ? [] : [s.ts];
    if (this.floor === undefined && this.deletedAt === undefined) return all;
    // A rest marker (an entry naming self) stands for its time over every node (markerCut).
    return all.filter((t) => !this.subsumed(kind, t.node === self ? markerCut(t) : t));
  }

  /**
   * Whether re-applying the versions alone would restore this entity (storage keeps no meta for
   * it, see src/node/entity-meta.ts): no floor, no tombstone, no evidence, and every register that
   * learned anything knows exactly its heads, each with no context and the latest write of its
   * author (restoredByHeads): one sensor's track, or concurrent writers none of whom saw another.
   */
  get restoredByVersions(): boolean {
    if (this.floor !== undefined || this.deletedAt !== undefined || this.evidence !== undefined) return false;
    // A register in the columns is a bare head, which restores itself: only the side table is read
    // (each() would make a Version of every column register: persisting a received frame asks this
    // of every entity it touched, docs/benchmarks.md scenario 7).
    for (const r of this.fixed ?? []) if (r instanceof Register && !restoredByHeads(r)) return false;
    if (this.other !== undefined)
      for (const r of this.other.values()) if (r instanceof Register && !restoredByHeads(r)) return false;
    return true;
  }

  meta(): EntityMeta {
    const knowledge: (KnowledgeSnapshot & { readonly kind: ComponentKind })[] = [];
    for (const kind of this.kinds()) {
      const k = this.knowledgeOf(kind);
      if (k !== undefined) knowledge.push({ kind, ...k });
    }
    return {
      id: this.id,
      ...(this.floor === undefined ? {} : { floor: this.floor }),
      ...(this.floorMarkers === undefined ? {} : { floorMarkers: this.floorMarkers }),
      ...(this.carried === undefined ? {} : { carried: this.carried }),
      ...(this.deletedAt === undefined ? {} : { deletedAt: this.deletedAt }),
      knowledge,
      ...(this.evidence === undefined
        ? {}
        : { evidence: this.evidence.map((e) => ({ version: e.version, by: e.by })) }),
    };
  }

  /**
   * Restores the evidence a snapshot kept (EntityStore.restore), after its knowledge and versions:
   * what it taught is in the restored knowledge already. Each kind holding some is weighed again
   * (keptAsEvidence) with what the versions left, so the outcome is what any delivery order gives:
   * storage may hold a version that was dropped since (it is applied first, and may be kept until
   * the evidence that implies it is back). Returns what it keeps and what it released; who is
   * charged is worked out again (chargedFor), whatever the snapshot recorded, and the store settles
   * its ledger from the evidence before and after.
   */
  restoreEvidence(
    items: readonly Evidence[],
    bound = MAX_EVIDENCE_PER_ENTITY,
  ): { kept: Evidence[]; released: Evidence[] } {
    // Charged as chargedFor says below, whatever the snapshot recorded (Evidence.by).
    const before = this.evidence ?? [];
    // A version storage also held may have been kept already when it was applied.
    const held = (v: Version): boolean =>
      this.holdsHead(v) ||
      before.some((e) => e.version.kind === v.kind && compareTs(e.version.ts, v.ts) === 0 && sameContent(e.version, v));
    const restored = items
      .filter((e) => !this.subsumed(e.version.kind, e.version.ts) && !held(e.version))
      .map((e) => ({ version: e.version, by: e.version.ts.node }));
    if (restored.length === 0) return { kept: [], released: [] };
    const all = [...before, ...restored];
    let left: Evidence[] = [];
    const charges = new Map<ComponentKind, Weighed>();
    for (const kind of new Set(all.map((e) => e.version.kind))) {
      const pool = all.filter((e) => e.version.kind === kind);
      const weighing = weighEvidence(this.heads(kind), pool, this.goneFor(kind), keepsFirstOfValue(kind));
      left = left.concat(weighing.kept);
      charges.set(kind, weighing);
    }
    // The entity's bound, as a delivery applies it (an older build could keep more).
    let cut: Evidence[] | undefined;
    if (left.length > bound) ({ kept: left, cut } = withinEntityBound(left, bound));
    // Charges the weighing worked out hold for the kinds the bound cut nothing of (chargedFor).
    for (const e of cut ?? []) charges.delete(e.version.kind);
    left = this.withCharges(left, undefined, charges);
    this.evidence = left.length === 0 ? undefined : left;
    let gone: Evidence[] | undefined;
    if (cut !== undefined) {
      const kinds = new Set(cut.map((e) => e.version.kind));
      for (const k of kinds) this.relearn(k, undefined);
      // A version the cut ones alone superseded is a head again, as a delivery leaves it (remergeCut).
      gone = this.remergeCut(kinds);
    }
    const stays = new Map(this.evidenceHeld().map((e) => [e.version, e]));
    const kept: Evidence[] = [];
    for (const e of restored) {
      const k = stays.get(e.version);
      if (k !== undefined) kept.push(k);
    }
    const heads = new Set<Version>(this.versions());
    return {
      kept,
      released: [...before.filter((e) => !stays.has(e.version) && !heads.has(e.version)), ...(gone ?? [])].filter(
        (e, i, all) => all.indexOf(e) === i,
      ),
    };
  }

  /**
   * An independent copy that holds every register as Versions and Registers (no columns), for a dry
   * run (apply at the evidence bound). Heads are immutable, so they are shared.
   */
  clone(): EntityState {
    const c = new EntityState(this.id);
    this.each((kind, s, i) => {
      const copy = s instanceof Register ? new Register(s.heads, s.known.clone()) : s;
      if (i >= 0) (c.fixed ??= [undefined, undefined, undefined, undefined, undefined, undefined])[i] = copy;
      else (c.other ??= new Map()).set(kind, copy);
    });
    c.deletedAt = this.deletedAt;
    c.floor = this.floor;
    c.floorMarkers = this.floorMarkers;
    c.carried = this.carried;
    if (this.evidence !== undefined) c.evidence = [...this.evidence];
    return c;
  }

  /**
   * Restores what meta() returned except the floor: the snapshot's versions are applied next, and
   * the floor last (the marker itself lies at or below it).
   */
  restoreKnowledge(meta: EntityMeta): void {
    if (meta.deletedAt !== undefined) this.deletedAt = meta.deletedAt;
    for (const k of meta.knowledge) this.put(fixedSlot(k.kind), k.kind, new Register([], Knowledge.from(k)));
    // A meta stored before the tombstone's pruning (or by an older build) may name more.
    if (this.deletedAt !== undefined) this.pruneKnowledge();
    this.settle();
  }

  private slot(kind: ComponentKind): Slot | undefined {
    const i = fixedSlot(kind);
    return i >= 0 ? this.fixedAt(i) : this.other?.get(kind);
  }

  /** Sets the register of `kind`, whose fixed index is `i` (-1: none). */
  private put(i: number, kind: ComponentKind, s: Slot): void {
    if (i < 0) {
      (this.other ??= new Map()).set(kind, s);
      return;
    }
    const cols = this.cols;
    const shape = cols === undefined || s instanceof Register ? -1 : cols.fits(i, s);
    // A row is allocated for the first register in the columns; -1 when the columns are full (MAX_ROWS).
    const row = shape < 0 ? -1 : this.lean !== 0 ? this.lean >>> ROW_SHIFT : cols!.alloc();
    if (row >= 0) {
      cols!.write(row, i, s as Version, shape);
      this.lean = (row << ROW_SHIFT) | (this.lean & ROW_BITS_MASK) | (1 << i);
      this.setMark(i, markOf(s as Version));
      this.clearFixed(i);
      return;
    }
    this.leaveColumns(i);
    (this.fixed ??= [undefined, undefined, undefined, undefined, undefined, undefined])[i] = s;
  }

  /** Takes the register of FIXED_KINDS[i] out of the columns (if there), giving the row back once none is left. */
  private leaveColumns(i: number): void {
    if ((this.inColumns & (1 << i)) === 0) return;
    const row = this.row;
    this.lean &= ~(1 << i);
    this.setMark(i, undefined);
    if (this.inColumns === 0) {
      this.cols!.release(row);
      this.lean = 0;
    }
  }

  private setMark(i: number, mark: Mark | undefined): void {
    if (mark !== undefined)
      (this.marks ??= [undefined, undefined, undefined, undefined, undefined, undefined])[i] = mark;
    else if (this.marks !== undefined) {
      this.marks[i] = undefined;
      if (this.marks.every((m) => m === undefined)) this.marks = undefined;
    }
  }

  private clearFixed(i: number): void {
    const fixed = this.fixed;
    if (fixed === undefined) return;
    fixed[i] = undefined;
    if (fixed.every((s) => s === undefined)) this.fixed = undefined;
  }

  /** The register of FIXED_KINDS[i] as a Slot: from the side table, or made from the columns. */
  private fixedAt(i: number): Slot | undefined {
    const s = this.fixed?.[i];
    if (s !== undefined) return s;
    return (this.inColumns & (1 << i)) !== 0 ? this.cols!.read(this.row, i, this.id, this.marks?.[i]) : undefined;
  }

  /** `v`'s register as a Register (made from a bare head, or empty), in its slot until settle(). */
  private register(kind: ComponentKind): Register {
    const i = fixedSlot(kind);
    const s = i >= 0 ? this.fixedAt(i) : this.other?.get(kind);
    if (s instanceof Register) return s;
    const r = s === undefined ? new Register([], new Knowledge()) : new Register([s], Knowledge.of(s));
    this.put(i, kind, r);
    return r;
  }

  /** Puts one register back in its leanest form: gone when it holds nothing, a bare head when that is all it knows. */
  private settleOne(kind: ComponentKind, r: Register): void {
    const i = fixedSlot(kind);
    if (r.heads.length === 1 && r.known.impliedBy(r.heads[0]!)) this.put(i, kind, r.heads[0]!);
    else if (r.heads.length === 0 && r.known.empty) this.remove(i, kind);
  }

  /** settleOne for every register. */
  private settle(): void {
    const regs: [ComponentKind, Register][] = [];
    this.each((kind, s) => {
      if (s instanceof Register) regs.push([kind, s]);
    });
    for (const [kind, r] of regs) this.settleOne(kind, r);
  }

  private remove(i: number, kind: ComponentKind): void {
    if (i >= 0) {
      this.leaveColumns(i);
      this.clearFixed(i);
    } else if (this.other !== undefined) {
      this.other.delete(kind);
      if (this.other.size === 0) this.other = undefined;
    }
  }

  /** Calls `f` on every register, fixed kinds first; `f` may replace the register it is given (put). */
  private each(f: (kind: ComponentKind, s: Slot, i: number) => void): void {
    if (this.fixed !== undefined || this.inColumns !== 0) {
      for (let i = 0; i < FIXED_KINDS.length; i++) {
        const s = this.fixedAt(i);
        if (s !== undefined) f(FIXED_KINDS[i] as ComponentKind, s, i);
      }
    }
    if (this.other !== undefined) for (const [kind, s] of [...this.other]) f(kind, s, -1);
  }

  private *slots(): IterableIterator<readonly [ComponentKind, Slot]> {
    if (this.fixed !== undefined || this.inColumns !== 0) {
      for (let i = 0; i < FIXED_KINDS.length; i++) {
        const s = this.fixedAt(i);
        if (s !== undefined) yield [FIXED_KINDS[i] as ComponentKind, s];
      }
    }
    if (this.other !== undefined) yield* this.other;
  }
}

/** What EntityState.withdraw changed. */
export interface Withdrawal {
  /** The versions taken out (held here as heads or evidence). */
  readonly withdrawn: readonly Version[];
  /** Heads now that were not heads before (storage puts them), and heads before that are not now. */
  readonly put: readonly Version[];
  readonly removed: readonly Version[];
  /** What the node keeps and serves now and did not before (heads or evidence), and the reverse. */
  readonly served: readonly Version[];
  readonly unserved: readonly Version[];
  /** The evidence before and after (the store refunds the one and charges the other). */
  readonly evidenceBefore: readonly Evidence[];
  readonly evidenceAfter: readonly Evidence[];
}

/** Versions by kind, timestamp and content (heads made from the columns are new objects each time). */
class VersionSet {
  private readonly byKey = new Map<string, Version[]>();

  constructor(versions: readonly Version[]) {
    for (const v of versions) {
      const key = keyOf(v);
      const held = this.byKey.get(key);
      if (held === undefined) this.byKey.set(key, [v]);
      else held.push(v);
    }
  }

  has(v: Version): boolean {
    return this.byKey.get(keyOf(v))?.some((h) => sameContent(h, v)) === true;
  }
}

const keyOf = (v: Version): string => `${v.entity}\u0000${v.kind}\u0000${v.ts.ms}:${v.ts.c}:${v.ts.node}`;

/**
 * Whether re-applying this register's heads teaches what it knows (EntityState.restoredByVersions):
 * it knows nothing, or exactly its context-free heads, one latest write per author (a sensor's own
 * track, or concurrent writers none of whom saw the others: Knowledge.taughtByAlone).
 */
function restoredByHeads(r: Register): boolean {
  return r.known.empty || r.known.taughtByAlone(r.heads);
}

/** The head with timestamp `ts`, if any. */
function headAt(heads: Heads | undefined, ts: Timestamp): Version | undefined {
  if (heads === undefined) return undefined;
  for (let i = 0; i < heads.length; i++) if (compareTs(heads[i]!.ts, ts) === 0) return heads[i];
  return undefined;
}

/**
 * Drops the heads of v's register that its knowledge covers now that it learned v (usually none:
 * no copy made). No head was covered before (each apply drops what it covers, and a head joins
 * only if not covered), and learning v raised only the entries of v's author and of the authors
 * in its context, so only their heads need a look: one compare per head instead of a knowledge
 * lookup per head (scenario 1 keeps up to 50 concurrent heads).
 */
function dropStale(r: Register, v: Version): Version[] {
  const heads = r.heads;
  let stale: Version[] | undefined;
  for (let i = 0; i < heads.length; i++) {
    const h = heads[i]!;
    if (taughtAbout(v, h) && r.known.supersedes(h)) (stale ??= []).push(h);
  }
  if (stale === undefined) return [];
  const gone = stale;
  r.heads = heads.filter((h) => !gone.includes(h));
  return gone;
}

/** Drops every head the register's knowledge now covers (after its cut rose: any author's). */
function dropCovered(r: Register): Version[] {
  const heads = r.heads;
  const gone = heads.filter((h) => r.known.supersedes(h));
  if (gone.length > 0) r.heads = heads.filter((h) => !gone.includes(h));
  return gone;
}

/** A context entry of `v` as what it covers: its rest marker (naming v's writer) as a cut. */
function asCut(v: Version, t: Timestamp): Timestamp {
  return t.node === v.ts.node ? markerCut(t) : t;
}

/** Whether learning `v` may have changed what its register knows of `h`'s author. */
function taughtAbout(v: Version, h: Version): boolean {
  const node = h.ts.node;
  if (node === v.ts.node) return true;
  const seen = v.seen;
  for (let i = 0; i < seen.length; i++) if (seen[i]!.node === node) return true;
  return false;
}

/**
 * The index in `heads` (winner first, in `kind`'s order) of the head stamped `ts`, or -1. Heads
 * ordered by timestamp alone are searched by halves; the other orders read each head's timestamp.
 */
function headIndexAt(heads: Heads, ts: Timestamp, kind: ComponentKind): number {
  if (orderFor(kind) === byTimestamp) {
    let lo = 0;
    let hi = heads.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareTs(heads[mid]!.ts, ts);
      if (c === 0) return mid;
      // Winner first: a later head comes before.
      if (c > 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }
  for (let i = 0; i < heads.length; i++) {
    const t = heads[i]!.ts;
    if (t === ts || compareTs(t, ts) === 0) return i;
  }
  return -1;
}

/**
 * `heads` without the head at `at` and with `v` added in its kind's order (as withHead), in one
 * new array of the same size.
 */
function replaceHead(heads: Heads, at: number, v: Version): Heads {
  const order = orderFor(v.kind);
  // Where v goes among the heads other than heads[at] (sorted winner first: "v beats it" is false, then true).
  let lo = 0;
  let hi = heads.length - 1;
  // As withHead: a write that beats the winner left goes first.
  if (hi > 0 && order(v, heads[at === 0 ? 1 : 0]!) > 0) hi = 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order(v, heads[mid < at ? mid : mid + 1]!) > 0) hi = mid;
    else lo = mid + 1;
  }
  const out = new Array<Version>(heads.length);
  let j = 0;
  for (let i = 0; i < heads.length; i++) {
    if (i === at) continue;
    if (j === lo) out[j++] = v;
    out[j++] = heads[i]!;
  }
  if (j === lo) out[j] = v;
  return out;
}

/**
 * `heads` with `v` added in its kind's order, winner first (register.ts keeps heads sorted by
 * orderFor, a total order, so inserting gives what sorting would), in an array of exactly the size
 * needed.
 */
function withHead(heads: Heads | undefined, v: Version): Heads {
  if (heads === undefined || heads.length === 0) return [v];
  const order = orderFor(v.kind);
  // The first head v beats: heads are sorted winner first, so "v beats it" is false, then true.
  // A write later than every head (the usual delivery: authors write in time order) beats the
  // winner under the timestamp and classification orders: one head read, not a search's.
  let lo = 0;
  let hi = order(v, heads[0]!) > 0 ? 0 : heads.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order(v, heads[mid]!) > 0) hi = mid;
    else lo = mid + 1;
  }
  const out = new Array<Version>(heads.length + 1);
  for (let i = 0; i < lo; i++) out[i] = heads[i]!;
  out[lo] = v;
  for (let i = lo; i < heads.length; i++) out[i + 1] = heads[i]!;
  return out;
}
