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
}
