/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { acquireIdentity, type HeldIdentity } from '../src/adapters/identity/acquire-identity';
import { openIdbStorage } from '../src/adapters/idb/open-idb-storage';
import { PortLink } from '../src/adapters/port-link';
import { ValidationError } from '../src/core/errors';
import { asNodeId } from '../src/core/ids';
import { LatticeNode } from '../src/node/lattice-node';
import { MeshNode } from '../src/node/mesh';
import { forwardCalls } from '../src/node/forward-calls';
import type { ChangeBatch } from '../src/node/node-api';
import type { StartOptions, WorkerApi } from '../src/node/worker-api';
import { LATTICE_NAME } from '../src/ports/signaling';

const TICK_MS = 1000;
/** Sync sessions resume flow-controlled sends and run heartbeats on this beat. */
const MESH_TICK_MS = 50;
const CHANGE_BATCH_MS = 16;

let node: LatticeNode | undefined;
let mesh: MeshNode | undefined;
// Held for the life of the worker: the lock is released when the tab goes away.
let identity: HeldIdentity | undefined;
let starting: Promise<LatticeNode> | undefined;

function log(message: string, detail?: unknown): void {
  console.warn(`[lattice node] ${message}`, detail ?? '');
}

async function start(options: StartOptions): Promise<LatticeNode> {
  if (!LATTICE_NAME.test(options.lattice)) {
    throw new ValidationError(`invalid lattice name ${JSON.stringify(options.lattice)}: 1-32 of [A-Za-z0-9_-]`);
  }
  identity = await acquireIdentity(options.preferredId, Date.now());
  const nodeId = identity.key.nodeId;
  const storage = await openIdbStorage(`lattice-mesh:${options.lattice}:${nodeId}`, {
    onEvent: (event) => {
      log(`storage: ${event.message}`);
      // A closed database takes no more writes: the operator must see it, not only the console.
      if (event.type === 'closed') node?.reportStorage('error', event.message);
    },
  });
  const opened = await LatticeNode.open({
    nodeId,
    lattice: options.lattice,
    storage,
    backend: 'indexeddb',
    now: () => Date.now(),
    newId: () => crypto.randomUUID(),
    scheduleChanges: (fn) => setTimeout(fn, CHANGE_BATCH_MS),
    log,
  });
  setInterval(() => opened.tick(), TICK_MS);
  const meshNode = new MeshNode({
    node: opened,
    now: () => Date.now(),
    // Round trips are timed on the monotonic clock: a wall-clock step must not show as RTT.
    session: { monotonic: () => performance.now() },
    log: (m, d) => log(`mesh: ${m}`, d),
  });
  setInterval(() => meshNode.tick(), MESH_TICK_MS);
  mesh = meshNode;
  node = opened;
  return opened;
}

function runningMesh(): MeshNode {
  if (mesh === undefined) throw new Error('the node has not started');
  return mesh;
}

function running(): LatticeNode {
  if (node === undefined) throw new Error('the node has not started');
  return node;
}

const api: WorkerApi = {
  // Every node call goes to the running node; before start() it rejects.
  ...forwardCalls(() => running()),
  async start(options) {
    starting ??= start(options);
    return (await starting).info();
  },
  async attachLink(peer: string, port: MessagePort) {
    const id = asNodeId(peer);
    if (!(port instanceof MessagePort)) throw new ValidationError('attachLink: expected a transferred MessagePort');
    if (starting === undefined) throw new Error('the node has not started');
    await starting;
    // The PortLink hands itself to the mesh; the page closes the port when the data channel goes.
    new PortLink({ peer: id, port, accept: runningMesh().accept, log: (m, d) => log(m, d) });
  },
  meshPeers: async () => runningMesh().peers(),
  syncStatus: async () => runningMesh().syncStatus(),
  disconnectPeer: async (peer: string) => runningMesh().disconnect(asNodeId(peer), 'disconnected by the operator'),
  watch(listener: (batch: ChangeBatch) => void) {
    const unsubscribe = running().watch((batch) => {
      Promise.resolve(listener(batch)).catch((error: unknown) => log('watcher unreachable', error));
    });
    return Comlink.proxy(unsubscribe);
  },
};

Comlink.expose(api);
