import { ValidationError } from '../core/errors';
import type { LinkShape } from '../core/budget/link-shaper';
import { packViews } from '../core/feed/packed-views';
import type { EntityView } from '../core/store/entity-view';
import { asNodeId, type NodeId } from '../core/ids';
import type { AcceptLink } from '../ports/transport';
import { forwardCalls } from './forward-calls';
import { checkLinkShape } from './link-shape-args';
import type { LatticeNode } from './lattice-node';
import type { MeshNode } from './mesh';
import type { RosterService } from './roster/roster-service';
import type { ChangeBatch, CompactBatch, WatchOptions } from './node-api';
import {
  BATCHED_CALLS,
  MAX_CALLS_PER_MESSAGE,
  type BatchedCall,
  type CallOutcome,
  type StartOptions,
  type WorkerApi,
} from './worker-api';
import { serveCompact } from './watchers';
import { WatchRelay } from './watch-relay';

/** A started node and its mesh. */
export interface RunningNode {
  readonly node: LatticeNode;
  readonly mesh: MeshNode;
  /** The roster: founding, the ingest gate, admissions, invitations (src/node/roster). */
  readonly roster: RosterService;
}

/** What the worker plugs in: everything that touches the browser, storage or comlink. */
export interface WorkerApiDeps {
  /** Opens the node and its mesh; called once, by the first start(). */
  open(options: StartOptions): Promise<RunningNode>;
  /** Hands the mesh a link over a transferred port (the worker's PortLink). */
  attachPort(peer: NodeId, port: MessagePort, accept: AcceptLink): void;
  /** Shapes every link, open or to come (`null`: none); the shape is checked before it comes here. */
  shapeLinks(shape: LinkShape | null): void;
  /** Marks a function to travel by reference, not by copy (comlink's `proxy`). */
  proxy<T extends object>(value: T): T;
  /** Marks buffers of a value to be moved, not copied, when it crosses (comlink's `transfer`). */
  transfer<T>(value: T, buffers: ArrayBuffer[]): T;
  readonly log: (message: string, detail?: unknown) => void;
}

/**
 * The object the node worker serves over comlink: every node call forwarded to the running node
 * (rejecting before start()), plus the page's plumbing. The worker file only wires comlink and
 * start-up around it, so tests serve the same object.
 */
export function createWorkerApi(deps: WorkerApiDeps): WorkerApi {
  let starting: Promise<RunningNode> | undefined;
  let running: RunningNode | undefined;

  const started = (): RunningNode => {
    if (running === undefined) throw new Error('the node has not started');
    return running;
  };

  const calls = forwardCalls(() => started().node);
  const batched = new Set<string>(BATCHED_CALLS);

  return {
    ...calls,
    async callMany(list: readonly BatchedCall[]) {
      if (!Array.isArray(list) || list.length > MAX_CALLS_PER_MESSAGE)
        throw new ValidationError(`callMany: expected at most ${MAX_CALLS_PER_MESSAGE} calls`);
      // All started in this one task, in order: their commits share one signing round and one
      // storage commit (GroupSigner, the write-behind), as one call of writeMany's would.
      const settled = await Promise.allSettled(
        list.map((c: BatchedCall) => {
          if (typeof c !== 'object' || c === null || !batched.has(c.name) || !Array.isArray(c.args))
            return Promise.reject(new ValidationError('callMany: each call is {name, args} of a batched write'));
          return Reflect.apply(calls[c.name], calls, c.args) as Promise<unknown>;
        }),
      );
      // The views (create's and update's values) cross as rows of one moved buffer (packed-views.ts).
      const views: EntityView[] = [];
      const outcomes = settled.map((s, i): CallOutcome => {
        if (s.status === 'rejected') return failed(s.reason);
        if (!VIEW_CALLS.has(list[i]!.name) || !isView(s.value)) return { ok: true, value: s.value };
        views.push(s.value);
        return { ok: true, row: views.length - 1 };
      });
      if (views.length === 0) return { outcomes };
      const packed = packViews(views);
      return deps.transfer({ outcomes, views: packed }, [packed.buffer]);
    },
    async start(options) {
      starting ??= deps.open(options).then((r) => (running = r));
      return (await starting).node.info();
    },
    async attachLink(peer: string, port: MessagePort) {
      const id = asNodeId(peer);
      if (!(port instanceof MessagePort)) throw new ValidationError('attachLink: expected a transferred MessagePort');
      if (starting === undefined) throw new Error('the node has not started');
      const { node, mesh } = await starting;
      // Nothing is served before the stored proofs are checked (docs/security.md, "Stored proofs on
      // load"): the open restores the store at once and checks them after; the link waits for that.
      await node.storedChecked();
      // The link hands itself to the mesh; the page closes the port when the data channel goes.
      deps.attachPort(id, port, mesh.accept);
    },
    // Before start too: the links to come are shaped from their first frame.
    shapeLinks: async (shape: unknown) => deps.shapeLinks(checkLinkShape(shape)),
    invite: (base: string) => started().roster.invite(base),
    members: () => started().roster.members(),
    removeMember: (nodeId: string) => started().roster.removeMember(nodeId),
    meshPeers: async () => started().mesh.peers(),
    syncStatus: async () => started().mesh.syncStatus(),
    securityStats: async () => started().mesh.securityStats(),
    disconnectPeer: async (peer: string) => started().mesh.disconnect(asNodeId(peer), 'disconnected by the operator'),
    watch(listener: (batch: ChangeBatch) => void, options?: WatchOptions) {
      // Over comlink the listener is a proxy: its call settles once the page has taken the batch
      // (a closed page makes it reject, not throw). One batch in flight per watcher (WatchRelay).
      const { node } = started();
      const relay = new WatchRelay(
        listener,
        (error) => deps.log('watcher unreachable', error),
        async () => {
          const [approvals, tasks] = await Promise.all([node.approvals(), node.tasks()]);
          return { approvals, tasks };
        },
      );
      const off = node.watch((batch) => relay.push(batch), options);
      return deps.proxy(() => {
        off();
        relay.close();
      });
    },
    watchCompact(listener: (batch: CompactBatch) => void) {
      // One feed per watcher, the picture first; each batch's buffer moves to the page instead of being copied.
      const off = serveCompact(
        started().node,
        (batch) => listener(deps.transfer(batch, [batch.buffer])),
        (error) => deps.log('watcher unreachable', error),
      );
      return deps.proxy(off);
    },
  };
}

/** The batched calls whose value is the entity's view (LatticeNode.create, update). */
const VIEW_CALLS = new Set<string>(['create', 'update']);

const isView = (x: unknown): x is EntityView =>
  typeof x === 'object' && x !== null && typeof (x as { id?: unknown }).id === 'string';

/** A call's failure as comlink would carry its thrown Error: the name and message. */
function failed(reason: unknown): CallOutcome {
  if (reason instanceof Error) return { ok: false, name: reason.name, message: reason.message };
  return { ok: false, name: 'Error', message: String(reason) };
}
