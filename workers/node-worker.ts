/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { acquireIdentity, type HeldIdentity } from '../src/adapters/identity/acquire-identity';
import { openIdbStorage } from '../src/adapters/idb/open-idb-storage';
import { ValidationError } from '../src/core/errors';
import { LatticeNode } from '../src/node/lattice-node';
import type { ChangeBatch, CreateInput, Query, UpdateOptions } from '../src/node/node-api';
import type { StartOptions, WorkerApi } from './worker-api';

const TICK_MS = 1000;
const CHANGE_BATCH_MS = 16;
const LATTICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

let node: LatticeNode | undefined;
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
  const storage = await openIdbStorage(`lattice-mesh:${options.lattice}:${nodeId}`);
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
  node = opened;
  return opened;
}

function running(): LatticeNode {
  if (node === undefined) throw new Error('the node has not started');
  return node;
}

const api: WorkerApi = {
  async start(options) {
    starting ??= start(options);
    return (await starting).info();
  },
  info: () => running().info(),
  create: (input: CreateInput) => running().create(input),
  update: (id: string, components: Readonly<Record<string, unknown>>, options?: UpdateOptions) =>
    running().update(id, components, options),
  remove: (id: string) => running().remove(id),
  get: (id: string) => running().get(id),
  list: (filter?: Query) => running().list(filter),
  heads: (id: string, kind: string) => running().heads(id, kind),
  stats: () => running().stats(),
  acceptHeld: (author: string) => running().acceptHeld(author),
  watch(listener: (batch: ChangeBatch) => void) {
    const unsubscribe = running().watch((batch) => {
      Promise.resolve(listener(batch)).catch((error: unknown) => log('watcher unreachable', error));
    });
    return Comlink.proxy(unsubscribe);
  },
};

Comlink.expose(api);
