import type { NodeApi } from '../node/node-api';

/**
 * What the UI needs from a node: its API with the live change feed, as declared in node-api.ts.
 * `window.lattice` (the page's handle onto the worker) provides it; tests pass a LatticeNode.
 */
export type UiClient = NodeApi;

/** The part of the client the entity form uses. */
export type FormClient = Pick<UiClient, 'create' | 'update' | 'remove'>;

/** The part of the client the inspector uses: heads to show a conflict, update to resolve it. */
export type HeadsClient = Pick<UiClient, 'heads' | 'update'>;
