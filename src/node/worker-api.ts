import type { CompactViews } from '../core/feed/compact-batch';
import type { PeerStats } from '../core/sync';
import type { SyncStatus } from './mesh';
import type { SecurityStats } from './security/mesh-security';
import type { NodeApi, NodeInfo } from './node-api';
import type { RosterCalls } from './roster-api';
import type { LinkShapingCalls } from './link-shape-args';

export interface StartOptions {
  readonly lattice: string;
  /** This tab's previous node id (sessionStorage), to get the same identity back on reload. */
  readonly preferredId?: string;
  /** The invitation this device joins with (`?invite=`): it does not found the lattice, it waits for its inviter's roster. */
  readonly invitation?: string;
  /** Found the lattice open if this node founds it (`?open=1`; the setting at founding). */
  readonly open?: boolean;
}

/**
 * The node's writes the page gathers per task and sends as one `callMany` message (docs/performance.md,
 * scenario 7): one comlink message per write cost the worker a task, a signing round and a storage
 * commit each, so 256 concurrent create() calls made 1.6k writes/s; started together in one task they
 * share one signing round (GroupSigner) and one commit (the write-behind).
 */
export const BATCHED_CALLS = ['create', 'update', 'remove'] as const;
export type BatchedCallName = (typeof BATCHED_CALLS)[number];

/** Most calls in one `callMany` message (a bulk signing round holds BULK_ROUND_VERSIONS versions). */
export const MAX_CALLS_PER_MESSAGE = 1024;

/** One call of a `callMany` message. */
export interface BatchedCall {
  readonly name: BatchedCallName;
  readonly args: readonly unknown[];
}

/**
 * How one call of a `callMany` message settled: its value; or, for a view (what create and update
 * give), its row in the reply's `views`; or its error as comlink carries a thrown Error.
 */
export type CallOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: true; readonly row: number }
  | { readonly ok: false; readonly name: string; readonly message: string };

/**
 * A `callMany` answer: each call's outcome in order, and the views they name packed as one compact
 * batch (src/core/feed/packed-views.ts: a buffer moved to the page, not a view per call cloned).
 */
export interface CallReply {
  readonly outcomes: readonly CallOutcome[];
  readonly views?: CompactViews;
}

/**
 * What the node worker exposes over comlink (the page holds it as `Remote<WorkerApi>`): the node's
 * API as declared in node-api.ts, the roster's calls (roster-api.ts), link shaping (link-shape-args.ts), plus what only the page's plumbing calls. `watch` takes a
 * comlink-proxied listener and returns a proxied unsubscribe function.
 */
export interface WorkerApi extends NodeApi, RosterCalls, LinkShapingCalls {
  start(options: StartOptions): Promise<NodeInfo>;
  /**
   * Several node writes in one message (BATCHED_CALLS, at most MAX_CALLS_PER_MESSAGE), started in
   * order in one task; resolves once all have settled, with each one's outcome in order (CallReply).
   */
  callMany(calls: readonly BatchedCall[]): Promise<CallReply>;
  /**
   * Hands the worker's mesh one WebRTC link: the page keeps the data channel and moves its sync
   * frames over this (transferred) port. See src/adapters/port-link.ts.
   */
  attachLink(peer: string, port: MessagePort): Promise<void>;
  /** Sync sessions per linked peer (state, RTT, picture age, progress, traffic). */
  meshPeers(): Promise<PeerStats[]>;
  syncStatus(): Promise<SyncStatus>;
  /** Versions refused on ingest by reason, verifications, keys, peers penalised (docs/security.md). */
  securityStats(): Promise<SecurityStats>;
  /** Closes the sync session with a peer; true if there was one. */
  disconnectPeer(peer: string): Promise<boolean>;
}
