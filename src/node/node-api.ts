import type { ComponentValue } from '../core/entity/component-types';
import type { CompactViews } from '../core/feed/compact-batch';
import type { EntityView } from '../core/store/entity-view';
import type { Query } from '../core/store/query';
import type { EntityId, NodeId } from '../core/ids';
import type { BudgetStats } from '../core/budget/link-budgeter';
import type { FusionSettings, FusionStatsView, SimulateOptions, SimulationView, TruthView } from './c2-api';
import type { ApprovalView, TaskView } from './approval-views';
import type { WriteItem } from './write-many';

export type { BudgetStats, EntityView, Query, WriteItem };

/** `setBudget`'s budget: bytes/s and burst bytes; `null` or `Infinity` is unlimited (docs/budgeter.md). */
export interface BudgetInput {
  readonly bytesPerSecond: number | null;
  /** Defaults to one frame at the latency target (rate × 250 ms + 93 B). */
  readonly burstBytes?: number | null;
}

/** Storage health as the operator sees it. */
export type StorageState = 'ok' | 'full' | 'error' | 'closed';

export interface StorageStatus {
  readonly state: StorageState;
  readonly backend: 'indexeddb' | 'memory';
  readonly message?: string;
  /** Versions waiting to be persisted. */
  readonly pending: number;
  /**
   * Damaged stored records (versions, segments, metas, held writes) set aside when the node opened,
   * signatures that do not verify included (docs/security.md, "Stored proofs on load").
   */
  readonly setAside?: number;
  /**
   * The check of the stored proofs after the open failed (an error, not a proof that does not
   * verify): why. The views stay unverified and no peer is linked; `state` is 'error' whatever later
   * commits do, and this stays set until the next open, also once the storage is 'closed'
   * (docs/security.md, "Stored proofs on load").
   */
  readonly checkFailed?: string;
}

export interface NodeInfo {
  readonly nodeId: NodeId;
  readonly lattice: string;
  readonly storage: StorageStatus;
  /** Writes held because their author's clock runs too far ahead of ours, by author (optional for old clients). */
  readonly held?: readonly HeldSkew[];
  /** The tolerated lead of a peer's clock over ours before its writes are held (setSkewLimit), ms. */
  readonly skewLimitMs?: number;
  /** Whether fusion is on (setFusion; persisted in node meta), for the settings panel. */
  readonly fusionEnabled?: boolean;
  /** The fusion gate set with setFusion (persisted), metres; absent while the default holds. */
  readonly fusionGateMeters?: number;
  /** The approval deadline for new requests (setApprovalDeadline; persisted), ms. */
  readonly approvalDeadlineMs?: number;
  /**
   * The default budget of every link (`setBudget('*', …)`; persisted): `null` is unlimited. For the
   * settings panel; `budgetStats()` reads the node-wide one, `budgetStats(peer)` a link's.
   */
  readonly linkBudget?: { readonly bytesPerSecond: number | null; readonly burstBytes: number | null };
  /** The simulated sensors: running or not, with what (for the simulator controls). */
  readonly simulation?: SimulationView;
}

export interface CreateInput {
  readonly id?: string;
  readonly components: Readonly<Record<string, unknown>>;
}

export interface UpdateOptions {
  /** The version (ComponentMeta.version) the change was based on: one for all kinds, or per kind. */
  readonly basedOn?: string | Readonly<Record<string, string>>;
}

/** One current version of a component. */
export interface HeadView {
  readonly value: ComponentValue | null;
  readonly version: string;
  readonly author: NodeId;
  readonly time: number;
  /** Versions of other authors the writer had seen. */
  readonly seen: readonly string[];
}

export interface ChangeBatch {
  readonly changed: readonly EntityView[];
  readonly removed: readonly EntityId[];
  /**
   * Set when an approval or task changed since the previous batch (also when its entity is hidden
   * under a fused view): the prompt's cue to call approvals() / tasks() again.
   */
  readonly approvals?: true;
  /**
   * With the cue, across threads: approvals() and tasks() as they were when the batch left, so
   * the prompt need not call back through a busy page (watch-relay.ts).
   */
  readonly approvalLists?: ApprovalLists;
}

/**
 * A change batch as the page takes it (`watchCompact`): the changed entities as rows of columns in
 * one transferred buffer, a view whole only where a row cannot stand for it (src/core/feed/
 * compact-batch.ts, read back with feed-decoder.ts); the approvals cue is the `approvalsOnly` watch's.
 */
export interface CompactBatch extends CompactViews {
  /** Set on a feed's first batch: the whole picture when the watcher came (every view, whole or as its row). */
  readonly snapshot?: true;
}

/**
 * What a watcher wants. `approvalsOnly`: only the approvals cue (with the lists), never the track
 * views: the approval prompt's feed needs nothing else, and each full watcher costs the worker a
 * filtered copy of every batch and its clone to the page, 2,000 track views a second under
 * scenario 12's load (docs/c2-pipeline.md, "The priority lane").
 */
export interface WatchOptions {
  readonly approvalsOnly?: boolean;
}

/** What approvals() and tasks() return, together. */
export interface ApprovalLists {
  readonly approvals: readonly ApprovalView[];
  readonly tasks: readonly TaskView[];
}

/** A write held because its clock is too far ahead of ours (docs/requirements.md §3). */
export interface HeldSkew {
  readonly author: NodeId;
  readonly skewMs: number;
  readonly count: number;
}

export interface NodeStats {
  readonly nodeId: NodeId;
  readonly entities: number;
  readonly versions: number;
  readonly conflicts: number;
  readonly storage: StorageStatus;
  readonly writes: {
    readonly local: number;
    readonly remote: number;
    readonly duplicate: number;
    readonly obsolete: number;
  };
  readonly rejected: Readonly<Record<string, number>>;
  readonly held: readonly HeldSkew[];
  /**
   * What this node holds but cannot pass on: `held` writes waiting for clock skew (not merged, so
   * not offered to peers), and `unsent` versions a peer needed that could not be encoded for the
   * wire (each attempt counts). A link is not shown as synced while either concerns it.
   */
  readonly stuck: { readonly held: number; readonly unsent: number };
}

/**
 * The node's request/response calls, declared once: LatticeNode implements them, the worker serves
 * them over comlink and `window.lattice` forwards them, both generically over NODE_CALLS. A new
 * call is its line here and its name in NODE_CALLS (the compiler asks for it).
 */
export interface NodeCalls {
  info(): Promise<NodeInfo>;
  create(input: CreateInput): Promise<EntityView>;
  update(id: string, components: Readonly<Record<string, unknown>>, options?: UpdateOptions): Promise<EntityView>;
  remove(id: string): Promise<void>;
  /**
   * Writes many entities in one call, one timestamp and one commit (each created if absent, else
   * updated); resolves with their views in item order once durable. Bounds in write-many.ts.
   */
  writeMany(items: readonly WriteItem[]): Promise<EntityView[]>;
  get(id: string): Promise<EntityView | undefined>;
  list(filter?: Query): Promise<EntityView[]>;
  heads(id: string, kind: string): Promise<HeadView[]>;
  stats(): Promise<NodeStats>;
  /** Accepts writes held for clock skew from one author (the operator's decision). */
  acceptHeld(author: string): Promise<number>;
  /** Sets how far ahead of ours a peer's clock may run before its writes are held (ms); persisted. */
  setSkewLimit(ms: number): Promise<void>;
  /** Starts (or restarts) the simulated EO and radar sensors; their tracks are ordinary local writes. */
  simulate(options: SimulateOptions): Promise<void>;
  stopSimulation(): Promise<void>;
  simulationTruth(): Promise<TruthView[]>;
  /** Fusion is a derived view on this node (never stored or replicated); the setting persists. */
  setFusion(settings: FusionSettings): Promise<void>;
  fusionStats(): Promise<FusionStatsView>;
  /** Approval requests: pending first (earliest deadline first), then the latest decided ones. */
  approvals(): Promise<ApprovalView[]>;
  /**
   * An operator's decision on the entity's pending request (naming `requestId`, from approvals(),
   * makes sure it is that request being answered, not a newer one raised meanwhile).
   */
  decide(entityId: string, decision: 'approve' | 'deny', requestId?: string): Promise<ApprovalView>;
  /** Intercept tasks that stand on this node (their approval is the winner for their request). */
  tasks(): Promise<TaskView[]>;
  /** How long operators have to decide new requests, ms (5 s–10 min, default 30 s); persisted. */
  setApprovalDeadline(ms: number): Promise<void>;
  /** Budgets one peer's link, every link by default (`'*'`) or the node as a whole (`'node'`); persisted. */
  setBudget(target: string, budget: BudgetInput): Promise<void>;
  /** One link's budget and live figures, or (no peer) the node's: every link added up. */
  budgetStats(peerId?: string): Promise<BudgetStats>;
}

export type NodeCallName = keyof NodeCalls;

/** Every call, exactly once: a missing or unknown name does not compile. */
const CALL_NAMES: { readonly [K in NodeCallName]: true } = {
  info: true,
  create: true,
  update: true,
  remove: true,
  writeMany: true,
  get: true,
  list: true,
  heads: true,
  stats: true,
  acceptHeld: true,
  setSkewLimit: true,
  simulate: true,
  stopSimulation: true,
  simulationTruth: true,
  setFusion: true,
  fusionStats: true,
  approvals: true,
  decide: true,
  tasks: true,
  setApprovalDeadline: true,
  setBudget: true,
  budgetStats: true,
};

/** The names the worker and the page forward, in declaration order. */
export const NODE_CALLS = Object.keys(CALL_NAMES) as readonly NodeCallName[];

/**
 * The node's public API: its calls plus the live change feed (batches of changed and removed
 * entities; returns the unsubscribe function), as views (`watch`) or as compact batches
 * (`watchCompact`, what the page's picture takes: docs/ui.md, "Rendering"). Across the worker
 * boundary the listener and the unsubscribe function travel as comlink proxies, and a compact
 * batch's buffer is transferred; the page's handle hides that.
 */
export interface NodeApi extends NodeCalls {
  watch(listener: (batch: ChangeBatch) => void, options?: WatchOptions): () => void;
  /**
   * The same feed as `watch`, each batch compact, after a first batch holding the whole picture
   * (`snapshot`); one feed per call, whose batches must all be read, in order (feed-decoder.ts).
   */
  watchCompact(listener: (batch: CompactBatch) => void): () => void;
}
