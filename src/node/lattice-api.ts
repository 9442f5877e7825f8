import type { NodeId } from '../core/ids';
import type { SignalingStats } from '../ports/signaling';
import type { SyncStatus } from './mesh';
import type { NodeApi, NodeInfo } from './node-api';

/**
 * `window.lattice`, declared once: the node's API (NodeApi) plus the page's mesh. The page builds
 * it (src/app), the UI takes it (src/ui) without knowing who built it. Names are fixed: see the
 * README's "Automation handle".
 */
export interface LatticeApi extends NodeApi, MeshApi {
  /** Resolves once the node has loaded its store; rejects if the worker could not start. */
  readonly ready: Promise<NodeInfo>;
  /** Undefined before `ready`. */
  readonly nodeId: NodeId | undefined;
  readonly lattice: string;
}

/** The state of the link to one peer, as `window.lattice.peers()` reports it (fixed names). */
export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'refused';

/** One peer as `window.lattice.peers()` reports it: the page's link joined with the worker's sync session. */
export interface PeerView {
  readonly id: NodeId;
  /** Exactly one of 'connecting' | 'connected' | 'disconnected' | 'refused'. */
  readonly state: LinkState;
  /** Round trip of the sync session's heartbeat over this link. */
  readonly rttMs: number | undefined;
  /** Bytes on the wire, every channel. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** How old our copy of this peer's picture may be; undefined before the first completed sync. */
  readonly pictureAgeMs: number | undefined;
  /** 0..1: 1 once a reconciliation completed and live pushes keep us current; undefined without a session. */
  readonly syncProgress: number | undefined;
  /** The sync session's state (handshake, syncing, synced, dead, closed), if the worker has one. */
  readonly syncState: string | undefined;
  readonly connectedSince: number | undefined;
  readonly bufferedAmount: number;
  readonly initiator: boolean;
  readonly attempts: number;
  readonly via: string | undefined;
  readonly lastError: string | undefined;
  readonly paired: boolean;
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

/** The mesh part of `window.lattice`. */
export interface MeshApi {
  peers(): Promise<PeerView[]>;
  /** Cuts the link to one peer, or every link, and refuses reconnection until heal(). */
  partition(peerId?: string): Promise<void>;
  heal(peerId?: string): Promise<void>;
  syncStatus(): Promise<MeshStatus>;
  /** Signaling paths and what each carried or dropped. */
  signaling(): Promise<SignalingStats[]>;
  readonly pairing: PairingApi;
}
