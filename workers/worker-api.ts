import type { PeerStats } from '../src/core/sync';
import type { SyncStatus } from '../src/node/mesh';
import type { ChangeBatch, NodeApi, NodeInfo } from '../src/node/node-api';

export interface StartOptions {
  readonly lattice: string;
  /** This tab's previous node id (sessionStorage), to get the same identity back on reload. */
  readonly preferredId?: string;
}

/** What the node worker exposes over comlink. */
export interface WorkerApi extends NodeApi {
  start(options: StartOptions): Promise<NodeInfo>;
  /** Registers a (comlink-proxied) listener; returns a proxied unsubscribe function. */
  watch(listener: (batch: ChangeBatch) => void): () => void;
  /**
   * Hands the worker's mesh one WebRTC link: the page keeps the data channel and moves its sync
   * frames over this (transferred) port. See src/adapters/port-link.ts.
   */
  attachLink(peer: string, port: MessagePort): Promise<void>;
  /** Sync sessions per linked peer (state, RTT, picture age, progress, traffic). */
  meshPeers(): Promise<PeerStats[]>;
  syncStatus(): Promise<SyncStatus>;
  /** Closes the sync session with a peer; true if there was one. */
  disconnectPeer(peer: string): Promise<boolean>;
}
