import type { NodeId } from '../core/ids';
import type { SecurityStats } from './security/mesh-security';
import type { SignalingStats } from '../ports/signaling';
import type { SyncStatus } from './mesh';
import type { NodeApi, NodeInfo } from './node-api';
import type { InvitationView, MembersView } from './roster-api';
import type { LinkShapingCalls } from './link-shape-args';

/**
 * `window.lattice`, declared once: the node's API (NodeApi) plus the page's mesh. The page builds
 * it (src/app), the UI takes it (src/ui) without knowing who built it. Names are fixed: see the
 * README's "Automation handle".
 */
export interface LatticeApi extends NodeApi, MeshApi, RosterApi, LinkShapingCalls {
  /** Resolves once the node has loaded its store; rejects if the worker could not start. */
  readonly ready: Promise<NodeInfo>;
  /** Undefined before `ready`. */
  readonly nodeId: NodeId | undefined;
  readonly lattice: string;
}

/** The roster part of `window.lattice` (docs/security.md; the README's "Automation handle"). */
export interface RosterApi {
  /** A one-time invitation from this member: the token and the app link carrying it (`?lattice=NAME&invite=TOKEN`). */
  invite(): Promise<InvitationView>;
  /** Joins with an invitation (link or bare token): the page reloads as `?lattice=NAME&invite=TOKEN`. */
  join(tokenOrUrl: string): Promise<void>;
  /** The roster as plain data: founder, open flag, members with fingerprints, removed, rejected ops, refused peers. */
  members(): Promise<MembersView>;
  /** Removes a member (a remove op); refuses a non-member and the founder removing itself. */
  removeMember(nodeId: string): Promise<void>;
}

/** The state of the link to one peer, as `window.lattice.peers()` reports it (fixed names). */
export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'refused';

/** What the page knows about one link (PeerView adds what the worker's sync session knows). */
export interface LinkView {
  readonly id: NodeId;
  readonly state: LinkState;
  /** Bytes received and sent on the data channel (every channel, framing byte included). */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Epoch ms the current connection opened; undefined unless connected. */
  readonly connectedSince: number | undefined;
  /** Bytes waiting to go out: the data channel's buffer plus our queue. */
  readonly bufferedAmount: number;
  /** Whether we opened the connection (the lower node id does, to avoid glare). */
  readonly initiator: boolean;
  /** Failed attempts since the last success (drives the backoff). */
  readonly attempts: number;
  /** How signaling last reached this peer. */
  readonly via: string | undefined;
  /** Why the last connection ended. */
  readonly lastError: string | undefined;
  /** Opened by manual pairing (text / QR). */
  readonly paired: boolean;
}

/** One peer as `window.lattice.peers()` reports it: the page's link joined with the worker's sync session. */
export interface PeerView extends LinkView {
  /** Round trip of the sync session's heartbeat over this link. */
  readonly rttMs: number | undefined;
  /** How old our copy of this peer's picture may be; undefined before the first completed sync. */
  readonly pictureAgeMs: number | undefined;
  /** 0..1: 1 once a reconciliation completed and live pushes keep us current; undefined without a session. */
  readonly syncProgress: number | undefined;
  /** The sync session's state (handshake, syncing, synced, dead, closed), if the worker has one. */
  readonly syncState: string | undefined;
  /** Versions stuck between us (PeerStats.stuck): the link is not shown synced while above zero. */
  readonly stuck: number;
  readonly clockSkewMs: number | undefined;
  readonly lastSyncAt: number | undefined;
  readonly versionsIn: number;
  readonly versionsOut: number;
}

export interface MeshStatus extends SyncStatus {
  /** Links by state, as the page sees them. */
  readonly links: Readonly<Record<LinkState, number>>;
}

/** Serverless pairing by two texts (or QR codes) carried between devices. */
export interface PairingApi {
  /** Makes an offer to show as text or QR; a later call replaces an unanswered one. */
  createOffer(): Promise<string>;
  /** Answers another device's offer; returns the answer text to carry back. */
  acceptOffer(offer: string): Promise<string>;
  /** Completes our offer with the other device's answer; resolves with the peer's node id. */
  acceptAnswer(answer: string): Promise<NodeId>;
  /** Drops an unanswered offer. */
  cancel(): void;
}

/** securityStats() on the handle: the worker's SecurityStats, plus what the page's mesh refused. */
export interface HandleSecurityStats extends SecurityStats {
  /**
   * Signals refused or dropped by the page, by reason: each signaling path's refusals at its
   * boundary (signaling()[].invalid, summed over paths) and the link manager's drops (a stale or
   * spoofed announce, offer, answer or candidate, a refused peer, glare, a frame too large...).
   * Empty until the mesh has started.
   */
  readonly signals: Readonly<Record<string, number>>;
}

/** The mesh part of `window.lattice`. */
export interface MeshApi {
  peers(): Promise<PeerView[]>;
  /** Cuts the link to one peer, or every link, and refuses reconnection until heal(). */
  partition(peerId?: string): Promise<void>;
  heal(peerId?: string): Promise<void>;
  syncStatus(): Promise<MeshStatus>;
  /**
   * Versions refused on ingest by reason, verifications, keys, limits hit, peers penalised (the
   * worker's), and the signals the page refused (docs/security.md).
   */
  securityStats(): Promise<HandleSecurityStats>;
  /** Signaling paths and what each carried or dropped. */
  signaling(): Promise<SignalingStats[]>;
  readonly pairing: PairingApi;
}
