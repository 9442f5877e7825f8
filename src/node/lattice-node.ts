import { Hlc } from '../core/clock/hlc';
import { compareTs, decodeTs, encodeTs, type Timestamp } from '../core/clock/timestamp';
import { sameWindow, type RemovalWindow } from '../core/clock/removal-window';
import { THREAT_LEVELS, type JsonValue, type ThreatLevel } from '../core/entity/component-types';
import { cappedKindsOf } from '../core/entity/kind-cap';
import { asEntityId, asUserKind, isEntityId, type ComponentKind, type EntityId, type NodeId } from '../core/ids';
import type { HeldEntity } from './security/new-entity-limit';
import { DELETED, type Version } from '../core/merge/version';
import { sameContent } from '../core/merge/version-content';
import { EntityStore, type RestoreLeftovers } from '../core/store/entity-store';
import type { ColumnType, EntityColumn } from '../core/store/entity-column';
import type { EvidenceStats } from '../core/store/evidence';
import type { EntityView } from '../core/store/entity-view';
import { validateQuery } from '../core/store/query';
import { rosterEntityId, ROSTER_OP_KIND, type RosterOpValue } from '../core/roster/roster-entity';
import { ValidationError } from '../core/errors';
import type { Signer } from '../ports/signer';
import { versionKey, type EntityMeta, type HeldRecord, type StoragePort } from '../ports/storage';
import type { FusionSettings, FusionStatsView, SimulateOptions, TruthView } from './c2-api';
import { APPROVAL_DEADLINE_META, C2Pipeline, FUSION_META } from './c2-pipeline';
import type { ApprovalView, TaskView } from './approval-views';
import type { SelfRemovalView } from './roster-api';
import { ChangeFeed, type Schedule } from './change-feed';
import { CLOCK_LEASE_META, ClockLease } from './clock-lease';
import { LocalWrites, REMOVED_SELF_REASON } from './local-writes';
import { BUDGET_META, BudgetSettings } from './budget-settings';
import type {
  BudgetInput,
  BudgetStats,
  ChangeBatch,
  WatchOptions,
  CompactBatch,
  CreateInput,
  HeadView,
  NodeApi,
  NodeInfo,
  NodeStats,
  StorageStatus,
  UpdateOptions,
  WriteItem,
} from './node-api';
import { CLOCK_META, persist, type NodeParts } from './node-parts';
import { NodeCounters } from './node-stats';
import { RemoteMerge } from './remote-merge';
import type { Scheduler } from './scheduler';
import { HARD_HORIZON_MS, SkewHold, type HoldRefusal } from './skew-hold';
import { checkSkewLimit, SKEW_LIMIT_META, storedSkewLimit } from './skew-limit';
import {
  isOwnUnsigned,
  ownUnsignedBeforeSigning,
  setAsideDamaged,
  setAsideUnproven,
  SIGNED_STORE_META,
  storedHeldProblem,
  storedMetaProblem,
  storedProblem,
  type CheckStored,
} from './stored-check';
import { StorageHealth } from './storage-health';
import { VersionListeners, type VersionListener, type VersionSource } from './version-listeners';
import { signBatchInPlace } from './security/sign-writes';
import { serveCompact } from './watchers';
import { BULK_COMMIT_VERSIONS, WriteBehind } from './write-behind';

export type { PendingCommit, VersionListener, VersionOrigin, VersionSource } from './version-listeners';

const THREAT_KIND = asUserKind('threat');
/** The storage meta key of the public keys the mesh vouches for (hex). */
const AUTHOR_KEYS_META = 'authorKeys';

export interface LatticeNodeOptions {
  readonly nodeId: NodeId;
  readonly lattice: string;
  readonly storage: StoragePort;
  readonly backend: StorageStatus['backend'];
  /** Wall clock, epoch ms. */
  readonly now: () => number;
  /** New entity ids (randomness is injected). */
  readonly newId: () => string;
  /** When to deliver change batches to watchers (e.g. a 16 ms timer). */
  readonly scheduleChanges: Schedule;
  /** The skew limit until the operator sets one (setSkewLimit, persisted, wins). */
  readonly maxSkewMs?: number;
  /** Timers for the simulation runner; without them simulate() is refused. */
  readonly scheduler?: Scheduler;
  readonly log?: (message: string, detail?: unknown) => void;
  /**
   * The node's key (its id is derived from it): every local write is signed with it before it is
   * durable or announced (docs/security.md). The worker always passes it. Without it writes go
   * unsigned, which only unit harnesses that never meet a verifying peer do: every MeshNode refuses
   * an unsigned version, so leaving it out can only cut this node's own writes off.
   */
  readonly signer?: Signer;
  /**
   * Checks the signatures of stored versions, of the evidence kept in entity metas and of held
   * writes right after the open, before anything is served (docs/security.md, "Stored proofs on
   * load"): the store is restored at once, every view says unverified and the classifier and the
   * approval gate stay idle until the check has run (storedChecked), and the worker links no peer
   * before. The worker passes its mesh verifier's (VersionVerifier.checkStored), holding the keys
   * kept from before the restart. A version whose proof does not verify is set aside like any
   * damaged record (taken out of the store and storage), so anti-entropy brings it back.
   * Without it stored proofs load unchecked: only unit harnesses of the node alone, which meet no
   * verifying peer, leave it out.
   */
  readonly checkStored?: CheckStored;
}

/**
 * A running node: the pure store and clock, persisted through a storage port, with batched change
 * notification. It owns no timers: the host calls tick() periodically. The write paths live in
 * LocalWrites and RemoteMerge; this is the facade the worker and the mesh hold.
 */
export class LatticeNode implements NodeApi {
  readonly nodeId: NodeId;
  readonly lattice: string;
  private readonly parts: NodeParts;
  private readonly health: StorageHealth;
  private readonly local: LocalWrites;
  private readonly remote: RemoteMerge;
  private readonly c2: C2Pipeline;
  /** The operator's link budgets; the mesh applies them (src/node/mesh). */
  readonly budgets: BudgetSettings;

  private constructor(
    private readonly options: LatticeNodeOptions,
    last: Timestamp | undefined,
    store: EntityStore,
    lease: number,
    savedBudgets: JsonValue | undefined,
    maxSkewMs: number | undefined,
  ) {
    this.nodeId = options.nodeId;
    this.lattice = options.lattice;
    const log = (message: string, detail?: unknown): void => options.log?.(message, detail);
    const health = new StorageHealth(options.backend, log);
    this.health = health;
    const clock = new Hlc({
      node: options.nodeId,
      now: options.now,
      ...(maxSkewMs === undefined ? {} : { maxSkewMs }),
      ...(last === undefined ? {} : { last }),
    });
    const writer = new WriteBehind(options.storage, { onStatus: (state, message) => health.report(state, message) });
    this.parts = {
      nodeId: options.nodeId,
      store,
      clock,
      lease: new ClockLease(clock, writer, options.now, lease),
      writer,
      feed: new ChangeFeed(
        options.scheduleChanges,
        (id) => store.view(id, options.now()),
        (error) => log('change listener failed', error),
        store.marks(),
      ),
      listeners: new VersionListeners((error) => log('version listener failed', error)),
      hold: new SkewHold({}, options.now, (changes) => {
        writer
          .enqueue([], [], undefined, [], changes)
          .catch((error: unknown) => log('persisting writes held for clock skew failed', error));
      }),
      counters: new NodeCounters(),
      now: options.now,
      log,
      standing: { removed: undefined },
    };
    this.local = new LocalWrites(this.parts, options.newId, options.signer, options.scheduler);
    this.remote = new RemoteMerge(this.parts);
    this.c2 = new C2Pipeline(this.parts, this.local, options.scheduler);
    this.budgets = new BudgetSettings(savedBudgets, (meta) => writer.enqueue([], [], { [BUDGET_META]: meta }), log);
  }

  /**
   * Opens a node over its storage: reloads every version and the entity metas that complete them
   * (floors, tombstones, knowledge: see entity-meta.ts), and restores the clock.
   */
  static async open(options: LatticeNodeOptions): Promise<LatticeNode> {
    const { storage } = options;
    // A clock dated beyond the hard horizon (a wild peer's clock followed before the horizon
    // existed) is not restored: it could keep ours past what the wire encodes, so the node could
    // never send a write again. Versions dated there are refused by every peer anyway.
    const horizon = options.now() + HARD_HORIZON_MS;
    const within = (ms: number): boolean => ms <= horizon;
    const savedClock = await storage.getMeta(CLOCK_META);
    const clockTs = typeof savedClock === 'string' ? decodeTs(savedClock) : undefined;
    const last = clockTs !== undefined && within(clockTs.ms) ? clockTs : undefined;
    const { log } = options;
    // Nothing stored is trusted: what does not validate is set aside (counted, logged), and
    // anti-entropy brings the data back from peers.
    const stored = await storage.loadVersions();
    const versions = setAsideDamaged<Version>(stored, storedProblem, 'stored version', log);
    // Whether the database is of the signature era (docs/security.md, "Databases from before
    // signatures"): one that holds versions and is not, is migrated by checkRestored.
    const signedStore = (await storage.getMeta(SIGNED_STORE_META)) !== undefined;
    const metas = setAsideDamaged<EntityMeta>(await storage.loadEntityMeta(), storedMetaProblem, 'entity meta', log);
    const savedLease = await storage.getMeta(CLOCK_LEASE_META);
    const lease = typeof savedLease === 'number' && within(savedLease) ? savedLease : 0;
    if ((clockTs !== undefined && last === undefined) || (typeof savedLease === 'number' && lease === 0)) {
      options.log?.('the stored clock was more than a day ahead of the wall clock: not restored', {
        clock: savedClock,
        lease: savedLease,
      });
    }
    const savedBudgets = await storage.getMeta(BUDGET_META);
    const skewLimit = storedSkewLimit(await storage.getMeta(SKEW_LIMIT_META)) ?? options.maxSkewMs;
    const leftovers: RestoreLeftovers = { versions: [], rewrite: new Set() };
    // Restored at once, so the operator sees the picture; the stored proofs are checked after the
    // open (checkRestored, docs/security.md "Stored proofs on load"): until then every view says
    // unverified, and the mesh serves nothing (storedChecked).
    const store = EntityStore.restore({ versions: versions.sound, entities: metas.sound }, {}, leftovers);
    store.unchecked = options.checkStored !== undefined;
    const node = new LatticeNode(options, last, store, lease, savedBudgets, skewLimit);
    const { clock, counters } = node.parts;
    const held = setAsideDamaged<HeldRecord>(await storage.loadHeld(), storedHeldProblem, 'held write', log);
    // Held writes are checked before they are held again (the hold releases them into the store).
    if (options.checkStored === undefined) node.parts.hold.restore(held.sound);
    node.replaceDamaged(metas.damaged, held.damaged);
    const damaged = versions.damaged.length + metas.damaged.length + held.damaged.length + (storage.setAside ?? 0);
    for (let i = 0; i < damaged; i++) counters.reject('damaged-in-storage');
    node.health.setAside = damaged;
    // Past every timestamp the lease allowed, issued or not before the node stopped.
    if (lease > 0) clock.force(ClockLease.restart(lease));
    let latest = clock.last;
    // Every stored version counts, its proof checked yet or not: a timestamp of ours set aside for its
    // proof was issued, and one issued again with another value would be an equivocation with the
    // copies peers hold.
    for (const v of versions.sound) {
      if (!within(v.ts.ms)) continue;
      if (v.ts.ms > latest.ms || (v.ts.ms === latest.ms && v.ts.c > latest.c)) latest = v.ts;
    }
    // Never issue a timestamp at or below one already stored, whatever the wall clock says.
    clock.force(latest);
    // What the restore dropped is deleted once the proofs are checked: a version dropped by one
    // whose proof then fails is merged again (checkRestored).
    if (options.checkStored === undefined) node.removeLeftovers(leftovers);
    // A new database is of the signature era from its first commit (its versions are signed as they
    // are written); an older one is marked once migrated (checkRestored).
    if (!signedStore && stored.length === 0) {
      node.parts.writer
        .enqueue([], [], { [SIGNED_STORE_META]: 1 })
        .catch((error: unknown) => log?.('marking the new database as signed failed', error));
    }
    node.c2.load(await options.storage.getMeta(FUSION_META));
    // Raise the floors of expiries that passed while the node was closed before anything can
    // arrive: a version re-delivered meanwhile would otherwise be accepted, stored and relayed.
    node.tick();
    // The first lease now, so writes start without waiting for one (a failure is retried by the first write).
    await node.parts.lease.extend();
    // The approval gates resume from the registers: deadlines that passed while closed fire now.
    node.c2.loadGate(await storage.getMeta(APPROVAL_DEADLINE_META));
    if (options.checkStored !== undefined) {
      const migrate = !signedStore && stored.length > 0;
      node.checked = node.checkRestored(
        options.checkStored,
        versions.sound,
        metas.sound,
        held.sound,
        leftovers,
        migrate,
      );
      // Its failure is logged there and reported to whoever awaits storedChecked.
      node.checked.catch(() => undefined);
    }
    return node;
  }

  /** Settles once the stored proofs are checked (checkRestored); at once without a check. */
  private checked: Promise<void> = Promise.resolve();
  /** Aborted by close(): the check of the stored proofs stops, and writes and withdraws nothing after. */
  private readonly closing = new AbortController();

  /**
   * Settles once the proofs of the versions restored on open are checked and those that do not
   * verify are taken out (docs/security.md, "Stored proofs on load"). Nothing may be served before:
   * the worker links no peer until it settles (create-worker-api.ts attachLink). Rejects only when
   * the check itself fails (not a proof that does not verify): then no peer is ever linked, and the
   * storage status says so (StorageStatus.checkFailed); or with NodeClosed when close() came first.
   */
  storedChecked(): Promise<void> {
    return this.checked;
  }

  /** Whether the versions restored on open still wait for their proofs to be checked (storedChecked). */
  get storedUnchecked(): boolean {
    return this.parts.store.unchecked;
  }

  /**
   * Checks the proofs of what open restored unchecked: the stored versions, the evidence kept in
   * entity metas (served to peers like any version), and the held writes. What does not verify is
   * set aside like any damaged record (logged, counted in `damaged-in-storage` and the storage
   * badge): taken out of the store (EntityStore.withdrawWhere) and out of storage, so a peer's
   * intact copy applies again; a held write is released. Then the views say verified again.
   *
   * `migrate`: the database is from before signatures (no SIGNED_STORE_META, docs/security.md
   * "Databases from before signatures"). The node's own unsigned versions from before it signed
   * (dated by the own versions whose proofs verify) are signed with its key, as fresh writes are
   * (same content and timestamp, so the same version: neither the storage key nor the
   * reconciliation id covers the signature), and written back in bounded commits, newest first,
   * the marker with the last, all awaited before the check settles: nothing is served before they
   * are durable. Other authors' unsigned versions are set aside.
   */
  private async checkRestored(
    check: CheckStored,
    restored: readonly Version[],
    metas: readonly EntityMeta[],
    held: readonly HeldRecord[],
    restoredLeftovers: RestoreLeftovers,
    migrate: boolean,
  ): Promise<void> {
    const { store, feed, listeners, counters, log, writer, hold } = this.parts;
    const { signal } = this.closing;
    // close() meanwhile: the check stops at its next step, and nothing is withdrawn nor written after.
    const stillOpen = (): void => {
      if (signal.aborted) throw new NodeClosed();
    };
    const checkOpen: CheckStored = async (vs) => {
      const found = await check(vs, signal);
      stillOpen();
      return found;
    };
    try {
      // After open has returned: the first views are served before the check's hashing starts.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      stillOpen();
      const { signer } = this.options;
      // A database from before signatures (docs/security.md, "Databases from before signatures"):
      // our own unsigned versions have nothing to check; the others are checked, and those of ours
      // whose proofs verify date the cut-off (ownUnsignedBeforeSigning).
      const migrating = migrate && signer !== undefined;
      const self = this.nodeId;
      const ownUnsigned = migrating ? restored.filter((v) => isOwnUnsigned(v, self)) : [];
      const toCheck = migrating ? restored.filter((v) => !isOwnUnsigned(v, self)) : restored;
      const proven = await setAsideUnproven(toCheck, (v) => v, checkOpen, 'stored version', log);
      if (proven.unjudged > 0) {
        log(
          `${proven.unjudged} stored versions load with their signatures unchecked: no key on file for their authors`,
        );
      }
      let damagedVersions: Version[] = proven.damaged;
      // The own versions signed now, newest first, in chunks of at most BULK_COMMIT_VERSIONS: each
      // a bounded commit, as the bulk lane's, so a device near its storage quota is not asked for
      // one commit of its whole history.
      const chunks: Version[][] = [];
      if (migrating) {
        const { before, after, cutOff } = ownUnsignedBeforeSigning(ownUnsigned, proven.sound, self);
        // Signed in place (the loaded objects are this node's own copies, as a fresh write's are),
        // so no second copy of a large history is held; the store's heads take the proofs
        // (EntityStore.adopt), and the leftovers below are the same objects.
        for (let at = 0; at < before.length; at += BULK_COMMIT_VERSIONS) {
          const chunk = before.slice(at, at + BULK_COMMIT_VERSIONS);
          await signBatchInPlace(signer, self, chunk);
          stillOpen();
          store.adopt(chunk);
          chunks.push(chunk);
        }
        if (before.length > 0) {
          log(
            `signed ${before.length} own versions stored before signatures, in ${chunks.length} chunks (docs/security.md)`,
          );
        }
        const at = cutOff === undefined ? '' : encodeTs(cutOff);
        after.forEach((v, i) => {
          if (i < 10) {
            log(
              `set aside a damaged stored version: an own version without a signature dated after our earliest verified signed one (${at}): written by code that signs, its proof was lost`,
              v,
            );
          }
        });
        if (after.length > 0) {
          log(
            `set aside ${after.length} own versions without a signature dated after our earliest verified signed one`,
          );
        }
        damagedVersions = [...proven.damaged, ...after];
      }
      const evidence = metas.flatMap((m) => (m.evidence ?? []).map((e) => e.version));
      const evidenceProven = await setAsideUnproven(evidence, (v) => v, checkOpen, 'evidence version', log);
      const heldProven = await setAsideUnproven(held, (r) => r.version, checkOpen, 'held write', log);
      stillOpen();
      hold.restore(heldProven.sound);
      const bad = [...damagedVersions, ...evidenceProven.damaged];
      // Only the versions whose proofs failed, by content: a twin under the same storage key (same
      // entity, kind and clock, another content: a head and its evidence) is sound and stays.
      const byKey = new Map<string, Version[]>();
      for (const v of bad) {
        const key = versionKey(v);
        const same = byKey.get(key);
        if (same === undefined) byKey.set(key, [v]);
        else same.push(v);
      }
      const isBad = (v: Version): boolean => byKey.get(versionKey(v))?.some((b) => sameContent(b, v)) === true;
      const changed = store.withdrawWhere(new Set(bad.map((v) => v.entity)), isBad, this.now());
      const put: Version[] = [];
      const removed: Version[] = [];
      const served: Version[] = [];
      const unserved: Version[] = [];
      for (const w of changed.values()) {
        put.push(...w.put);
        removed.push(...w.removed);
        served.push(...w.served);
        unserved.push(...w.unserved);
      }
      // A stored version the restore dropped (RestoreLeftovers) because one taken out now superseded
      // it, or its tombstone or floor did, is merged again: it is still in storage, its proof checked.
      for (const v of restoredLeftovers.versions) {
        if (!changed.has(v.entity) || isBad(v)) continue;
        const out = store.apply(v);
        if (out.kind === 'duplicate') continue;
        if (out.kind === 'applied') served.push(v);
        for (const e of out.kept ?? []) served.push(e.version);
        for (const h of out.removed ?? []) {
          removed.push(h);
          if (out.kept?.some((e) => e.version === h) !== true) unserved.push(h);
        }
        for (const e of out.released ?? []) unserved.push(e.version);
      }
      this.removeLeftovers({
        versions: restoredLeftovers.versions.filter((v) => !store.holds(v)),
        rewrite: restoredLeftovers.rewrite,
      });
      const count = bad.length + heldProven.damaged.length;
      counters.reject('damaged-in-storage', count);
      this.health.setAside = (this.health.setAside ?? 0) + count;
      if (changed.size > 0) {
        listeners.emit(served, 'withdrawn', unserved);
        // Written again without them: the heads taken out are deleted, the metas rewritten.
        persist(this.parts, put, removed, [], 'bulk', new Set(changed.keys())).catch((error: unknown) =>
          log('taking out stored versions whose proofs do not verify failed', error),
        );
      }
      const unhold = heldProven.damaged.map((r) => r.key);
      if (unhold.length > 0) {
        writer
          .enqueue([], [], undefined, [], { hold: [], unhold })
          .catch((error: unknown) => log('releasing held writes whose proofs do not verify failed', error));
      }
      if (migrate) {
        // The signed own versions the store still holds, durable before anything is served, one
        // bounded commit per chunk, each awaited before the next: newest first, the marker with the
        // last (ownUnsignedBeforeSigning says why). A failure fails the check (no peer is linked);
        // what committed before it stays, and the next open migrates the rest.
        const commits = Math.max(chunks.length, 1);
        for (let i = 0; i < commits; i++) {
          const put = (chunks[i] ?? []).filter((v) => store.holds(v));
          chunks[i] = [];
          await writer.enqueue(put, [], i === commits - 1 ? { [SIGNED_STORE_META]: 1 } : undefined);
          stillOpen();
        }
      }
    } catch (error) {
      // Closed meanwhile: storedChecked rejects (nothing was checked), and nothing is reported.
      if (signal.aborted) throw error instanceof NodeClosed ? error : new NodeClosed();
      // The check itself failed (not a proof): the versions stay unverified in the views, and
      // storedChecked rejects, so the mesh links no peer rather than serve them unchecked; the
      // storage status says so until the node closes (StorageHealth.checkFailed).
      log('checking the stored proofs failed: no peer is linked', error);
      const why = error instanceof Error ? error.message : String(error);
      this.health.checkFailed(`the stored proofs could not be checked (${why}): no peer is linked`);
      throw error;
    }
    store.unchecked = false;
    // Every view changes (unverified to verified): the watchers are told.
    for (const id of store.ids()) feed.mark(id);
    // The classifier and the approval gate, idle meanwhile, take up what changed (C2Pipeline idle).
    if (this.parts.standing.removed === undefined) this.c2.resume();
    // The purge held back meanwhile (tick): expiries checked now.
    this.tick();
  }

  /**
   * Deletes from storage the versions the restore dropped (a head a later version had dropped, whose
   * removal a crash lost: see RestoreLeftovers) and rewrites the metas of entities whose evidence
   * changed meanwhile, in one bulk commit; otherwise each restart would load them again, for good.
   */
  private removeLeftovers(leftovers: RestoreLeftovers): void {
    if (leftovers.versions.length === 0 && leftovers.rewrite.size === 0) return;
    persist(this.parts, [], leftovers.versions, [], 'bulk', leftovers.rewrite).catch((error: unknown) =>
      this.parts.log('removing versions a restore dropped failed', error),
    );
  }

  /**
   * Overwrites damaged entity metas with what the store restored without them (the versions,
   * then the floors their expiry markers raise), and releases damaged held writes from storage.
   */
  private replaceDamaged(metas: readonly unknown[], held: readonly unknown[]): void {
    const ids = metas.flatMap((m) => {
      const id = (m as { id?: unknown } | null)?.id;
      return typeof id === 'string' && isEntityId(id) ? [id] : [];
    });
    const fresh = ids.map((id) => this.parts.store.state(id)?.meta() ?? { id, knowledge: [] });
    const unhold = held.flatMap((r) => {
      const key = (r as { key?: unknown } | null)?.key;
      return typeof key === 'string' ? [key] : [];
    });
    if (fresh.length === 0 && unhold.length === 0) return;
    this.parts.writer
      .enqueue([], [], undefined, fresh, { hold: [], unhold })
      .catch((error: unknown) => this.parts.log('replacing damaged stored records failed', error));
  }

  private now(): number {
    return this.options.now();
  }

  private status(): StorageStatus {
    return this.health.status(this.parts.writer.pending);
  }

  /** Storage trouble the adapter reports outside a commit (e.g. IndexedDB closed by another tab's upgrade). */
  reportStorage(state: StorageStatus['state'], message: string): void {
    this.health.report(state, message);
  }

  async info(): Promise<NodeInfo> {
    return {
      nodeId: this.nodeId,
      lattice: this.lattice,
      storage: this.status(),
      held: this.parts.hold.summary(),
      skewLimitMs: this.parts.clock.maxSkewMs,
      fusionEnabled: this.c2.fusion.current.enabled,
      ...(this.c2.fusion.current.gateMeters === undefined
        ? {}
        : { fusionGateMeters: this.c2.fusion.current.gateMeters }),
      approvalDeadlineMs: this.c2.approvalDeadlineMs,
      linkBudget: this.budgets.current.links,
      ...(this.c2.simulation === undefined ? {} : { simulation: this.c2.simulation }),
    };
  }

  /**
   * This node's standing in its lattice, as its roster's view gives it (RosterService, at start and
   * at each roster change): while it stands removed every local write is refused at the door with
   * the removal named (every member refuses them: docs/security.md, "A removed device"), the
   * simulator stops, and the classifier and the approval gate go idle (they write nothing, so the
   * refusals counted are calls, not their retries); `undefined` (admitted again) lets writes through
   * again and the two take up what changed and fell due meanwhile. Reads go on.
   */
  standRemoved(removal: SelfRemovalView | undefined): void {
    const { standing, log } = this.parts;
    if (removal === undefined) {
      const was = standing.removed;
      standing.removed = undefined;
      if (was !== undefined) {
        log('this device is a member again: its writes are accepted');
        // The classifier and the gate went idle while it stood removed: they take up their work.
        this.c2.resume();
      }
      return;
    }
    const was = standing.removed;
    standing.removed =
      `this device was removed from lattice ${this.lattice} by ${removal.byFingerprint} ` +
      `at ${new Date(removal.at).toISOString()}; its writes are no longer accepted`;
    if (was === undefined) {
      log(standing.removed);
      this.c2.stopSimulation().catch((error: unknown) => log('stopping the simulation failed', error));
    }
  }

  create(input: CreateInput): Promise<EntityView> {
    return this.local.create(input);
  }

  update(id: string, components: Readonly<Record<string, unknown>>, options?: UpdateOptions): Promise<EntityView> {
    return this.local.update(id, components, options);
  }

  remove(id: string): Promise<void> {
    return this.local.remove(id);
  }

  writeMany(items: readonly WriteItem[]): Promise<EntityView[]> {
    return this.local.writeMany(items);
  }

  /**
   * Merges versions from a peer. Writes from a clock too far ahead are held, not applied.
   * Returns the versions that changed the store (to relay onwards).
   *
   * The listeners hear of them with `source` and the commits that store them (PendingCommit): the
   * MeshNode relays those that came live by one of its links, once their commit is durable.
   * Versions merged here without a source (a test, an import) are not pushed live; they join the
   * sync index once durable and reach peers at the next reconciliation.
   */
  applyRemote(versions: readonly Version[], source?: VersionSource): Version[] {
    return this.remote.apply(versions, source);
  }

  /**
   * Holds the bulk commit of what is merged from now until the release (WriteBehind.gather): the
   * mesh calls it for a frame merged in parts, which then goes to storage as one commit.
   */
  gatherCommits(): () => void {
    return this.parts.writer.gather();
  }

  async acceptHeld(author: string): Promise<number> {
    return this.remote.acceptHeld(author as NodeId);
  }

  /** Persisted before it applies; writes held under the old limit that are now within it are released. */
  async setSkewLimit(ms: number): Promise<void> {
    const limit = checkSkewLimit(ms);
    await this.parts.writer.enqueue([], [], { [SKEW_LIMIT_META]: limit });
    this.parts.clock.setMaxSkew(limit);
    this.remote.releaseDue();
  }

  /** Versions that came by this link and are held for clock skew (the mesh's sync state). */
  heldFrom(via: object): number {
    return this.parts.hold.heldFrom(via);
  }

  /** A version a peer needed could not be encoded for the wire: counted, logged by the session. */
  noteUnsent(): void {
    this.parts.counters.notSent();
  }

  /** Periodic housekeeping by the host: release held writes whose time has come, purge expired entities. */
  tick(): void {
    this.remote.releaseDue();
    this.c2.tick();
    const { store, feed, listeners, log } = this.parts;
    // No purge on an expiry whose proof is not checked yet (checkRestored ticks once it is): it
    // deletes from storage. The views hide what expired meanwhile (entity-view.ts viewOf).
    if (store.unchecked) return;
    const released: Version[] = [];
    const floored: EntityId[] = [];
    const purged = store.purgeExpired(this.now(), released, floored);
    if (purged.length === 0 && released.length === 0 && floored.length === 0) return;
    for (const v of purged) feed.mark(v.entity);
    if (purged.length > 0 || released.length > 0) {
      listeners.emit([], 'expired', released.length === 0 ? purged : [...purged, ...released]);
    }
    // The floors go with the purge (their metas), so a restart refuses the purged versions too;
    // evidence under a new floor lives only in its entity's meta, which is written again. A floor
    // that rose with nothing to drop is written too: kept in memory only, it was lost on a restart,
    // and the expiry that set it, superseded meanwhile (a write held for clock skew and released
    // by the first tick after the open, before its purge), never fired again there
    // (test/unit/node/floor-without-purge.test.ts).
    const rewrite = new Set(released.map((v) => v.entity));
    persist(this.parts, [], purged, floored, 'bulk', rewrite).catch((error: unknown) =>
      log('purging expired entities failed', error),
    );
  }

  /**
   * The roster merged removals (docs/security.md, "Writes withdrawn at a removal"): for each author
   * with a cut-off, its versions stamped after it are taken out of the store, the sync index
   * (listeners, origin 'withdrawn'), the views and storage, exactly as if they had been refused on
   * arrival, and refused from now on whatever path they take; an author given `undefined` has its
   * cut-off lifted (admitted again). A node never withdraws its own writes. Only a cut-off that is
   * new or moves earlier scans the store: one that moves later withdraws nothing the store still
   * holds (what lies between may come back from peers), so it only moves the refusal. Returns how
   * many versions were taken out.
   */
  withdraw(
    cutoffs: ReadonlyMap<NodeId, Timestamp | undefined>,
    o: {
      /** Authors withdrawn at this cut-off already (in storage): refused from now on, not searched for. */
      readonly done?: ReadonlySet<NodeId>;
      /** Storage meta written in the withdrawal's own commit (the cut-offs it was made at). */
      readonly meta?: Readonly<Record<string, JsonValue>>;
      /**
       * Authors' refused windows, replacing those held (none: lifted): versions stamped inside one
       * are taken out and refused from now on (docs/security.md, "A removed device invited again").
       * An author in `done` is not searched for.
       */
      readonly windows?: ReadonlyMap<NodeId, readonly RemovalWindow[]>;
    } = {},
  ): number {
    const applyWindows = new Map<NodeId, readonly RemovalWindow[]>();
    for (const [author, windows] of o.windows ?? []) {
      const own = author === this.nodeId;
      const held = this.remote.windowsOf(author);
      this.remote.setWindows(author, own ? undefined : windows);
      // Only a window not held before can hold versions the store still keeps.
      const fresh = windows.filter((w) => !(held ?? []).some((h) => sameWindow(h, w)));
      if (!own && fresh.length > 0 && o.done?.has(author) !== true) applyWindows.set(author, fresh);
    }
    const apply = new Map<NodeId, Timestamp>();
    for (const [author, after] of cutoffs) {
      const own = author === this.nodeId;
      const held = this.remote.cutoffOf(author);
      this.remote.setCutoff(author, own ? undefined : after);
      if (
        after !== undefined &&
        !own &&
        o.done?.has(author) !== true &&
        (held === undefined || compareTs(after, held) < 0)
      )
        apply.set(author, after);
    }
    const { store, feed, listeners, log } = this.parts;
    const changed = store.withdraw(apply, this.now(), applyWindows);
    if (changed.size === 0) {
      if (o.meta !== undefined)
        persist(this.parts, [], [], [], 'bulk', undefined, o.meta).catch((error: unknown) =>
          log('persisting the withdrawal cut-offs failed', error),
        );
      return 0;
    }
    const put: Version[] = [];
    const removed: Version[] = [];
    const served: Version[] = [];
    const unserved: Version[] = [];
    let count = 0;
    for (const [id, w] of changed) {
      put.push(...w.put);
      removed.push(...w.removed);
      served.push(...w.served);
      unserved.push(...w.unserved);
      count += w.withdrawn.length;
      feed.mark(id);
    }
    // Counted apart from refusals at ingest: these were taken first, then taken out.
    this.parts.counters.reject('removed-member-withdrawn', count);
    log(`withdrew ${count} versions written by removed members after their removal`, {
      authors: [...new Set([...apply.keys(), ...applyWindows.keys()])],
      entities: changed.size,
    });
    listeners.emit(served, 'withdrawn', unserved);
    // Knowledge shrank: every changed entity's meta is written again (an empty one if none is left).
    persist(this.parts, put, removed, [], 'bulk', new Set(changed.keys()), o.meta).catch((error: unknown) =>
      log('persisting withdrawn versions failed', error),
    );
    return count;
  }

  async get(id: string): Promise<EntityView | undefined> {
    return this.c2.get(asEntityId(id));
  }

  async list(filter?: unknown): Promise<EntityView[]> {
    return this.c2.list(validateQuery(filter));
  }

  async heads(id: string, kind: string): Promise<HeadView[]> {
    const eid = asEntityId(id);
    const k = kind === DELETED ? DELETED : asUserKind(kind);
    return this.parts.store.heads(eid, k).map((h) => ({
      value: h.value,
      version: encodeTs(h.ts),
      author: h.ts.node,
      time: h.ts.ms,
      seen: h.seen.map(encodeTs),
    }));
  }

  async stats(): Promise<NodeStats> {
    const { store, hold, counters } = this.parts;
    return counters.stats({ nodeId: this.nodeId, store, now: this.now(), storage: this.status(), hold });
  }

  /** Batched entity changes, for the UI. */
  watch(listener: (batch: ChangeBatch) => void, options?: WatchOptions): () => void {
    return this.c2.watch(listener, options);
  }

  /** The picture first, then the same batches, as one compact feed (src/core/feed): what the page's picture reads. */
  watchCompact(listener: (batch: CompactBatch) => void): () => void {
    // In the page's own thread too, each batch is handed over in a later microtask, as across threads.
    return serveCompact(
      this,
      async (batch) => {
        await undefined;
        listener(batch);
      },
      (error) => this.parts.log('compact watcher failed', error),
    );
  }

  /** The picture now, as list() gives it (the first batch of a compact feed). */
  picture(): EntityView[] {
    return this.c2.list({});
  }

  /** A call that would write, refused while this node stands removed (standRemoved), counted; else undefined. */
  private refusedAsRemoved(call: string): Promise<never> | undefined {
    const removed = this.parts.standing.removed;
    if (removed === undefined) return undefined;
    this.parts.counters.reject(REMOVED_SELF_REASON);
    return Promise.reject(new ValidationError(`${call}: ${removed}`));
  }

  simulate(options: SimulateOptions): Promise<void> {
    return this.refusedAsRemoved('simulate') ?? this.c2.simulate(options);
  }

  stopSimulation(): Promise<void> {
    return this.c2.stopSimulation();
  }

  simulationTruth(): Promise<TruthView[]> {
    return this.c2.simulationTruth();
  }

  setFusion(settings: FusionSettings): Promise<void> {
    return this.c2.setFusion(settings);
  }

  fusionStats(): Promise<FusionStatsView> {
    return this.c2.fusionStats();
  }

  approvals(): Promise<ApprovalView[]> {
    return this.c2.approvals();
  }

  decide(entityId: string, decision: 'approve' | 'deny', requestId?: string): Promise<ApprovalView> {
    return this.refusedAsRemoved('decide') ?? this.c2.decide(entityId, decision, requestId);
  }

  tasks(): Promise<TaskView[]> {
    return this.c2.tasks();
  }

  setApprovalDeadline(ms: number): Promise<void> {
    return this.c2.setApprovalDeadline(ms);
  }

  setBudget(target: string, budget: BudgetInput): Promise<void> {
    return this.budgets.set(target, budget);
  }

  async budgetStats(peerId?: string): Promise<BudgetStats> {
    return this.budgets.stats(peerId);
  }

  /** Every version that changed the store, and every version that left it, for replication. */
  onVersions(listener: VersionListener): () => void {
    return this.parts.listeners.add(listener);
  }

  /** What the store holds of the entity (its registers, the tombstone's included); undefined: nothing. */
  holding(entity: EntityId): HeldEntity | undefined {
    const s = this.parts.store.state(entity);
    if (s === undefined) return undefined;
    let counted: ReturnType<typeof cappedKindsOf> | undefined;
    const count = (): ReturnType<typeof cappedKindsOf> => (counted ??= cappedKindsOf(s));
    return {
      hasKind: (kind) => s.holds(kind),
      refusesWhole: (v) => s.refusesWhole(v),
      get cappedKinds() {
        return count().total;
      },
      cappedKindsBy: (author) => count().byAuthor.get(author) ?? 0,
    };
  }

  /** The entity's threat level now: the highest of its current threat values (the budgeter ranks its traffic by it). */
  threatOf(entity: EntityId): ThreatLevel {
    let level: ThreatLevel = 'NONE';
    for (const h of this.parts.store.heads(entity, THREAT_KIND)) {
      const l = (h.value as { level?: unknown } | null)?.level;
      const i = THREAT_LEVELS.indexOf(l as ThreatLevel);
      if (i > THREAT_LEVELS.indexOf(level)) level = THREAT_LEVELS[i]!;
    }
    return level;
  }

  /**
   * Every version the node keeps and serves (for anti-entropy): the heads, and the evidence
   * (core/store/evidence.ts), which is stored in entity metas and served like any version.
   */
  versions(): IterableIterator<Version> {
    return this.parts.store.retained();
  }

  /** The versions the node keeps of one register, its heads and its evidence (the sync index reads wanted versions back). */
  retainedOf(entity: EntityId, kind: ComponentKind): IterableIterator<Version> {
    return this.parts.store.retainedOf(entity, kind);
  }

  /** The entity's number while the store holds it (the sync index names entities by it). */
  numberOf(entity: EntityId): number | undefined {
    return this.parts.store.numberOf(entity);
  }

  /** A column of one number per entity held, zeroed when the store forgets it (EntityStore.column). */
  entityColumn(type: ColumnType): EntityColumn {
    return this.parts.store.column(type);
  }

  /** retainedOf for the entity held under this number (numberOf). */
  retainedAt(entity: number, kind: ComponentKind): IterableIterator<Version> {
    return this.parts.store.retainedAt(entity, kind);
  }

  /** The current versions of one register (its heads: several only while concurrent), without evidence. */
  headsOf(entity: EntityId, kind: ComponentKind): readonly Version[] {
    return this.parts.store.heads(entity, kind);
  }

  /** Twins met in the merge, evidence kept, deliveries refused at the evidence bound (securityStats). */
  evidenceStats(): EvidenceStats {
    return this.parts.store.evidenceStats();
  }

  /** Writes the skew hold refused at its bounds, by refusal (securityStats().limitsHit). */
  skewHoldRefused(): Readonly<Record<HoldRefusal, number>> {
    const { overflow, 'author-quota': authorQuota, bytes } = this.parts.hold.refused;
    return { overflow, 'author-quota': authorQuota, bytes };
  }

  /**
   * The public keys the mesh vouches for (authors whose versions verified here, direct peers), kept
   * so that after a restart this node can still pass them on with the versions it serves
   * (docs/security.md). Ids are re-derived from the keys when they are read back.
   */
  authorKeys(): Promise<Uint8Array[]> {
    return LatticeNode.storedAuthorKeys(this.options.storage);
  }

  /**
   * authorKeys read from storage before a node is opened: the worker files them in its verifier
   * first, so the stored versions' proofs can be checked on open (LatticeNodeOptions.checkStored).
   */
  static async storedAuthorKeys(storage: StoragePort): Promise<Uint8Array[]> {
    const saved = await storage.getMeta(AUTHOR_KEYS_META);
    if (!Array.isArray(saved)) return [];
    return saved.flatMap((hex) =>
      typeof hex === 'string' && /^[0-9a-f]{64}$/.test(hex)
        ? [Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16))]
        : [],
    );
  }

  saveAuthorKeys(keys: readonly Uint8Array[]): Promise<void> {
    const hex = keys.map((k) => Array.from(k, (b) => b.toString(16).padStart(2, '0')).join(''));
    return this.parts.writer.enqueue([], [], { [AUTHOR_KEYS_META]: hex });
  }

  /** The clock's last stamp, issued or merged (RosterHost.lastStamp); issues none. */
  lastStamp(): Timestamp {
    return this.parts.clock.last;
  }

  /** One roster op (src/node/roster), an ordinary signed local write; resolves with its version once durable. */
  async writeRosterOp(value: RosterOpValue): Promise<Version | undefined> {
    await this.local.writeRosterOp(value);
    return this.parts.store.heads(rosterEntityId(value), ROSTER_OP_KIND)[0];
  }

  /** A value kept in storage meta (the roster's invitation ledger). */
  loadMeta(key: string): Promise<unknown> {
    return this.options.storage.getMeta(key);
  }

  saveMeta(key: string, value: JsonValue): Promise<void> {
    return this.parts.writer.enqueue([], [], { [key]: value });
  }

  /**
   * Resolves once everything written or merged so far is durable, after as many retries of a
   * failed commit as that takes; never rejects. The mesh serves a peer's versions whose first
   * commit failed once this resolves (PendingCommit).
   */
  durable(): Promise<void> {
    return this.parts.writer.eventuallyDurable();
  }

  /** Resolves once everything written so far is persisted. */
  flushed(): Promise<void> {
    return this.parts.writer.flushed();
  }

  async close(): Promise<void> {
    // The check of the stored proofs, if still running, stops (checkRestored).
    this.closing.abort();
    this.c2.stop();
    this.parts.writer.endGathering();
    await this.parts.writer.flushed().catch(() => undefined);
    this.parts.writer.close(new Error('the node is closed'));
    await this.options.storage.close();
    this.health.closed();
  }
}

/** Why storedChecked rejects when the node closed before its stored proofs were checked. */
export class NodeClosed extends Error {
  constructor() {
    super('the node closed before its stored proofs were checked');
    this.name = 'NodeClosed';
  }
}
