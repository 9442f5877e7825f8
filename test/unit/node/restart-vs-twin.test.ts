/**
 * Issue 8 ("zero divergence"): a node restarts from what its write-behind committed (versions, and
 * the entity metas entity-meta.ts chooses to keep), never from a snapshot of its store. Random
 * histories run through real LatticeNodes over MemoryStorage: peers' writes (honest and hostile
 * contexts, twins, deletes, expiries, gate decisions) delivered in any subset and order with
 * duplicates, the node's own writes, purges as the worker's tick drives them, a peer whose clock
 * runs past the skew limit (its writes held, stored with the hold, and released as the wall clock
 * catches up), removed members' writes withdrawn at a cut-off (and the cut-off set again at each
 * open, as the roster does), stored records whose proofs no longer verify (set aside on load, then
 * delivered again), restarts (close, wait for durability, reopen from the same storage) and crashes
 * (the last commits never land, or the bulk lane's stall while the priority lane's commits land
 * beside them, as the IndexedDB adapter's do: StorageBatch.priority). After every restart,
 * and at the end, the node equals a twin that was delivered the same versions at the same times and
 * never restarted: heads of every register, what each register knows, floors, tombstone times,
 * evidence, writes held for clock skew and views. After a crash the twin is a node that received
 * only what was durable, given the roster's cut-offs before its first tick as the reopened node is;
 * the versions lost are then delivered again (anti-entropy) to both, which must agree again (all
 * the node was given, when commits after the durable point may have landed). A cut-off lifted or
 * moved later admits again what it refused: anti-entropy brings that author's writes again.
 * Replay a failure with SEED=<printed seed> (NUM_RUNS=... for more or fewer histories).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type MemoryBacking } from '../../../src/adapters/memory-storage';
import { Hlc } from '../../../src/core/clock/hlc';
import { compareTs, decodeTs, encodeTs, type Timestamp } from '../../../src/core/clock/timestamp';
import type { JsonValue } from '../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import { DELETED, type Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { EXPIRY } from '../../../src/core/store/expiry-floor';
import type { LatticeNode } from '../../../src/node/lattice-node';
import { holdKey, type SkewHold } from '../../../src/node/skew-hold';
import type { CheckStored } from '../../../src/node/stored-check';
import type { StorageBatch } from '../../../src/ports/storage';
import { dump, prng, shuffle, valueFor } from '../core/support/merge-sim';
import { HOSTILE, tamperer } from '../core/store/model/contexts';
import { testIdentity } from '../support/test-keys';
import { approvalsBy, settle, sortedJson } from '../support/restart-replay';
import { openTestNode, storeOf } from '../support/test-node';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 1_000);

const T0 = 1_700_000_000_000;
const ENTITIES = ['e1', 'e2'] as EntityId[];
/**
 * Kinds peers write; the node writes the first four (a threat it raises to HIGH raises an approval
 * request). A HIGH threat and a gate decision from a peer commit in the priority lane (write-lane.ts).
 */
const KINDS = ['speed', 'classification', DELETED, EXPIRY, 'threat', 'approval'] as ComponentKind[];
/** The last peer's clock runs past the node's skew limit: its writes are held until their time. */
const PEERS = ['p1', 'p2', 'p3', 'fast'] as NodeId[];
const FAST = PEERS.length - 1;
/**
 * The node's skew limit: below the default, yet well above how far restarts move the node's own
 * clock ahead (up to LEASE_AHEAD_MS each), so the twin holds none of the node's writes.
 */
const MAX_SKEW_MS = 30_000;
/** How far past the skew limit the fast peer's clock runs. */
const FAST_LEAD_MS = MAX_SKEW_MS + 30;
/** Where the test keeps the cut-offs a withdrawal was made at, as the roster does (CUTOFFS_META). */
const CUTOFFS_META = 'test-cutoffs';
const SELF = testIdentity('restarting');

type Step =
  | {
      readonly t: 'peer';
      readonly peer: number;
      readonly entity: number;
      readonly kind: number;
      readonly v: number;
      readonly hostile: (typeof HOSTILE)[number] | 'no';
    }
  | { readonly t: 'learn'; readonly peer: number; readonly seed: number }
  | { readonly t: 'twin'; readonly pick: number; readonly mode: number; readonly v: number }
  | { readonly t: 'local'; readonly entity: number; readonly kind: number; readonly v: number }
  | { readonly t: 'deliver'; readonly seed: number; readonly rate: number }
  | { readonly t: 'advance'; readonly dt: number }
  | { readonly t: 'purge' }
  | { readonly t: 'hold'; readonly land: number }
  | { readonly t: 'stall' }
  | { readonly t: 'flow' }
  | { readonly t: 'withdraw'; readonly peer: number; readonly back: number; readonly lift: boolean }
  | { readonly t: 'damage'; readonly picks: readonly number[] }
  | { readonly t: 'restart' };

const nat = (max: number) => fc.integer({ min: 0, max });
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('peer' as const),
      peer: nat(PEERS.length - 1),
      entity: nat(1),
      kind: nat(KINDS.length - 1),
      v: nat(99),
      hostile: fc.constantFrom('no' as const, 'no' as const, 'no' as const, ...HOSTILE),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('learn' as const), peer: nat(PEERS.length - 1), seed: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('twin' as const), pick: fc.nat(), mode: nat(3), v: nat(99) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('local' as const), entity: nat(1), kind: nat(3), v: nat(99) }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ t: fc.constant('deliver' as const), seed: fc.nat(), rate: fc.constantFrom(0.3, 0.7, 1) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('advance' as const),
      // Now and then past the fast peer's lead: its held writes come due.
      dt: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 40 }) }, fc.integer({ min: 50, max: 200 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('purge' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('hold' as const), land: fc.constantFrom(0, 0, 1, 2, 3) }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('stall' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('flow' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('withdraw' as const),
      peer: nat(PEERS.length - 1),
      back: nat(60),
      lift: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('damage' as const),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('restart' as const) }) },
);

/**
 * MemoryStorage whose commits, once `holding`, never land but for the first `landing` of them: the
 * node crashes with them in flight (a new instance over the same backing is the database reopened
 * after the crash). While `stalled`, bulk commits stay in flight until flow(), and priority ones
 * are durable at once beside them; all apply in call order (StoragePort.commit): a priority commit
 * called after a bulk one in flight applies after it, also when it was durable first. A crash while
 * stalled (crash()) keeps what was durable: the priority commits, applied in call order.
 */
class CrashableStorage extends MemoryStorage {
  holding = false;
  landing = 0;
  stalled = false;
  /** The node crashed: nothing it still commits lands (it keeps running in the test, not in the field). */
  dead = false;
  /** Priority commits that were durable while a bulk commit before them was still in flight. */
  overtook = 0;
  /** Commits made while stalled, in call order: bulk ones in flight, priority ones durable. */
  private queue: { readonly batch: StorageBatch; readonly landed: boolean; readonly resolve: () => void }[] = [];

  constructor(backing?: MemoryBacking) {
    super(backing === undefined ? {} : { backing });
  }

  override commit(batch: StorageBatch): Promise<void> {
    if (this.dead || (this.holding && this.landing-- <= 0)) return new Promise<void>(() => undefined);
    const priority = batch.priority === true;
    if (this.queue.length === 0 && (priority || !this.stalled)) return super.commit(batch);
    if (priority) {
      this.overtook += 1;
      this.queue.push({ batch, landed: true, resolve: () => undefined });
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.queue.push({ batch, landed: false, resolve }));
  }

  /** The bulk commits in flight land, and everything made while stalled applies in call order. */
  flow(): void {
    this.stalled = false;
    const queue = this.queue.splice(0);
    for (const q of queue) void super.commit(q.batch);
    for (const q of queue) q.resolve();
  }

  /** The node crashed while stalled: what was durable (the priority commits) applies, the rest is lost. */
  crash(): void {
    for (const q of this.queue.splice(0)) if (q.landed) void super.commit(q.batch);
  }
}

/** What the twin was given, and when: replayed into a fresh node to get one given only what was durable. */
type Entry =
  | { readonly at: number; readonly deliver: readonly Version[] }
  | { readonly at: number; readonly tick: true }
  | { readonly at: number; readonly withdraw: ReadonlyMap<NodeId, Timestamp | undefined> };

interface Peer {
  readonly id: NodeId;
  readonly hlc: Hlc;
  readonly store: EntityStore;
}

const holdOf = (node: LatticeNode): SkewHold => (node as unknown as { parts: { hold: SkewHold } }).parts.hold;

/**
 * The writes a node holds for clock skew, but those a cut-off refuses: a node holds a removed
 * member's write it took before the removal came (a re-admission released with it may still let
 * it in: roster/readmission-batch.test.ts), where one that got the removal first refused it; on
 * release it is refused again unless the cut-off was lifted, and the last delivery of everything
 * settles that.
 */
function heldOf(node: LatticeNode, cutoffs: ReadonlyMap<NodeId, Timestamp>): string {
  const held = (node as unknown as { parts: { hold: { held: Map<NodeId, { versions: { version: Version }[] }> } } })
    .parts.hold.held;
  const refused = (v: Version): boolean => {
    const at = cutoffs.get(v.ts.node);
    return at !== undefined && compareTs(v.ts, at) > 0;
  };
  const kept = [...held.values()].flatMap((e) => e.versions.map((h) => h.version)).filter((v) => !refused(v));
  return `held ${kept.map(holdKey).sort().join(' | ')}`;
}

const cutoffsToJson = (cutoffs: ReadonlyMap<NodeId, Timestamp>): JsonValue =>
  [...cutoffs].map(([author, at]) => [author, encodeTs(at)]);

function cutoffsFromJson(json: JsonValue | undefined): Map<NodeId, Timestamp> {
  const out = new Map<NodeId, Timestamp>();
  if (!Array.isArray(json)) return out;
  for (const pair of json) {
    const [author, at] = pair as [string, string];
    out.set(author as NodeId, decodeTs(at)!);
  }
  return out;
}

/** A gate decision `author` may write (core/task/gate-authority.ts), on one of two requests by two actors. */
const approvalBy = approvalsBy(PEERS, T0);

/**
 * Everything a restart must keep: heads, what each register knows (merge-sim dump), floors and the
 * expiries that set them, tombstone times, evidence and whom it is charged to, the writes held for
 * clock skew (heldOf), views.
 */
function stateOf(node: LatticeNode, cutoffs: ReadonlyMap<NodeId, Timestamp> = new Map()): string {
  const store = storeOf(node);
  const metas = store.snapshot().entities.map((m) => {
    const markers = (m.floorMarkers ?? []).map((t) => `${t.ms}.${t.c}.${t.node}`).sort();
    const evidence = (m.evidence ?? []).map((e) => `${holdKey(e.version)} by ${e.by}`).sort();
    return `${m.id} markers ${markers.join(',')} evidence ${evidence.join(' | ')}`;
  });
  const evidence = [...store.evidence()].map(holdKey).sort();
  // The order a view lists its conflicting kinds in is not state either (that of its registers).
  const views = node
    .picture()
    .map((view) => sortedJson({ ...view, conflicts: [...view.conflicts].sort() }))
    .sort();
  return [dump(store, true), ...metas.sort(), `evidence ${evidence.join(' | ')}`, heldOf(node, cutoffs), ...views].join(
    '\n',
  );
}

const stats = {
  histories: 0,
  restarts: 0,
  floors: 0,
  evidence: 0,
  crashes: 0,
  lost: 0,
  landed: 0,
  local: 0,
  held: 0,
  heldAtRestart: 0,
  withdrawn: 0,
  withdrawnInFlight: 0,
  damaged: 0,
  overtook: 0,
  overtookThenCrashed: 0,
};

async function run(steps: readonly Step[]): Promise<void> {
  const clock = { now: T0 };
  let ids = 0;
  /** Contents of stored records whose proofs no longer verify: the next open sets them aside. */
  const damaged = new Set<string>();
  const checkStored = (vs: readonly Version[]): ReturnType<CheckStored> =>
    Promise.resolve({
      problems: vs.map((v) => (damaged.has(holdKey(v)) ? ('bad-signature' as const) : undefined)),
      checks: vs.length,
      unjudged: 0,
    });
  /** The roster's cut-offs: set at the withdraw steps, and again at each open of the node. */
  const cutoffs = new Map<NodeId, Timestamp>();
  /** Every peer's cut-off as the roster has it now (undefined: none, or lifted). */
  const roster = (): Map<NodeId, Timestamp | undefined> => new Map(PEERS.map((p) => [p, cutoffs.get(p)]));
  const cutoffMeta = (): Record<string, JsonValue> => ({ [CUTOFFS_META]: cutoffsToJson(cutoffs) });
  const open = async (storage: CrashableStorage): Promise<LatticeNode> => {
    const node = await openTestNode({
      identity: SELF,
      storage,
      now: () => clock.now,
      newId: () => `x${ids++}`,
      maxSkewMs: MAX_SKEW_MS,
      checkStored,
    });
    // The roster sets its cut-offs at the open; one the store was withdrawn at already (stored with
    // the withdrawal) is set without searching the store (RosterService.applyCutoffs).
    const stored = cutoffsFromJson(storage.backing.meta.get(CUTOFFS_META));
    const done = new Set(
      [...cutoffs].filter(([p, at]) => compareTs(stored.get(p) ?? at, at) === 0 && stored.has(p)).map(([p]) => p),
    );
    if (cutoffs.size > 0 || stored.size > 0) node.withdraw(roster(), { done, meta: cutoffMeta() });
    await node.storedChecked();
    return node;
  };
  const twinIdentity = testIdentity('twin');
  const openTwin = (): Promise<LatticeNode> =>
    openTestNode({
      identity: twinIdentity,
      now: () => clock.now,
      newId: () => `x${ids++}`,
      maxSkewMs: MAX_SKEW_MS,
    });
  let storage = new CrashableStorage();
  let node = await open(storage);
  let twin = await openTwin();
  let log: Entry[] = [];
  /** Where the node's storage started holding (or stalling): the entries before it are durable. */
  let durable: number | undefined;
  /** The roster's cut-offs when the storage started holding (or stalling): those the durable part saw. */
  let durableCutoffs = new Map<NodeId, Timestamp>();
  /**
   * Whether commits made after `durable` may have landed too (the priority lane's ahead of the
   * bulk one's): then what the node restarts with is not known, only that delivering again what
   * it was given since must make it agree with the twin. Meanwhile no expiry is delivered and
   * nothing is purged: an expiry purged on one side before a later one that cancels it arrives, and
   * after on the other, is the one divergence allowed (docs/architecture.md, "Expiry").
   */
  let partial = false;
  const universe = new Map<string, Version>();
  const peers: Peer[] = PEERS.map((id, i) => ({
    id,
    hlc: new Hlc({ node: id, now: () => clock.now + (i === FAST ? FAST_LEAD_MS : i) }),
    store: new EntityStore(),
  }));
  /**
   * Delivers to one side. The node's own writes may be dated past the skew limit (its clock
   * followed a peer up to the limit, then each restart's lease moved it on): the twin, and the node
   * itself when they come back after a crash, would hold them until the wall clock catches up,
   * which the node never did as it wrote them. Both take them at once, as an operator accepting
   * the node's clock would.
   */
  const take = (to: LatticeNode, vs: readonly Version[]): void => {
    to.applyRemote(structuredClone(vs));
    // acceptHeld merges before it returns.
    if (
      holdOf(to).size > 0 &&
      holdOf(to)
        .summary()
        .some((h) => h.author === SELF.id)
    )
      void to.acceptHeld(SELF.id);
  };
  const deliver = (vs: readonly Version[]): void => {
    if (vs.length === 0) return;
    take(node, vs);
    take(twin, vs);
    log.push({ at: clock.now, deliver: vs });
    if (holdOf(node).size > 0) stats.held += 1;
  };
  const tick = (): void => {
    node.tick();
    twin.tick();
    log.push({ at: clock.now, tick: true });
  };
  const compare = (where: string): void => {
    expect(stateOf(node, cutoffs), `${where}: the restarted node differs from its twin`).toBe(stateOf(twin, cutoffs));
  };
  /**
   * Reopens the node from its storage; after a crash, the twin is rebuilt from what was durable.
   * `redeliver`: records set aside on the open (damaged), delivered again to both once it is done.
   */
  const restart = async (where: string, redeliver: readonly Version[] = []): Promise<void> => {
    if (durable === undefined) {
      await node.durable();
      await node.close();
    }
    // A crash leaves the old node hanging on its commits, which never land.
    const held = storage;
    if (durable !== undefined) {
      // The crash comes once the commits the node had started have run (the first `landing` of
      // them land): nothing it commits after lands.
      await settle();
    }
    held.dead = true;
    if (held.stalled) {
      held.crash();
      if (held.overtook > 0) stats.overtookThenCrashed += 1;
    }
    if (held.overtook > 0) stats.overtook += 1;
    storage = new CrashableStorage(storage.backing);
    node = await open(storage);
    damaged.clear();
    if (holdOf(node).size > 0) stats.heldAtRestart += 1;
    if (durable !== undefined) {
      const lost = log.slice(durable);
      const now = clock.now;
      const replay = await openTwin();
      for (const entry of log.slice(0, durable)) {
        clock.now = entry.at;
        if ('tick' in entry) replay.tick();
        else if ('withdraw' in entry) replay.withdraw(entry.withdraw, { meta: {} });
        else take(replay, entry.deliver);
      }
      clock.now = now;
      await twin.close();
      twin = replay;
      /** Everything the node was given, durable or not. */
      const given = log.flatMap((e) => ('deliver' in e ? e.deliver : []));
      log = log.slice(0, durable);
      durable = undefined;
      // The reopened node was given the roster's cut-offs, and ticked once its stored proofs were
      // checked: the tick inside the open neither purges nor releases held writes before (the
      // hold is restored by the check), so the cut-offs come first. A twin ticked first released a
      // removed member's held write (or fired an expiry the cut-off then withdrew) that the node
      // never took.
      twin.withdraw(roster(), { meta: {} });
      log.push({ at: clock.now, withdraw: roster() });
      twin.tick();
      log.push({ at: clock.now, tick: true });
      tick(); // the worker's next tick
      // A cut-off lifted or moved later since the durable point (among the steps lost: the roster
      // lifts it again at the open) admits again what it refused, and anti-entropy brings that
      // author's writes again, as at the withdraw step, whose delivery was lost with the crash.
      // Until then each side may hold a write of that author the other refused: a write held for
      // skew taken before the removal, its record then damaged and set aside, served again while
      // the cut-off stood and refused by the node (a damaged record is missing until a peer serves
      // it again: docs/architecture.md, "The merge"), where the twin still holds it; or the node
      // held it before the removal (a commit past an earlier durable point landed) where the twin,
      // rebuilt from what was durable, was given it only after. heldOf hides both while the cut-off
      // stands (docs/security.md, "Writes withdrawn at a removal").
      const admitted = (author: NodeId): boolean => {
        const was = durableCutoffs.get(author);
        const now = cutoffs.get(author);
        return was !== undefined && (now === undefined || compareTs(now, was) > 0);
      };
      const again = partial
        ? []
        : log.flatMap((e) => ('deliver' in e ? e.deliver : [])).filter((v) => admitted(v.ts.node));
      if (again.length > 0) {
        deliver(again);
        tick(); // an expiry among them missed the tick that fired it on the twin
      }
      if (partial && lost.length > 0 && (held.landing < 0 || held.overtook > 0)) stats.landed += 1;
      if (!partial) compare(`${where} (crash: ${lost.length} steps lost)`);
      stats.crashes += 1;
      if (lost.length > 0) stats.lost += 1;
      // Anti-entropy: what was lost comes again. When commits made after `durable` may have landed,
      // everything the node was given comes again: a withdrawal among them may have taken out
      // versions delivered before `durable`, which a cut-off set later, or lifted, admits again and
      // only peers hold, while the twin, rebuilt from what was durable, never took them out.
      deliver(partial ? given : lost.flatMap((e) => ('deliver' in e ? e.deliver : [])));
      partial = false;
      tick();
      compare(`${where} (crash, then the lost versions delivered again)`);
      return;
    }
    twin.tick();
    log.push({ at: clock.now, tick: true });
    tick(); // the worker's next tick, after the stored proofs were checked
    if (redeliver.length > 0) {
      // Anti-entropy: what was set aside comes again from the peers that hold it.
      deliver(redeliver);
      // An expiry set aside missed the tick that fired it on the twin.
      tick();
      stats.damaged += 1;
    }
    compare(where);
    stats.restarts += 1;
    if (
      storeOf(node)
        .snapshot()
        .entities.some((m) => m.floor !== undefined)
    )
      stats.floors += 1;
    if (storeOf(node).evidenceCount > 0) stats.evidence += 1;
  };
  const pendingLocal: Version[] = [];
  const listen = (): (() => void) =>
    node.onVersions((vs, origin) => {
      if (origin === 'local') pendingLocal.push(...vs);
    });
  let unlisten = listen();

  for (const [i, step] of steps.entries()) {
    const where = `step ${i} ${JSON.stringify(step)}`;
    switch (step.t) {
      case 'peer': {
        const peer = peers[step.peer]!;
        const entity = ENTITIES[step.entity]!;
        const kind = KINDS[step.kind]!;
        const ts = peer.hlc.now();
        const honest = peer.store.contextFor(entity, kind, peer.id);
        const seen = step.hostile === 'no' ? honest : tamperer(step.hostile, step.v)(honest, ts, peer.id);
        const value =
          kind === EXPIRY
            ? { at: ts.ms + [5, 20, 60][step.v % 3]! }
            : kind === 'approval'
              ? approvalBy(peer.id, step.v)
              : valueFor(kind, step.v);
        const v = { entity, kind, value, ts, seen } as Version;
        peer.store.apply(v);
        universe.set(holdKey(v), v);
        break;
      }
      case 'learn': {
        const peer = peers[step.peer]!;
        const rnd = prng(step.seed);
        for (const v of universe.values()) {
          if (rnd() < 0.5) {
            peer.hlc.force(v.ts);
            peer.store.apply(v);
          }
        }
        break;
      }
      case 'twin': {
        // A peer signs another content under a timestamp it already wrote (an equivocating member).
        const all = [...universe.values()].filter((v) => v.ts.node !== SELF.id);
        const w = all[step.pick % Math.max(1, all.length)];
        if (w === undefined) break;
        const seen: Timestamp[] =
          step.mode === 0
            ? w.seen.filter((_, j) => j !== step.v % Math.max(1, w.seen.length))
            : step.mode === 1
              ? [
                  ...w.seen.filter((s) => s.node !== w.ts.node),
                  { ms: w.ts.ms - 1 - (step.v % 30), c: 0, node: w.ts.node },
                ]
              : [];
        const value =
          step.v % 2 === 0 || w.kind === DELETED || w.kind === EXPIRY
            ? w.value
            : w.kind === 'approval'
              ? approvalBy(w.ts.node, step.v)
              : valueFor(w.kind, step.v);
        const twinVersion = { entity: w.entity, kind: w.kind, value, ts: w.ts, seen } as Version;
        universe.set(holdKey(twinVersion), twinVersion);
        break;
      }
      case 'local': {
        // A local write waits for a durable clock lease: none while the storage holds.
        if (durable !== undefined) break;
        const entity = ENTITIES[step.entity]!;
        const kind = KINDS[step.kind]!;
        try {
          if (kind === DELETED) await node.remove(entity);
          else {
            const value = kind === EXPIRY ? { at: clock.now + [5, 20, 60][step.v % 3]! } : valueFor(kind, step.v);
            if ((await node.get(entity)) === undefined)
              await node.create({ id: entity, components: { [kind]: value } });
            else await node.update(entity, { [kind]: value });
          }
        } catch (error) {
          // Refused at the door (nothing to remove, an expired entity written to): nothing was written.
          if (!(error instanceof Error) || !['NotFoundError', 'ValidationError'].includes(error.name)) throw error;
        }
        await node.flushed();
        const written = pendingLocal.splice(0);
        for (const v of written) universe.set(holdKey(v), v);
        take(twin, written);
        if (written.length > 0) log.push({ at: clock.now, deliver: written });
        stats.local += written.length;
        break;
      }
      case 'deliver': {
        const rnd = prng(step.seed);
        const batch = [...universe.values()].filter((v) => rnd() < step.rate && !(partial && v.kind === EXPIRY));
        batch.push(...batch.filter(() => rnd() < 0.2)); // duplicates
        const shuffled = shuffle(batch, rnd);
        const cut = Math.floor(rnd() * (shuffled.length + 1));
        deliver(shuffled.slice(0, cut));
        // While the bulk lane stalls, its commit starts before the rest arrives: what of the rest
        // takes the priority lane commits beside it.
        if (storage.stalled) await settle();
        deliver(shuffled.slice(cut));
        break;
      }
      case 'advance':
        clock.now += step.dt;
        break;
      case 'purge':
        if (!partial) tick();
        break;
      case 'hold':
        if (durable !== undefined) break;
        await node.durable();
        storage.holding = true;
        storage.landing = step.land;
        partial = step.land > 0;
        durable = log.length;
        durableCutoffs = new Map(cutoffs);
        break;
      case 'stall':
        // The bulk lane's commits stay in flight; the priority lane's land beside them.
        if (durable !== undefined) break;
        await node.durable();
        storage.stalled = true;
        partial = true;
        durable = log.length;
        durableCutoffs = new Map(cutoffs);
        break;
      case 'flow':
        if (!storage.stalled) break;
        storage.flow();
        await node.durable();
        partial = false;
        durable = undefined;
        break;
      case 'withdraw': {
        // The roster removed a peer (its writes after the cut-off are withdrawn), or admitted it again.
        const peer = PEERS[step.peer]!;
        if (step.lift && !cutoffs.has(peer)) break;
        const at = step.lift ? undefined : { ms: clock.now - step.back, c: 0, node: peer };
        const before = cutoffs.get(peer);
        if (at === undefined) cutoffs.delete(peer);
        else cutoffs.set(peer, at);
        const change = new Map([[peer, at]]);
        const withdrawn = node.withdraw(change, { meta: cutoffMeta() });
        stats.withdrawn += withdrawn;
        if (durable !== undefined && withdrawn > 0) stats.withdrawnInFlight += 1;
        twin.withdraw(change, { meta: {} });
        log.push({ at: clock.now, withdraw: change });
        // A cut-off lifted or moved later admits again what it refused, which comes back from
        // peers only (LatticeNode.withdraw): the peer's writes given so far come again. Each side
        // may have refused some the other holds (a write the twin held for skew before the removal,
        // delivered to the node again after it, when a damaged record was set aside).
        if (before !== undefined && (at === undefined || compareTs(at, before) > 0)) {
          deliver(log.flatMap((e) => ('deliver' in e ? e.deliver : [])).filter((v) => v.ts.node === peer));
        }
        break;
      }
      case 'damage': {
        // Records whose proofs no longer verify (changed on disk): the next open sets them aside.
        if (durable !== undefined) break;
        await node.durable();
        const records = [
          ...storage.backing.versions.values(),
          ...[...storage.backing.held.values()].map((h) => h.version),
        ];
        if (records.length === 0) break;
        const bad = [...new Set(step.picks.map((p) => records[p % records.length]!))];
        for (const v of bad) damaged.add(holdKey(v));
        unlisten();
        await restart(where, bad);
        unlisten = listen();
        break;
      }
      case 'restart':
        unlisten();
        await restart(where);
        unlisten = listen();
        break;
      default: {
        const never: never = step;
        throw new Error(`unknown step ${JSON.stringify(never)}`);
      }
    }
  }
  if (durable !== undefined) await restart('a crash at the end');
  // Everything ever written reaches both, every expiry passes: they still agree.
  clock.now += 10_000;
  deliver(shuffle([...universe.values()], prng(steps.length)));
  tick();
  compare('after everything was delivered again');
  await restart('a last restart');
  unlisten();
  await node.close();
  await twin.close();
  stats.histories += 1;
}

describe('a node restarted from its storage against a twin that never restarted', () => {
  it('equals the twin after every restart and crash, over random histories', async () => {
    console.log(`restart-vs-twin seed ${seed}; replay with SEED=${seed}`);
    await fc.assert(fc.asyncProperty(fc.array(arbStep, { minLength: 1, maxLength: 50, size: 'medium' }), run), {
      seed,
      numRuns,
    });
    // The histories must reach what they test, or passing proves little.
    console.log(`restart-vs-twin: ${JSON.stringify(stats)}`);
    expect(stats.floors).toBeGreaterThan(0);
    expect(stats.lost).toBeGreaterThan(0);
    expect(stats.landed).toBeGreaterThan(0);
    expect(stats.local).toBeGreaterThan(0);
    expect(stats.heldAtRestart).toBeGreaterThan(0);
    expect(stats.withdrawn).toBeGreaterThan(0);
    expect(stats.withdrawnInFlight).toBeGreaterThan(0);
    expect(stats.damaged).toBeGreaterThan(0);
    expect(stats.overtookThenCrashed).toBeGreaterThan(0);
  }, 120_000);

  // Shrunk from SEED=80429562 and SEED=844606215: the fast peer's write, held for skew, is taken
  // before the peer's removal; its stored record is damaged and set aside at the open, and served
  // again while the cut-off stands, so the node refuses it where the twin holds it; the storage
  // then holds, the cut-off is lifted (and its anti-entropy lost with the crash at the end): the
  // reopened node, the roster lifting the cut-off again, is owed the write by the peers as well.
  const heldThenDamaged: Step[] = [
    { t: 'peer', peer: FAST, entity: 0, kind: 0, v: 0, hostile: 'no' },
    { t: 'deliver', seed: 0, rate: 0.3 },
    { t: 'withdraw', peer: FAST, back: 0, lift: false },
    { t: 'damage', picks: [0] },
    { t: 'hold', land: 0 },
    { t: 'withdraw', peer: FAST, back: 0, lift: true },
  ];
  it('a withdraw after damaged records: a held write set aside, refused, then its cut-off lifted and lost in a crash', async () => {
    await run([...heldThenDamaged, { t: 'deliver', seed: 0, rate: 0.3 }]);
  });
  it('a held-write difference after a damaged record plus a lifted withdrawal, another removal lost beside it', async () => {
    await run([...heldThenDamaged, { t: 'withdraw', peer: 0, back: 0, lift: false }]);
  });
  // Shrunk from SEED=191625572: the node holds the fast peer's write from before its removal (the
  // first commit past the durable point landed), the twin rebuilt after that crash is given it only
  // after the cut-off and refuses it; the lift is then lost with a second crash.
  it('a held write the twin was given only after the cut-off, the lift lost in a crash', async () => {
    await run([
      { t: 'hold', land: 1 },
      { t: 'peer', peer: FAST, entity: 0, kind: 0, v: 0, hostile: 'no' },
      { t: 'deliver', seed: 0, rate: 0.3 },
      { t: 'withdraw', peer: FAST, back: 0, lift: false },
      { t: 'restart' },
      { t: 'hold', land: 0 },
      { t: 'withdraw', peer: FAST, back: 0, lift: true },
      { t: 'peer', peer: 0, entity: 0, kind: 0, v: 0, hostile: 'no' },
    ]);
  });
  // Shrunk from SEED=699659191: the node's own expiry fired a floor at T0+5 under a peer's
  // tombstone at T0+6 and a peer's expiry due at T0+10; at T0+10 the own expiry's record is damaged
  // and set aside at the open. Withdrawn, its floor goes, the peer's expiry fires the floor at
  // T0+10 and drops the tombstone, and the withdrawal kept the tombstone's time below that floor,
  // where the twin (which fired it over the same versions) keeps none (EntityState.withdraw).
  it('a damaged expiry whose floor a later expiry replaces keeps no tombstone time below the new floor', async () => {
    await run([
      { t: 'local', entity: 1, kind: 3, v: 0 },
      { t: 'advance', dt: 5 },
      { t: 'peer', peer: 1, entity: 1, kind: 2, v: 0, hostile: 'no' },
      { t: 'peer', peer: 0, entity: 1, kind: 3, v: 0, hostile: 'no' },
      { t: 'deliver', seed: 0, rate: 0.3 },
      { t: 'restart' },
      { t: 'advance', dt: 5 },
      { t: 'damage', picks: [0] },
      { t: 'deliver', seed: 0, rate: 0.3 },
    ]);
  });
});
