import type { ThreatLevel } from '../../core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import type { ColumnType, EntityColumn } from '../../core/store/entity-column';
import type { EvidenceStats } from '../../core/store/evidence';
import type { LimitCounts, SessionOptions } from '../../core/sync';
import type { QueueLimits } from '../../core/budget/class-queue';
import type { PriorityClass } from '../../core/budget/priority-classes';
import type { BudgetSettings } from '../budget-settings';
import type { VersionListener, VersionSource } from '../lattice-node';
import type { Scheduler } from '../scheduler';
import type { MeshSecurity } from '../security/mesh-security';
import type { HeldEntity } from '../security/new-entity-limit';
import type { HoldRefusal } from '../skew-hold';

/** What the mesh needs of a node (LatticeNode provides it). */
export interface MeshStore {
  readonly nodeId: NodeId;
  readonly lattice: string;
  /** Merges versions from a peer; returns those that changed the store. `source` comes back if they are held. */
  applyRemote(versions: readonly Version[], source?: VersionSource): Version[];
  onVersions(listener: VersionListener): () => void;
  /**
   * Holds the storage commit of what is merged until the returned release, so the parts of one
   * frame are committed together (LatticeNode.gatherCommits). A store without it commits as it goes.
   */
  gatherCommits?(): () => void;
  /**
   * Resolves once everything written or merged so far is durable, through the retries of failed
   * commits (LatticeNode.durable). A store without it is taken as durable once its listeners hear
   * of versions without PendingCommits.
   */
  durable?(): Promise<void>;
  versions(): Iterable<Version>;
  /**
   * The versions kept of one register (heads and evidence): the sync index reads a wanted version
   * back from here and keeps only ids. A store that cannot say has the index keep every version.
   */
  retainedOf?(entity: EntityId, kind: ComponentKind): Iterable<Version>;
  /**
   * The entity's number while the store holds it, and retainedOf by that number (EntityStore.numberOf,
   * retainedAt): the sync index names each version's entity by it. A store that cannot number its
   * entities has the index number them (numbering, core/sync/sync-index.ts).
   */
  numberOf?(entity: EntityId): number | undefined;
  retainedAt?(entity: number, kind: ComponentKind): Iterable<Version>;
  /** What the store holds of an entity (the new-register limit charges only registers it does not hold). */
  holding?(entity: EntityId): HeldEntity | undefined;
  /**
   * A new column of one number per entity the store holds, zeroed when it forgets the entity
   * (EntityStore.column): the link budget keeps each entity's threat level in one. Without it, a Map.
   */
  entityColumn?(type: ColumnType): EntityColumn;
  /** The entity's threat level now (the highest of its current threat values); NONE if absent. */
  threatOf?(entity: EntityId): ThreatLevel;
  /** Versions that came by this link (VersionSource.via) and are held unmerged for clock skew. */
  heldFrom?(via: object): number;
  /** A version a peer needed could not be encoded for the wire (counted in the node's stats). */
  noteUnsent?(reason: string): void;
  /** Twins met in the merge and the evidence kept (securityStats; core/store/evidence.ts). */
  evidenceStats?(): EvidenceStats;
  /** Writes the skew hold refused at its bounds, by refusal (securityStats().limitsHit; skew-hold.ts). */
  skewHoldRefused?(): Readonly<Record<HoldRefusal, number>>;
}

export type SessionTuning = Omit<
  SessionOptions,
  'self' | 'lattice' | 'peer' | 'openAllowance' | 'log' | 'key' | 'nonce' | 'invitation'
>;

/**
 * Admission of a peer at the link handshake (docs/security.md): called once per link, after the
 * peer proved it holds the key of `peer` and before any data flows, with the invitation token its
 * proof carried (if any). A refusal ends the link with a bye naming `reason`, which the refused
 * side logs as `peer said bye: not admitted: <reason>`; refusals are counted
 * (`securityStats().notAdmitted`). A hook that throws or rejects refuses.
 */
export type Admission = (peer: NodeId, invitation: string | undefined) => AdmissionVerdict | Promise<AdmissionVerdict>;

/**
 * An Admission's answer: a refusal of a removed member may name the signed versions that establish
 * its removal (`removal`); they go with the bye (ByeMessage.proof, with their authors' keys, bounded
 * by refusalProof in security/admission.ts).
 */
export type AdmissionVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly removal?: readonly Version[] };

export interface MeshNodeOptions {
  readonly node: MeshStore;
  /**
   * Our key, the key ring and the verifier (docs/security.md): every hello's key is checked
   * against its id and every version from a peer is verified before it is merged. Required: there
   * is no mesh without verification (tests give their nodes real keys, test/unit/support/test-keys.ts).
   */
  readonly security: MeshSecurity;
  /** Wall clock, epoch ms (the worker passes Date.now; tests a virtual clock). */
  readonly now: () => number;
  /** Who is admitted at the handshake (see Admission). Default: every proven peer (an open lattice). */
  readonly admit?: Admission;
  /**
   * The invitation token this node presents in its handshake proofs (a joining device), base64url,
   * at most MAX_TOKEN_CHARS; `MeshNode.setInvitation` changes it for links made afterwards.
   */
  readonly invitation?: string;
  /** Links beyond this are refused with `bye` (the page keeps a partial mesh of ~8). Default 8. */
  readonly maxLinks?: number;
  readonly session?: SessionTuning;
  /** Versions announced by `ihave` that have not arrived by another path after this long are grafted (default 150 ms). */
  readonly graftAfterMs?: number;
  /** The operator's budgets (LatticeNode's); every link unlimited without them. */
  readonly budgets?: BudgetSettings;
  /**
   * Bounds of the live classes' queues per link (default DEFAULT_QUEUE_LIMITS: 10,000 items and
   * 1 MiB per class). Tests set small ones to make a flood overflow to anti-entropy.
   */
  readonly queueLimits?: Readonly<Partial<Record<PriorityClass, QueueLimits>>>;
  /** Timers for each link's budgeter (`wait.until`); without them the mesh's tick polls the links. */
  readonly scheduler?: Scheduler;
  /**
   * Our own writes arriving within this many ms go live in one push (one `versions` message per
   * link instead of one per write), through `scheduler`. Without it (or without a scheduler) each
   * write is pushed at once. The worker sets 0: the writes of one burst of calls share a message,
   * and a lone write waits no more than a timer turn (docs/performance.md, scenario 7).
   */
  readonly coalesceLocalMs?: number;
  /**
   * Told of every link that ended, with why (`peer said bye: not admitted: …` when the peer refused
   * us at the handshake): a joiner keeps its inviter's refusal for members() (RosterService.linkClosed).
   */
  readonly onLinkClosed?: (peer: NodeId, reason: string) => void;
  readonly log?: (message: string, detail?: unknown) => void;
}

export interface SyncStatus {
  /** Open links. */
  readonly peers: number;
  /** Links whose last reconciliation completed with nothing stuck. */
  readonly synced: number;
  /** Versions stuck on open links (PeerStats.stuck, summed). */
  readonly stuck: number;
  /** Links still handshaking or reconciling. */
  readonly syncing: number;
  /** Latest completed reconciliation on any link, epoch ms. */
  readonly lastSyncAt: number | undefined;
  /** Versions in the reconciliation set (= stored versions). */
  readonly items: number;
  /** Per-link limits hit, summed over open links, plus links refused while backing off (docs/security.md). */
  readonly limitsHit: LimitCounts;
  /** Wanted ids the sync index held but the store no longer did (SyncIndex.stale): should stay 0. */
  readonly stale: number;
}
