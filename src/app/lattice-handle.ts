import * as Comlink from 'comlink';
import type { NodeId } from '../core/ids';
import { forwardCalls } from '../node/forward-calls';
import type { LatticeApi } from '../node/lattice-api';
import { NODE_CALLS, type ChangeBatch, type CompactBatch, type NodeInfo, type WatchOptions } from '../node/node-api';
import { BATCHED_CALLS, type BatchedCallName, type WorkerApi } from '../node/worker-api';
import { CallBatcher } from './call-batcher';
import { createMeshHandle } from './mesh/mesh-handle';
import type { Mesh } from './mesh/start-mesh';
import { createRosterHandle, type JoinOptions } from './roster-handle';

/** `window.lattice`: declared once as LatticeApi (src/node/lattice-api.ts); see the README for each method's errors. */
export type LatticeHandle = LatticeApi;

/**
 * Builds `window.lattice` over the worker. The node's calls are forwarded generically (each waits
 * for the node to start); only `watch` and `watchCompact` need care, as their callbacks cross as comlink proxies.
 * `startMesh` opens the WebRTC mesh once the node knows its id (the page passes it; without it the
 * mesh methods reject).
 */
export function createLatticeHandle(
  remote: Comlink.Remote<WorkerApi>,
  lattice: string,
  preferredId?: string,
  startMesh?: (info: NodeInfo) => Mesh,
  joining: JoinOptions = {},
): LatticeHandle {
  let nodeId: NodeId | undefined;
  const start = {
    lattice,
    ...(preferredId === undefined ? {} : { preferredId }),
    ...(joining.invitation === undefined ? {} : { invitation: joining.invitation }),
    ...(joining.open === undefined ? {} : { open: joining.open }),
  };
  const ready = remote.start(start).then((info) => {
    nodeId = info.nodeId;
    return info;
  });
  const mesh = ready.then((info) => {
    if (startMesh === undefined) throw new Error('this page runs without a mesh');
    return startMesh(info);
  });
  // Rejections surface through the mesh methods; do not report them as unhandled here.
  mesh.catch(() => undefined);
  /** Subscribes `callback` (as a comlink proxy) once the node has started; the unsubscribe works at once. */
  const subscribe = <B>(
    watch: (proxied: (batch: B) => void) => Promise<() => void>,
    callback: (batch: B) => void,
  ): (() => void) => {
    let unsubscribe: (() => void) | undefined;
    let cancelled = false;
    void ready.then(async () => {
      const remoteUnsubscribe = await watch(Comlink.proxy(callback));
      if (cancelled) void remoteUnsubscribe();
      else unsubscribe = () => void remoteUnsubscribe();
    });
    return () => {
      cancelled = true;
      unsubscribe?.();
    };
  };
  // The node's writes of one task cross as one message (call-batcher.ts); every other call first
  // sends what waits, so the worker sees the calls in the order they were made.
  const batcher = new CallBatcher((calls) => remote.callMany(calls));
  const batched = new Set<string>(BATCHED_CALLS);
  const viaBatcher = Object.fromEntries(
    BATCHED_CALLS.map((name: BatchedCallName) => [name, (...args: unknown[]) => batcher.call(name, args)]),
  ) as unknown as Comlink.Remote<WorkerApi>;
  const flushingFirst = Object.fromEntries(
    NODE_CALLS.map((name) => [
      name,
      (...args: unknown[]) => {
        batcher.flush();
        return Reflect.apply(remote[name] as (...a: unknown[]) => unknown, remote, args);
      },
    ]),
  ) as unknown as Comlink.Remote<WorkerApi>;
  return {
    ...createMeshHandle(mesh, remote),
    ...createRosterHandle(async () => {
      await ready;
      // A roster change goes after the writes made before it (a removal after an update).
      batcher.flush();
      return remote;
    }, joining),
    ...forwardCalls(async (name) => {
      await ready;
      return batched.has(name) ? viaBatcher : flushingFirst;
    }),
    // The worker checks the shape (link-shape-args.ts) and applies it to its links.
    shapeLinks: (shape) => remote.shapeLinks(shape),
    ready,
    get nodeId() {
      return nodeId;
    },
    lattice,
    watch(callback: (batch: ChangeBatch) => void, options?: WatchOptions) {
      return subscribe((proxied) => remote.watch(proxied, options), callback);
    },
    watchCompact(callback: (batch: CompactBatch) => void) {
      return subscribe((proxied) => remote.watchCompact(proxied), callback);
    },
  };
}
