import { compareTs, type Timestamp } from '../core/clock/timestamp';
import type { EntityId, NodeId } from '../core/ids';
import { hasHonestContext } from '../core/merge/knowledge';
import type { Version } from '../core/merge/version';
import { sameContent } from '../core/merge/version-content';
import { isRosterEntity } from '../core/roster/roster-entity';
import { inWindows, type RemovalWindow } from '../core/clock/removal-window';
import { GATE_AUTHORITY_REASON, gateAuthorityRefusal } from '../core/task/gate-authority';
import { EXPIRY_IN_PAST_REASON, expiriesFirst, expiryRefusal } from '../core/store/expiry-floor';
import type { EvidenceChange } from '../core/store/entity-state';
import { versionKey } from '../ports/storage';
import { persist, type NodeParts } from './node-parts';
import { HARD_HORIZON_MS } from './skew-hold';
import type { PendingCommit, VersionSource } from './version-listeners';
import { splitByLane } from './write-lane';

/** The outcome of merging a batch: what changed the store (to relay onwards) and what it superseded. */
interface Merged {
  /** New heads: stored as versions. */
  readonly applied: Version[];
  /** Refused here and kept as evidence (core/store/evidence.ts): stored in their entity's meta. */
  readonly kept: Version[];
  /** Heads that left: their stored versions go (those kept as evidence live on in the meta). */
  readonly removed: Version[];
  /** What left the set the node keeps and serves: heads not kept as evidence, and evidence released. */
  readonly unserved: Version[];
  /** Entities a refused version may have taught something (its context): their metas are kept. */
  readonly touched: Set<EntityId>;
  /** Entities whose evidence changed: their metas are written whatever they hold (entity-meta.ts). */
  readonly rewrite: Set<EntityId>;
  /** Twins met, evidence kept, deliveries refused at the evidence bound, by author (logged). */
  readonly twins: Map<NodeId, number>;
  readonly limited: Map<NodeId, number>;
}

const merged = (): Merged => ({
  applied: [],
  kept: [],
  removed: [],
  unserved: [],
  touched: new Set(),
  rewrite: new Set(),
  twins: new Map(),
  limited: new Map(),
});

const bump = (m: Map<NodeId, number>, author: NodeId): void => {
  m.set(author, (m.get(author) ?? 0) + 1);
};

/**
 * Versions from peers: merged into the store, counted, announced to replication and persisted in
 * the background (a failed commit shows in the storage status; the versions stay in memory and
 * peers still hold them). Writes from a clock too far ahead are held until their time or until
 * the operator accepts them.
 */
export class RemoteMerge {
  /**
   * Removed members' cut-offs (docs/security.md, "Writes withdrawn at a removal"): a version by one
   * of them stamped after its cut-off is refused whatever path it takes (a held write released, an
   * import), as the roster gate refuses it at ingest, so a withdrawn write never comes back.
   */
  private readonly cutoffs = new Map<NodeId, Timestamp>();
  private readonly windows = new Map<NodeId, readonly RemovalWindow[]>();

  constructor(private readonly parts: NodeParts) {}

  /** Sets (or, with undefined, lifts) the cut-off after which `author`'s versions are refused. */
  setCutoff(author: NodeId, after: Timestamp | undefined): void {
    if (after === undefined) this.cutoffs.delete(author);
    else this.cutoffs.set(author, after);
  }

  /** The cut-off after which `author`'s versions are refused, if it has one. */
  cutoffOf(author: NodeId): Timestamp | undefined {
    return this.cutoffs.get(author);
  }

  /**
   * Sets (or, with none, lifts) the windows inside which `author`'s versions are refused: written
   * while it stood removed, before it was admitted again (docs/security.md, "A removed device
   * invited again").
   */
  setWindows(author: NodeId, windows: readonly RemovalWindow[] | undefined): void {
    if (windows === undefined || windows.length === 0) this.windows.delete(author);
    else this.windows.set(author, windows);
  }

  /** The windows inside which `author`'s versions are refused. */
  windowsOf(author: NodeId): readonly RemovalWindow[] | undefined {
    return this.windows.get(author);
  }

  /** Whether `v` was written by a removed member after its cut-off, or inside one of its windows. */
  private withdrawn(v: Version): boolean {
    if (this.cutoffs.size === 0 && this.windows.size === 0) return false;
    const after = this.cutoffs.get(v.ts.node);
    return (after !== undefined && compareTs(v.ts, after) > 0) || inWindows(this.windows.get(v.ts.node), v.ts);
  }

  /** Returns the versions that changed the store (to relay onwards): new heads, and versions kept as evidence. */
  apply(versions: readonly Version[], source?: VersionSource): Version[] {
    return this.merge(versions, 'remote', source);
  }

  /**
   * A batch's roster ops are merged (and announced: the roster follows them and moves the cut-offs,
   * RosterService.applyCutoffs) before its other versions, which then meet the cut-offs the batch's
   * roster leaves (docs/security.md, "Enforcement"). The gate judged them against that roster: a
   * re-admission, or a twin undoing a removal, arriving with the member's writes let them pass the
   * gate, and the merge, still holding the cut-off from before the batch, refused them
   * (test/unit/node/roster/readmission-batch.test.ts). On every path (live, a write held for skew
   * and released, acceptHeld, applyRemote outside the mesh): what merges is judged by the roster
   * the store holds. A batch's expiries merge before its other versions (expiriesFirst), so a
   * floor one of them takes away no longer drops what came with it.
   */
  private merge(versions: readonly Version[], origin: 'remote' | 'released', source?: VersionSource): Version[] {
    const [roster, rest] = rosterFirst(versions);
    if (roster.length === 0 || rest.length === 0) return this.mergePart(expiriesFirst(versions), origin, source);
    const first = this.mergePart(roster, origin, source);
    const second = this.mergePart(expiriesFirst(rest), origin, source);
    return second.length === 0 ? first : [...first, ...second];
  }

  private mergePart(versions: readonly Version[], origin: 'remote' | 'released', source?: VersionSource): Version[] {
    const { clock, hold, counters } = this.parts;
    const out = merged();
    let beyond = 0;
    const unauthorised: { readonly version: Version; readonly why: string }[] = [];
    const pastExpiries: { readonly version: Version; readonly why: string }[] = [];
    for (const v of versions) {
      if (this.withdrawn(v)) {
        counters.reject('removed-member');
        continue;
      }
      // A gate write its author may not make (core/task/gate-authority.ts): refused before it can
      // move our clock or be held. The mesh refuses these before their signature check (and charges
      // the author's own link); this catches every other source (an import, a test, an older relay).
      const why = gateAuthorityRefusal(v);
      if (why !== undefined) {
        counters.reject(GATE_AUTHORITY_REASON);
        unauthorised.push({ version: v, why });
        continue;
      }
      // An expiry whose deadline is not after its own write (core/store/expiry-floor.ts): the store
      // refuses it on every node; refused here first, so it neither moves our clock nor is held.
      const past = expiryRefusal(v);
      if (past !== undefined) {
        counters.reject(EXPIRY_IN_PAST_REASON);
        pastExpiries.push({ version: v, why: past });
        continue;
      }
      if (clock.leadOf(v.ts) > HARD_HORIZON_MS) {
        // Not held: no honest clock is a day fast, and following it could take ours past what the wire encodes.
        beyond += 1;
        continue;
      }
      const seen = clock.observe(v.ts);
      if (!seen.ok) {
        if (hold.hold(v, seen.skewMs, source) === undefined) counters.reject('clock-skew-held');
        continue;
      }
      this.mergeOne(v, out);
    }
    if (unauthorised.length > 0) {
      const { version: first, why } = unauthorised[0]!;
      this.parts.log(`refused ${unauthorised.length} approval/task versions their authors may not write`, {
        first: `${first.entity}/${first.kind} by ${first.ts.node}`,
        why,
      });
    }
    if (pastExpiries.length > 0) {
      const { version: first, why } = pastExpiries[0]!;
      this.parts.log(`refused ${pastExpiries.length} expiries whose deadline is not after their own write`, {
        first: `${first.entity} by ${first.ts.node}`,
        why,
      });
    }
    if (beyond > 0) {
      for (let i = 0; i < beyond; i++) counters.reject('clock-beyond-horizon');
      this.parts.log(`refused ${beyond} versions dated more than a day ahead of our clock`);
    }
    this.announce(out, origin, source);
    return out.kept.length === 0 ? out.applied : [...out.applied, ...out.kept];
  }

  /** Twins and evidence are logged once per merged batch, by author (docs/security.md, "Twins and evidence"). */
  private logEvidence({ kept, twins, limited }: Merged): void {
    if (twins.size > 0) {
      const by = [...twins].map(([author, n]) => `${author} ×${n}`).join(', ');
      this.parts.log(`equivocation: another content under a timestamp already held (${by}); the merge keeps one`);
    }
    if (kept.length > 0) {
      this.parts.log(`kept ${kept.length} refused versions as evidence (their contexts taught this node something)`, {
        first: `${kept[0]!.entity}/${kept[0]!.kind}/${kept[0]!.ts.node}`,
      });
    }
    if (limited.size > 0) {
      const by = [...limited].map(([author, n]) => `${author} ×${n}`).join(', ');
      this.parts.log(`refused versions that would add evidence past the bound (${by}); asked for again later`);
    }
  }

  /** Writes held for clock skew whose time has come. */
  releaseDue(): void {
    // Released by the source they came by, so the mesh relays only live ones, not back to their link.
    for (const [source, versions] of this.parts.hold.releaseDue(this.parts.clock)) {
      this.merge(versions, 'released', source);
    }
  }

  /** The operator's decision: take one author's held writes now, moving our clock up to them. */
  acceptHeld(author: NodeId): number {
    let count = 0;
    for (const [source, all] of this.parts.hold.releaseAuthor(author)) {
      // Roster ops first, then expiries, as in merge().
      for (const versions of rosterFirst(all)) this.forceMerge(expiriesFirst(versions), source);
      count += all.length;
    }
    return count;
  }

  /** Held writes taken on the operator's word: the clock is moved up to each. */
  private forceMerge(versions: readonly Version[], source: VersionSource | undefined): void {
    if (versions.length === 0) return;
    const out = merged();
    for (const v of versions) {
      if (this.withdrawn(v)) {
        this.parts.counters.reject('removed-member');
        continue;
      }
      if (expiryRefusal(v) !== undefined) {
        this.parts.counters.reject(EXPIRY_IN_PAST_REASON);
        continue;
      }
      // Held writes are within the horizon when held; the wall clock may have gone back since.
      if (this.parts.clock.leadOf(v.ts) > HARD_HORIZON_MS) {
        this.parts.counters.reject('clock-beyond-horizon');
        continue;
      }
      this.parts.clock.force(v.ts);
      this.mergeOne(v, out);
    }
    this.announce(out, 'released', source);
  }

  private mergeOne(v: Version, into: Merged): void {
    const { store, feed, counters } = this.parts;
    const out = store.apply(v);
    if (store.lastApplyLifted) into.rewrite.add(v.entity);
    switch (out.kind) {
      case 'applied':
        into.applied.push(v);
        into.removed.push(...out.removed);
        feed.mark(v.entity);
        counters.write('remote');
        noteChange(v, out, into);
        return;
      case 'duplicate':
        counters.write('duplicate');
        return;
      case 'obsolete':
        if (out.limited === true) {
          // Nothing learned: asked for again after the hold-back, when the author may be under its bound.
          counters.reject('evidence-limit');
          bump(into.limited, v.ts.node);
          return;
        }
        counters.write('obsolete');
        // Counted apart too: a peer sending contexts no honest writer makes is buggy or hostile.
        if (!hasHonestContext(v)) counters.reject('malformed-context');
        into.touched.add(v.entity);
        // Refused, yet what it taught may show that heads had been seen or deleted: they go too.
        if (out.removed !== undefined && out.removed.length > 0) {
          into.removed.push(...out.removed);
          feed.mark(v.entity);
        }
        // Refused, yet kept as evidence: stored, served and relayed like a version that applied.
        if (out.kept?.some((e) => e.version === v) === true) into.kept.push(v);
        noteChange(v, out, into);
        return;
      default: {
        const never: never = out;
        throw new Error(`unexpected merge outcome ${String(never)}`);
      }
    }
  }

  private announce(out: Merged, origin: 'remote' | 'released', source?: VersionSource): void {
    const { applied, kept, removed, unserved, touched, rewrite } = out;
    this.logEvidence(out);
    if (applied.length === 0 && kept.length === 0 && removed.length === 0 && touched.size === 0) return;
    const failed = (error: unknown): void => this.parts.log('persisting remote versions failed', error);
    const { priority, bulk } = byLane(applied, this.parts);
    // Evidence lives in its entity's meta: one commit with the heads it left, so a crash between
    // two commits cannot keep what a version taught without the version. Twins split by lane (a
    // content and another under its timestamp, one a HIGH threat) share a storage key: in two
    // commits the bulk one, enqueued after, would store its put over the priority one whichever
    // the store kept, and a restart would show the other twin (persist orders them in one).
    // Such a delivery (only an equivocating author's twins make one) commits its HIGH threats in
    // the bulk lane. So does one whose priority version replaced a twin held before it (a removal
    // under its key with another content): what made that twin droppable without a trace may be
    // what bulk versions not yet durable taught (a tombstone covering its context). Committed
    // ahead, a crash kept the replacement and lost the twin with all it taught, where a node given
    // what was durable (both twins) keeps the loser as evidence
    // (test/unit/node/priority-removal-meta.test.ts). Only an equivocating author's twins do that.
    const puts = new Map(priority.map((v) => [versionKey(v), v]));
    // Only a version of an entity with a priority put can share its key (a key starts with its
    // entity, whose id holds no NUL: ids.ts, entityOfKey), so the others' keys are not made: a
    // frame's bulk versions and removals were keyed up to three times each here (scenario 1).
    const putEntities = new Set(priority.map((v) => v.entity));
    const putOf = (v: Version): Version | undefined =>
      putEntities.has(v.entity) ? puts.get(versionKey(v)) : undefined;
    const replaced = (v: Version): boolean => {
      const put = putOf(v);
      return put !== undefined && !sameContent(put, v);
    };
    const whole =
      priority.length === 0 || rewrite.size > 0 || bulk.some((v) => putOf(v) !== undefined) || removed.some(replaced);
    // The listeners hear of the merge before its commits are made (what they write in turn, a
    // roster's withdrawal, commits with them or after), and learn from `commits` when each lands:
    // nothing of it may leave the node before (docs/architecture.md, "Nothing leaves before it is
    // durable"). Per lane, so a decision relayed waits for its priority commit, not the bulk one.
    const commits: PendingCommit[] = [];
    const wholeCommit = whole ? pendingCommit(applied, kept, commits) : undefined;
    const priorityCommit = whole ? undefined : pendingCommit(priority, [], commits);
    const bulkCommit = whole ? undefined : pendingCommit(bulk, kept, commits);
    this.parts.listeners.emit(kept.length === 0 ? applied : [...applied, ...kept], origin, unserved, source, commits);
    if (wholeCommit !== undefined) {
      wholeCommit(persist(this.parts, applied, removed, touched, 'bulk', rewrite)).catch(failed);
      return;
    }
    // The bulk part is enqueued first: the metas of entities it writes are what its versions taught,
    // so they go with it, not ahead in the priority commit (WriteBehind.leaveToBulk); the priority
    // commit still starts first and lands ahead (WriteBehind.flush).
    // A removed version under the storage key of a priority put the store holds (the same version
    // applied, dropped and applied again by one delivery) goes with that put, where persist() keeps
    // the removal from deleting it.
    const mine = (v: Version): boolean => putOf(v) !== undefined;
    bulkCommit!(
      persist(
        this.parts,
        bulk,
        removed.filter((v) => !mine(v)),
        touched,
      ),
    ).catch(failed);
    priorityCommit!(persist(this.parts, priority, removed.filter(mine), [], 'priority')).catch(failed);
  }
}

/**
 * A commit to come of `versions` and `kept` (none: nothing to tell), added to `commits`; the
 * returned function hands it the commit once made, and gives that back.
 */
function pendingCommit(
  versions: readonly Version[],
  kept: readonly Version[],
  commits: PendingCommit[],
): (commit: Promise<void>) => Promise<void> {
  if (versions.length + kept.length === 0) return (commit) => commit;
  let made!: (commit: Promise<void>) => void;
  const committed = new Promise<void>((resolve, reject) => (made = (commit) => void commit.then(resolve, reject)));
  // A failure is the writer's to log (persist's catch): no listener need handle it.
  committed.catch(() => undefined);
  commits.push({ versions: kept.length === 0 ? versions : [...versions, ...kept], committed });
  return (commit) => {
    made(commit);
    return commit;
  };
}

/**
 * A merge's new heads by lane (splitByLane). A priority version the same merge dropped again (a
 * tombstone or a later head in it superseded it) commits in the bulk lane, with its removal and
 * whatever dropped it: the store no longer holds it, and it may be a version durable before
 * (re-applied once an expiry's floor was lifted). Its put and removal committed ahead, in the
 * priority lane, deleted the stored version while what dropped it still waited in the bulk lane: a
 * crash then lost it, where a node given what was durable shows it (docs/c2-pipeline.md, "The
 * priority lane"; SEED=236677758 of test/unit/node/priority-meta-window.test.ts).
 */
function byLane(applied: readonly Version[], parts: NodeParts): { priority: Version[]; bulk: Version[] } {
  const { priority, bulk } = splitByLane(applied);
  if (priority.every((v) => parts.store.holds(v))) return { priority, bulk };
  const held = priority.filter((v) => parts.store.holds(v));
  return { priority: held, bulk: [...bulk, ...priority.filter((v) => !parts.store.holds(v))] };
}

/** Whether a version of `a` and one of `b` are stored under one key (twins: see version-content.ts). */

/** A batch's roster versions, then its others (each in the order given). */
function rosterFirst(versions: readonly Version[]): [Version[], Version[]] {
  const roster: Version[] = [];
  const rest: Version[] = [];
  for (const v of versions) (isRosterEntity(v.entity) ? roster : rest).push(v);
  return [roster, rest];
}

/** Folds a delivery's evidence change into the batch: what stays served, what leaves, whose metas to write. */
function noteChange(v: Version, out: EvidenceChange & { readonly removed?: readonly Version[] }, into: Merged): void {
  const kept = out.kept;
  const removed = out.removed ?? [];
  // A head kept as evidence is still served; one not kept leaves the set the node serves.
  for (const h of removed) if (kept === undefined || !kept.some((e) => e.version === h)) into.unserved.push(h);
  if (out.released !== undefined) for (const e of out.released) into.unserved.push(e.version);
  if (kept !== undefined || out.released !== undefined) into.rewrite.add(v.entity);
  if (out.twin === true) bump(into.twins, v.ts.node);
}
