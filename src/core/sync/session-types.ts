import type { TokenBucket } from '../budget/token-bucket';
import type { NodeId } from '../ids';
import type { Version } from '../merge/version';
import type { ReconcileStorage } from '../reconcile/storage';
import type { LimitCounts } from './limits';
import type { RefusalProof } from './messages';
import type { RoundTurns } from './round-turns';

export const SessionState = {
  /** Hellos not yet exchanged. */
  Handshake: 'handshake',
  /** Connected; a reconciliation is running or has not completed yet. */
  Syncing: 'syncing',
  /** The last reconciliation completed; live pushes keep us current. */
  Synced: 'synced',
  /** Nothing heard for deadAfterMs: the host closes the link. */
  Dead: 'dead',
  Closed: 'closed',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

export type SessionRole = 'initiator' | 'responder';

export interface SessionOptions {
  readonly self: NodeId;
  readonly lattice: string;
  /**
   * Our raw 32-byte Ed25519 public key, sent in the hello (our id is its hash). MeshNode always
   * passes the node's key; without it (tests of the session alone) the hello carries 32 zero bytes,
   * which hash to no node id, so every MeshNode refuses such a hello.
   */
  readonly key?: Uint8Array;
  /**
   * 16 fresh random bytes for this link's hello (HANDSHAKE_NONCE_BYTES): the peer must sign them
   * to prove it holds its key. The core has no randomness of its own: MeshNode passes fresh bytes
   * for every link (MeshSecurity.nonce); without them (tests of the session alone) they are zeros.
   */
  readonly nonce?: Uint8Array;
  /**
   * 16 random bytes of this link that never go on the wire: they key what the link remembers of its
   * answers (sent-recently.ts), so a peer cannot pick ids that collide there. MeshNode passes fresh
   * ones for every link; without them (tests of the session alone) they are zeros.
   */
  readonly secret?: Uint8Array;
  /**
   * An invitation token (core/roster/invitation-token.ts) to present in our proof, for the peer's
   * admission (SessionHost.admit); a joining device sets it (MeshNodeOptions.invitation).
   */
  readonly invitation?: string;
  /** The peer's id as claimed by the transport: a hello from anyone else is refused. */
  readonly peer?: NodeId;
  /**
   * The peer's reconcile-open allowance, asked for at its first open (after the handshake proved its
   * id): MeshNode hands every link of one peer the same bucket (open-allowances.ts), so relinking
   * buys no fresh burst. Without it the session keeps its own.
   */
  readonly openAllowance?: (now: number) => TokenBucket;
  /**
   * The node's responder rounds, one link at a time (round-turns.ts): MeshNode hands every link
   * the same one. Without it (tests of the session alone) each link answers its opens at once.
   */
  readonly responderTurns?: RoundTurns<object>;
  /** The node's initiator rounds, one link at a time (round-turns.ts), as responderTurns. */
  readonly initiatorTurns?: RoundTurns<object>;
  /** Anti-entropy period once synced (default 30 s). */
  readonly syncIntervalMs?: number;
  /** Ping period (default 2 s). */
  readonly heartbeatMs?: number;
  /**
   * A link is dead after this long without a valid frame, and when the handshake (hellos, proofs,
   * admission) has not completed this long after the link opened (default 8 s).
   */
  readonly deadAfterMs?: number;
  /**
   * A ping left unanswered this long means the peer is not listening, whatever else it sends
   * (default 2 min: a pong may wait behind a full link buffer on a slow radio link).
   */
  readonly pongWithinMs?: number;
  /**
   * Monotonic clock (ms, fractional), read to time round trips; defaults to the `now` the session
   * is given (the wall clock). The worker passes performance.now.
   */
  readonly monotonic?: () => number;
  /** A round with no progress for this long has failed (default 20 s: a 64 KiB frame at 64 kbit/s takes 8 s). */
  readonly roundTimeoutMs?: number;
  /** Retry delays after failures: base · 2^(failures-1), at most max (defaults 1 s, 60 s). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Invalid frames tolerated before saying bye (default 100). */
  readonly maxInvalidFrames?: number;
  /** Above this many bytes buffered on the link, repair waits for the next tick (default 1 MiB). */
  readonly highWaterMark?: number;
  /** Most versions waiting to be sent (default 100,000); beyond, the next round catches up. */
  readonly maxQueuedVersions?: number;
  /** Most wanted ids in flight (default 8,192) and queued (default 262,144). */
  readonly wantWindow?: number;
  readonly maxWanted?: number;
  /** Versions received but not applied (held for skew, obsolete) are not asked for again for this long (default 5 min). */
  readonly unappliedRetryMs?: number;
  /**
   * Most bytes in one `versions` frame the session frames itself (repair, a `want`'s answer, a
   * graft's answer, live pushes on an unlimited link), default 64 KiB: keeps live traffic from
   * waiting behind one. The host's `frameBytes` lowers it for a thin link.
   */
  readonly repairFrameBytes?: number;
  /** Reconciler message limit; both peers use the protocol's default (60,000). */
  readonly reconcileFrameBytes?: number;
  readonly log?: (message: string, detail?: unknown) => void;
}

type OptionalOptions =
  | 'peer'
  | 'responderTurns'
  | 'initiatorTurns'
  | 'openAllowance'
  | 'log'
  | 'monotonic'
  | 'key'
  | 'nonce'
  | 'secret'
  | 'invitation';
export type ResolvedSessionOptions = Required<Omit<SessionOptions, OptionalOptions>> &
  Pick<SessionOptions, OptionalOptions>;

/** How long one reconciliation round (or a graft's claim on the ids it asked for) may take. */
export const DEFAULT_ROUND_TIMEOUT_MS = 20_000;

export function resolveSessionOptions(o: SessionOptions): ResolvedSessionOptions {
  return {
    syncIntervalMs: 30_000,
    heartbeatMs: 2_000,
    deadAfterMs: 8_000,
    pongWithinMs: 120_000,
    roundTimeoutMs: DEFAULT_ROUND_TIMEOUT_MS,
    backoffBaseMs: 1_000,
    backoffMaxMs: 60_000,
    maxInvalidFrames: 100,
    highWaterMark: 1024 * 1024,
    maxQueuedVersions: 100_000,
    wantWindow: 8192,
    maxWanted: 262_144,
    unappliedRetryMs: 300_000,
    repairFrameBytes: 64 * 1024,
    reconcileFrameBytes: 60_000,
    ...stripUndefined(o),
  } as ResolvedSessionOptions;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The node's reconciliation set as a session sees it (SyncIndex implements it). */
export interface SyncSource {
  readonly size: number;
  readonly newest: number;
  storage(): ReconcileStorage;
  lookup(ids: Iterable<Uint8Array>): Version[];
  claim(ids: readonly Uint8Array[], now: number, until: number): Uint8Array[];
  /** Sets these ids aside until `until` (the hold-back): not fetched, and dropped if a peer pushes them unasked. */
  suppress(ids: readonly Uint8Array[], until: number): void;
  isHeldBack(id: Uint8Array, now: number): boolean;
  /** Never asks for these again: every node refuses them for what they are (a malformed context). */
  refuse(ids: readonly Uint8Array[]): void;
  release(ids: Iterable<Uint8Array>): void;
  /**
   * The ids of versions a link received and is about to check and merge (`ids[i]` is
   * `versionId(versions[i])`): when the merge stores them the source takes these instead of hashing
   * each version again (docs/benchmarks.md, scenario 7).
   */
  identified?(versions: readonly Version[], ids: readonly Uint8Array[]): void;
}

/** What a session asks of its host: the answers it needs. What it does goes out as SessionEvents. */
export interface SessionHost {
  /** Bytes queued on the link (flow control). */
  bufferedAmount(): number;
  /**
   * The most bytes a frame should have on this link now (a budgeted link's frame size, from its
   * budget and latency target: docs/budgeter.md "Packing"). The `versions` frames the session
   * makes stay within it and repairFrameBytes, whichever is smaller. Default: repairFrameBytes.
   */
  frameBytes?(): number;
  /** Merges versions from the peer (`live`: pushed live, else repair); returns those that changed the store. */
  apply(versions: readonly Version[], live: boolean): readonly Version[];
  /** May this session prune its peer's live pushes (the host keeps a few eager in-links)? Default yes. */
  mayPrune?(): boolean;
  /**
   * Versions from this peer the host holds without having merged them (held for clock skew): while
   * any are, the link is not synced. Default none.
   */
  held?(): number;
  /**
   * The peer's hello names `node` and carries `key`: `done(true)` if the key stands for that id
   * (its hash), which binds the link to the id; else the session says bye. Default: accepted.
   */
  hello?(key: Uint8Array, node: NodeId, done: (ok: boolean, now: number) => void): void;
  /**
   * Signs our proof (core/signing/link-proof.ts) with the key our hello carried: `done` with the
   * 64-byte signature, or undefined if signing failed (the session then says bye). Frames from the
   * peer wait meanwhile. Default (tests of the session alone): 64 zero bytes.
   */
  prove?(bytes: Uint8Array, done: (sig: Uint8Array | undefined, now: number) => void): void;
  /**
   * The peer's proof: `done(true)` if `sig` is the signature of `bytes` under `key` (the key of its
   * hello, already bound to `node`); else the session says bye. Default: accepted.
   */
  checkProof?(
    key: Uint8Array,
    bytes: Uint8Array,
    sig: Uint8Array,
    node: NodeId,
    done: (ok: boolean, now: number) => void,
  ): void;
  /**
   * Admission: the peer proved it holds the key of `peer`, and presents `invitation` (if any).
   * Called once per link, after the proof verifies and before any data flows; a refusal ends the
   * link with a bye naming the reason (the refused side sees `peer said bye: not admitted: …`).
   * Default: everyone admitted.
   */
  admit?(peer: NodeId, invitation: string | undefined, done: (verdict: AdmitVerdict, now: number) => void): void;
  /**
   * The peer refused us at admission (`not admitted: …`) and sent signed versions with its bye
   * (ByeMessage.proof): the host checks them as any ingest, on its own time (the link is over).
   */
  refusedWith?(proof: RefusalProof): void;
  /**
   * The key we pass on of an author whose versions we send (a vouched one), sent just ahead of its
   * first version on a link (docs/security.md, "Keys on the wire"). Absent: no keys are sent.
   */
  authorKey?(author: NodeId): Uint8Array | undefined;
  /** Keys the peer sent (`keys`): file them, then `done`. Frames after it wait until then. */
  learnKeys?(keys: readonly Uint8Array[], done: (now: number) => void): void;
  /**
   * Checks versions from the peer before they are merged (signatures, docs/security.md): `done`
   * with those accepted (merged through `apply`) and those refused. Frames after it wait until
   * then, so the link's order holds. Default: every version accepted.
   */
  verify?(versions: readonly Version[], done: (verdict: VerifyVerdict, now: number) => void): void;
  /**
   * Runs `next` in a later task of the host (its timers), so that a large frame's verified versions
   * are merged in parts (ingest-parts.ts) with the host's other work (a cue to the page) between
   * them. Frames after it wait until the last part, so the link's order holds. Default: merged at once.
   */
  defer?(next: (now: number) => void): void;
  /**
   * Runs `next` after `ms` (the host's timers): a frame paced past the link's share of the merge
   * (MAX_VERSIONS_APPLIED_PER_SECOND) is taken when its time comes. Absent, the session's tick
   * takes it.
   */
  after?(ms: number, next: (now: number) => void): void;
  /** Whether a version from the peer is merged ahead of the rest of its frame (with `defer`). */
  urgent?(v: Version): boolean;
  /**
   * A frame is about to be merged in several parts (`defer`): the host may gather what the parts
   * write into one storage commit until the returned release, which the session calls after the
   * last part (or after a part that threw). Default: nothing gathered.
   */
  gather?(): () => void;
}

/**
 * What admission made of a peer (SessionHost.admit). `reason` is shown to the refused side's
 * operator; `proof` (a removed member's refusal) goes with the bye for it to verify (ByeMessage.proof).
 */
export type AdmitVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly proof?: RefusalProof };

/**
 * When a version that was refused (by the host's verify) or not applied (by the store) is asked for
 * again; one rule for both (docs/security.md, "The hold-back"):
 * - `next-round`: at the next reconciliation (what the next round may well bring: a key, an admission);
 * - `hold-back`: it may pass later but not soon (a bucket refilling, a clock catching up, a removed
 *   member's write): set aside, not fetched from any peer for `unappliedRetryMs` (or until the
 *   verdict's `until`);
 * - `this-link`: refused before its signature was checked (its claimed author over a bound): set
 *   aside for as long on the sending link only (link-hold-back.ts), so an unverified copy cannot
 *   hide the genuine version that comes by another link.
 * Either way the sending link's reconciliations count it as held meanwhile, so that peer does not
 * push it again at every round (link-hold-back.ts).
 */
export type Later = 'next-round' | 'hold-back' | 'this-link';

/** What the host's verify made of a batch. */
export interface VerifyVerdict {
  readonly accepted: readonly Version[];
  /**
   * `penalise`: the sending link is at fault (counts as invalid input); `later`: when it is asked
   * for again; `until` (a hold-back, on the verdict's clock): until when it is set aside, when the
   * host knows better than `unappliedRetryMs` (an author's bucket refilling one register at a time).
   */
  readonly rejected: readonly {
    readonly version: Version;
    readonly reason: string;
    readonly penalise: boolean;
    readonly later: Later;
    readonly until?: number;
  }[];
  /** Further invalid input to charge the link with, for versions accepted all the same (default 0). */
  readonly penalty?: number;
}

/** What a session announces (PeerSession.on), in the spirit of automerge-repo's synchronizers. */
export interface SessionEvents {
  /** A frame for the link. */
  message(frame: Uint8Array): void;
  /** Versions from the peer changed our store; `live` if it pushed them live (to relay), else repair. */
  versions(applied: readonly Version[], live: boolean): void;
  /** A reconciliation with this peer completed; `applied` versions it brought changed our store. */
  synced(applied: number): void;
  /** The peer announced versions (`ihave`); the mesh grafts those that do not arrive otherwise. */
  announced(ids: readonly Uint8Array[]): void;
  /** The session is over (bye, dead, too many invalid frames): close the link. */
  end(reason: string): void;
  /** We refused the peer at admission and now wait for it to close (REFUSAL_LINGER_MS). */
  lingering(): void;
  /** A version the peer needs could not be encoded for the wire: it stays stuck here. */
  unsent(reason: string): void;
}

export interface PeerStats {
  readonly peer: NodeId;
  readonly state: SessionState;
  readonly role: SessionRole | undefined;
  /**
   * Round-trip time of a ping on the sync channel, smoothed, in fractional ms on the worker's
   * monotonic clock: it includes the peer worker's time to answer and any queue on the link.
   */
  readonly rttMs: number | undefined;
  /** Peer's wall clock minus ours (from hello, refined by pongs). */
  readonly clockSkewMs: number | undefined;
  /**
   * How old our copy of this peer's picture may be: now minus the last moment we knew we held
   * everything it held. That moment is the start of the last completed reconciliation and, while
   * synced, the arrival of each frame (the channel is ordered, so every write the peer made before
   * sending it was pushed ahead of it). Undefined until the first reconciliation completes.
   */
  readonly pictureAgeMs: number | undefined;
  readonly lastSyncAt: number | undefined;
  /** This round: versions received from the peer / versions we found we needed. */
  readonly progress: { readonly received: number; readonly needed: number };
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly invalidFrames: number;
  /**
   * Frames of a reconcile session we had already ended on our own (a round we timed out, a
   * session we let go) that the peer sent before it heard: dropped, not counted as invalid
   * (ended-sessions.ts bounds how many are excused).
   */
  readonly lateFrames: number;
  /** Frames from the peer we failed to handle through no fault of its own (our store, our encoder). */
  readonly hostErrors: number;
  /** Pings from the peer left unanswered: they came faster than one per half heartbeat period. */
  readonly pingsIgnored: number;
  readonly versionsIn: number;
  readonly versionsOut: number;
  /** Versions waiting for room on the link. */
  readonly queued: number;
  /**
   * Versions stuck between us: those the peer needed that we could not encode since the last round
   * opened, those from the peer we hold unmerged (clock skew), those from the peer we refused
   * (verify) until we may take them, and those of ours the peer kept lacking round after round
   * (it refuses or holds them back: link-refusals.ts). The state is never `synced` while this is
   * above zero.
   */
  readonly stuck: number;
  /** Versions we could not encode for this peer, in all (each attempt counts). */
  readonly unsent: number;
  /** Consecutive failed rounds (drives the backoff). */
  readonly failures: number;
  readonly peerItems: number | undefined;
  /** Live pushes to this peer carry versions (true) or only ids (false: it pruned us; Plumtree lazy link). */
  readonly eager: boolean;
  /** The peer's live pushes to us carry versions (false: we pruned it). */
  readonly eagerIn: boolean;
  /** Plumtree counters: prunes we sent, grafts we sent. */
  readonly prunes: number;
  readonly grafts: number;
  /**
   * Reconcile replies of ours that pushed part of what the peer lacks and split the rest into child
   * ranges for want of push room (PUSH_FLOOR_VERSIONS + PUSH_VERSIONS_PER_REQUEST_BYTE × the request,
   * or the send queue's room): the peer descends and gets the rest in later replies. Flow control
   * of ours, which every catch-up past the floor goes through: not a limit hit.
   */
  readonly pushSplits: number;
  /** Per-link limits hit (src/core/sync/limits.ts, docs/security.md): items refused or occurrences. */
  readonly limitsHit: LimitCounts;
}
