import * as Comlink from 'comlink';
import type { NodeId } from '../core/ids';
import type {
  ChangeBatch,
  CreateInput,
  EntityView,
  HeadView,
  NodeInfo,
  NodeStats,
  Query,
  UpdateOptions,
} from '../node/node-api';
import type { WorkerApi } from '../../workers/worker-api';
import { createMeshHandle, type MeshHandle } from './mesh/mesh-handle';
import type { Mesh } from './mesh/start-mesh';

/**
 * `window.lattice`: the node's API for the console and for end-to-end scripts. The method names
 * are fixed; see the README for each method's errors.
 */
export interface LatticeHandle extends MeshHandle {
  readonly ready: Promise<NodeInfo>;
  readonly nodeId: NodeId | undefined;
  readonly lattice: string;
  info(): Promise<NodeInfo>;
  create(input: CreateInput): Promise<EntityView>;
  update(id: string, components: Readonly<Record<string, unknown>>, options?: UpdateOptions): Promise<EntityView>;
  remove(id: string): Promise<void>;
  get(id: string): Promise<EntityView | undefined>;
  list(filter?: Query): Promise<EntityView[]>;
  watch(callback: (batch: ChangeBatch) => void): () => void;
  heads(id: string, componentKey: string): Promise<HeadView[]>;
  stats(): Promise<NodeStats>;
  acceptHeld(author: string): Promise<number>;
}

/**
 * `startMesh` opens the WebRTC mesh once the node knows its id (the page passes it; without it the
 * mesh methods reject).
 */
export function createLatticeHandle(
  remote: Comlink.Remote<WorkerApi>,
  lattice: string,
  preferredId?: string,
  startMesh?: (info: NodeInfo) => Mesh,
): LatticeHandle {
  let nodeId: NodeId | undefined;
  const ready = remote.start({ lattice, ...(preferredId === undefined ? {} : { preferredId }) }).then((info) => {
    nodeId = info.nodeId;
    return info;
  });
  const mesh = ready.then((info) => {
    if (startMesh === undefined) throw new Error('this page runs without a mesh');
    return startMesh(info);
  });
  // Rejections surface through the mesh methods; do not report them as unhandled here.
  mesh.catch(() => undefined);
  const after = async <T>(call: () => Promise<T>): Promise<T> => {
    await ready;
    return call();
  };
  return {
    ...createMeshHandle(mesh, remote),
    ready,
    get nodeId() {
      return nodeId;
    },
    lattice,
    info: () => after(() => remote.info()),
    create: (input) => after(() => remote.create(input)),
    update: (id, components, options) => after(() => remote.update(id, components, options)),
    remove: (id) => after(() => remote.remove(id)),
    get: (id) => after(() => remote.get(id)),
    list: (filter) => after(() => remote.list(filter)),
    heads: (id, kind) => after(() => remote.heads(id, kind)),
    stats: () => after(() => remote.stats()),
    acceptHeld: (author) => after(() => remote.acceptHeld(author)),
    watch(callback) {
      let unsubscribe: (() => void) | undefined;
      let cancelled = false;
      void ready.then(async () => {
        const remoteUnsubscribe = await remote.watch(Comlink.proxy(callback));
        if (cancelled) void remoteUnsubscribe();
        else unsubscribe = () => void remoteUnsubscribe();
      });
      return () => {
        cancelled = true;
        unsubscribe?.();
      };
    },
  };
}
