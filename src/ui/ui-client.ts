import type { ChangeBatch, NodeApi } from '../node/node-api';

/**
 * What the UI needs from a node: its API plus a live change feed. `window.lattice` (the page's
 * handle onto the worker) satisfies it; tests pass an in-memory fake.
 */
export type UiClient = NodeApi & {
  /** Calls `cb` with every batch of changed and removed entities; returns the unsubscribe function. */
  watch(cb: (batch: ChangeBatch) => void): () => void;
};

/** The part of the client the entity form uses. */
export type FormClient = Pick<UiClient, 'create' | 'update' | 'remove'>;

/** The part of the client the inspector uses. */
export type HeadsClient = Pick<UiClient, 'heads'>;
