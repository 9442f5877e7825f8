import { MemoryStorage } from '../../../src/adapters/memory-storage';
import { validateComponent } from '../../../src/core/entity/validate-component';
import { asEntityId, asNodeId, asUserKind, type NodeId } from '../../../src/core/ids';
import { forwardCalls } from '../../../src/node/forward-calls';
import { LatticeNode } from '../../../src/node/lattice-node';
import type { NodeCallName, StorageStatus } from '../../../src/node/node-api';
import type { Signer } from '../../../src/ports/signer';
import type { UiClient } from '../../../src/ui/ui-client';

export interface TestNodeOptions {
  readonly nodeId?: string;
  readonly lattice?: string;
  /** A memory quota in bytes: commits that need more fail with StorageFullError, as a full IndexedDB does. */
  readonly quotaBytes?: number;
  /** The storage label the header shows (the preview poses as an IndexedDB node). */
  readonly backend?: StorageStatus['backend'];
  /** Signs the node's own writes (as the worker's node does); without it they go unsigned. */
  readonly signer?: Signer;
}

/** A node call that changes the picture, as the UI (or the test) made it. */
export interface WriteCall {
  readonly method: NodeCallName;
  readonly args: readonly unknown[];
}

/** The UI's client: a real LatticeNode over MemoryStorage, in the page, with its calls recorded. */
export interface TestNode extends UiClient {
  readonly nodeId: NodeId;
  readonly node: LatticeNode;
  /** Every create, update, remove and acceptHeld, in order. */
  readonly writes: WriteCall[];
  /**
   * A write from another node that had not seen ours (`seen` empty), merged by the node's remote
   * path: with a local write to the same component it makes a conflict.
   */
  remoteWrite(id: string, kind: string, value: unknown, author: string, at?: number): void;
  /** Waits until every write so far is committed and its watch batch delivered. */
  settle(): Promise<void>;
}

const RECORDED: ReadonlySet<NodeCallName> = new Set(['create', 'update', 'remove', 'acceptHeld']);

export async function openTestNode(options: TestNodeOptions = {}): Promise<TestNode> {
  let n = 0;
  const node = await LatticeNode.open({
    nodeId: asNodeId(options.nodeId ?? 'testNodeAAAAAAAAAAAAAAAAAAAAAAAA'),
    lattice: options.lattice ?? 'test-lattice',
    storage: new MemoryStorage(options.quotaBytes === undefined ? {} : { quotaBytes: options.quotaBytes }),
    backend: options.backend ?? 'memory',
    now: () => Date.now(),
    newId: () => `e-${++n}`,
    // A macrotask, as the worker's 16 ms timer: batches never arrive inside the write's own turn.
    scheduleChanges: (fn) => setTimeout(fn, 0),
    ...(options.signer === undefined ? {} : { signer: options.signer }),
  });
  const writes: WriteCall[] = [];
  return {
    ...forwardCalls((method, args) => {
      if (RECORDED.has(method)) writes.push({ method, args });
      return node;
    }),
    watch: (listener, options) => node.watch(listener, options),
    watchCompact: (listener) => node.watchCompact(listener),
    nodeId: node.nodeId,
    node,
    writes,
    remoteWrite(id, kind, value, author, at = Date.now()) {
      node.applyRemote([
        {
          entity: asEntityId(id),
          kind: asUserKind(kind),
          value: validateComponent(kind, value),
          ts: { ms: at, c: 0, node: asNodeId(author) },
          seen: [],
        },
      ]);
    },
    async settle() {
      await node.flushed();
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
}
