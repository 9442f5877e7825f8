/** Test helper (not a test file): real LatticeNodes over MemoryStorage, meshed by a MemoryNetwork on a virtual clock. */
import { createMemoryBacking, MemoryStorage, type MemoryBacking } from '../../../../src/adapters/memory-storage';
import { MemoryNetwork, type MemoryNetworkOptions } from '../../../../src/adapters/memory-transport';
import { mulberry32 } from '../../../../src/core/random/mulberry32';
import { encodeTs } from '../../../../src/core/clock/timestamp';
import type { NodeId } from '../../../../src/core/ids';
import { MessageType, SessionState } from '../../../../src/core/sync';
import { peekMessage } from '../../../../src/core/sync/codec';
import { MinHeap } from '../../../../src/core/collections/min-heap';
import type { LinkShape } from '../../../../src/core/budget/link-shaper';
import { shapedAccept, type ShapedLink } from '../../../../src/adapters/shaped-link';
import type { AcceptLink } from '../../../../src/ports/transport';
import type { StorageBatch } from '../../../../src/ports/storage';
import { LatticeNode } from '../../../../src/node/lattice-node';
import type { Scheduler } from '../../../../src/node/scheduler';
import { MeshNode, type MeshNodeOptions, type SessionTuning } from '../../../../src/node/mesh';
import type { MeshSecurity } from '../../../../src/node/security/mesh-security';
import type { RegisterLimits } from '../../../../src/node/security/new-entity-limit';
import { testIdentity, testSecurity } from '../../support/test-keys';

/** Pings and pongs never stop on an open link: settle() waits for everything else. */
function isHeartbeat(frame: Uint8Array): boolean {
  const type = peekMessage(frame)?.type;
  return type === MessageType.Ping || type === MessageType.Pong;
}

export const T0 = 1_700_000_000_000;

/** A commit a test holds open (CrashableStorage.hold): it lands or fails when the test says. */
export interface HeldCommit {
  readonly batch: StorageBatch;
  /** Commits it now; settles as the storage's commit does. */
  land(): void;
  /** Rejects it, storing nothing (the write-behind carries it into its next commit and retries). */
  fail(error: Error): void;
}

/**
 * Memory storage a crash can cut off: from then on its commits never land (nor settle). While
 * `held` is set, commits wait there, in order, for the test to land or fail them.
 */
class CrashableStorage extends MemoryStorage {
  dead = false;
  held: HeldCommit[] | undefined;

  override commit(batch: StorageBatch): Promise<void> {
    if (this.dead) return new Promise<void>(() => undefined);
    const held = this.held;
    if (held === undefined) return super.commit(batch);
    return new Promise<void>((resolve, reject) => {
      held.push({ batch, land: () => void super.commit(batch).then(resolve, reject), fail: reject });
    });
  }

  /** Holds every commit from now on until release(). */
  hold(): void {
    this.held ??= [];
  }

  /** Commits land at once again; those held so far land now, in order. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const c of held) c.land();
  }
}

export interface SimNode {
  readonly id: NodeId;
  node: LatticeNode;
  mesh: MeshNode;
  security: MeshSecurity;
  readonly backing: MemoryBacking;
  /** The storage the open node writes through (a crash cuts it off). */
  storage: CrashableStorage;
  /** This node's wall clock is the virtual clock plus this offset (clock skew). */
  offsetMs: number;
  online: boolean;
  logs: string[];
}

export interface MeshSimOptions {
  readonly seed: number;
  readonly net?: Omit<MemoryNetworkOptions, 'seed'>;
  readonly session?: SessionTuning;
  /** Virtual ms per network step (default 5) and between ticks (default 50). */
  readonly stepMs?: number;
  readonly tickMs?: number;
  readonly maxSkewMs?: number;
  readonly maxLinks?: number;
  /** Passed to each MeshNode: our own writes gathered for this long go live in one push. */
  readonly coalesceLocalMs?: number;
  /** Makes each direction a thin link (the LinkShaper as a transport decorator); `from` sends. */
  readonly shape?: (from: NodeId, to: NodeId) => LinkShape;
  /** Each node's bound on new registers per author (default DEFAULT_REGISTER_LIMITS). */
  readonly registerLimits?: RegisterLimits;
  /** Each node's bounds of the live classes' queues per link (MeshNodeOptions.queueLimits). */
  readonly queueLimits?: MeshNodeOptions['queueLimits'];
}

const key = (a: NodeId, b: NodeId): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

export class MeshSim {
  clock = T0;
  readonly net: MemoryNetwork;
  readonly nodes = new Map<NodeId, SimNode>();
  /** The topology: links the "main thread" keeps (re)connecting while both ends are online and not partitioned. */
  readonly edges = new Set<string>();
  readonly random: () => number;
  private readonly stepMs: number;
  private readonly tickMs: number;
  private lastTick = T0;
  private counter = 0;
  /** Virtual timers (the links' budgeter wake-ups), run by step() when their time comes. */
  private readonly timers = new MinHeap<{ at: number; seq: number; fn: () => void; live: boolean }>(
    (a, b) => a.at - b.at || a.seq - b.seq,
  );
  private timerSeq = 0;
  readonly scheduler: Scheduler = {
    after: (ms, fn) => {
      const t = { at: this.clock + Math.max(0, ms), seq: this.timerSeq++, fn, live: true };
      this.timers.push(t);
      return () => {
        t.live = false;
      };
    },
  };

  constructor(private readonly options: MeshSimOptions) {
    this.net = new MemoryNetwork({ seed: options.seed, background: isHeartbeat, ...options.net });
    this.random = mulberry32(options.seed ^ 0x5eed);
    this.stepMs = options.stepMs ?? 5;
    this.tickMs = options.tickMs ?? 50;
  }

  async add(id: string, offsetMs = 0): Promise<SimNode> {
    const sim: SimNode = {
      id: id as NodeId,
      backing: createMemoryBacking(),
      offsetMs,
      online: true,
      logs: [],
    } as unknown as SimNode;
    await this.open(sim);
    this.nodes.set(sim.id, sim);
    return sim;
  }

  private async open(sim: SimNode): Promise<void> {
    const now = (): number => this.clock + sim.offsetMs;
    sim.node = await LatticeNode.open({
      nodeId: sim.id,
      lattice: 'test',
      storage: (sim.storage = new CrashableStorage({ backing: sim.backing })),
      backend: 'memory',
      now,
      newId: () => `e${++this.counter}`,
      scheduleChanges: (fn) => fn(),
      signer: testIdentity(sim.id).signer,
      ...(this.options.maxSkewMs === undefined ? {} : { maxSkewMs: this.options.maxSkewMs }),
    });
    const log = (m: string): void => {
      if (sim.logs.length < 500) sim.logs.push(m);
    };
    sim.mesh = new MeshNode({
      node: sim.node,
      // Real Ed25519 keys and checks; a node's key stands for its name (test-keys.ts, syncVerifier).
      security: (sim.security = await testSecurity(sim.id, now, 'named', log, sim.node, this.options.registerLimits)),
      now,
      budgets: sim.node.budgets,
      scheduler: this.scheduler,
      ...(this.options.maxLinks === undefined ? {} : { maxLinks: this.options.maxLinks }),
      ...(this.options.queueLimits === undefined ? {} : { queueLimits: this.options.queueLimits }),
      ...(this.options.coalesceLocalMs === undefined ? {} : { coalesceLocalMs: this.options.coalesceLocalMs }),
      ...(this.options.session === undefined ? {} : { session: this.options.session }),
      log: (m) => {
        if (sim.logs.length < 500) sim.logs.push(m);
      },
    });
  }

  get(id: string): SimNode {
    const n = this.nodes.get(id as NodeId);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Adds a topology edge and connects it now if possible. */
  link(a: string, b: string): void {
    this.edges.add(key(a as NodeId, b as NodeId));
    this.ensureLinks();
  }

  unlink(a: string, b: string): void {
    this.edges.delete(key(a as NodeId, b as NodeId));
    this.net.cut(a as NodeId, b as NodeId, 'unlinked');
  }

  /** What the page's connection manager does: reconnect every edge whose ends are both up. */
  ensureLinks(): void {
    for (const e of this.edges) {
      const [a, b] = e.split('|') as [NodeId, NodeId];
      const na = this.nodes.get(a);
      const nb = this.nodes.get(b);
      if (!na?.online || !nb?.online || this.net.isLinked(a, b) || this.net.isPartitioned(a, b)) continue;
      this.net.connect({ id: a, accept: this.accepting(na) }, { id: b, accept: this.accepting(nb) });
    }
  }

  /** Shaped links made so far (their stats count what went on the thin wire). */
  readonly shaped: { readonly from: NodeId; readonly link: ShapedLink }[] = [];

  private accepting(n: SimNode): AcceptLink {
    const shape = this.options.shape;
    if (shape === undefined) return n.mesh.accept;
    return shapedAccept(
      n.mesh.accept,
      (link) => shape(n.id, link.peer),
      () => this.clock + n.offsetMs,
      this.scheduler,
      (link) => this.shaped.push({ from: n.id, link }),
    );
  }

  /** Takes a node off the network (its links break at once). */
  offline(id: string): void {
    const n = this.get(id);
    n.online = false;
    for (const [a, b] of this.net.links()) if (a === n.id || b === n.id) this.net.cut(a, b, 'offline');
  }

  online(id: string): void {
    this.get(id).online = true;
    this.ensureLinks();
  }

  /** Closes a node's mesh and store (a closed tab) and reopens it over the same storage. */
  async restart(id: string): Promise<void> {
    const n = this.get(id);
    n.mesh.close();
    await n.node.close();
    await this.open(n);
    this.ensureLinks();
  }

  /**
   * A crashed tab reopened: nothing the node had not committed yet lands (its storage is cut off at
   * once, its links drop), and a new node opens over what the storage holds.
   */
  async crash(id: string): Promise<void> {
    const n = this.get(id);
    n.storage.dead = true;
    n.mesh.close();
    await this.open(n);
    this.ensureLinks();
  }

  /**
   * Advances virtual time by ms, delivering frames and ticking every node; after each step the
   * nodes' promises run (storage commits landing, what waits on them: a relay, an announce), as
   * they would between the worker's tasks.
   */
  async advance(ms: number): Promise<void> {
    const end = this.clock + ms;
    while (this.clock < end) {
      this.step();
      await turn();
    }
  }

  /**
   * advance() without letting any promise run meanwhile: frames are delivered and merged, but no
   * storage commit lands before the caller next awaits (a crash right after, the steps cut off).
   */
  advanceNow(ms: number): void {
    const end = this.clock + ms;
    while (this.clock < end) this.step();
  }

  private step(): void {
    this.net.deliver();
    this.clock += this.stepMs;
    while (this.timers.size > 0 && this.timers.peek()!.at <= this.clock) {
      const t = this.timers.pop()!;
      if (t.live) t.fn();
    }
    if (this.clock - this.lastTick >= this.tickMs) {
      this.lastTick = this.clock;
      for (const n of this.nodes.values()) {
        if (!n.online) continue;
        n.node.tick();
        n.mesh.tick();
      }
      this.ensureLinks();
    }
  }

  /** Runs until every open link is synced with nothing queued or in flight but heartbeats; returns virtual ms. */
  async settle(maxMs = 600_000): Promise<number> {
    const start = this.clock;
    let quietSince: number | undefined;
    while (this.clock - start < maxMs) {
      this.step();
      await turn();
      if (this.quiet()) {
        quietSince ??= this.clock;
        if (this.clock - quietSince >= 500) return quietSince - start;
      } else quietSince = undefined;
    }
    throw new Error(`mesh did not settle within ${maxMs} ms: ${JSON.stringify(this.status())}`);
  }

  private quiet(): boolean {
    if (this.net.busy > 0) return false;
    for (const e of this.edges) {
      const [a, b] = e.split('|') as [NodeId, NodeId];
      if (this.get(a).online && this.get(b).online && !this.net.isPartitioned(a, b) && !this.net.isLinked(a, b))
        return false;
    }
    for (const n of this.nodes.values()) {
      if (!n.online) continue;
      // A link with versions stuck by refusal (held back, or over a limit) is not shown synced,
      // yet nothing more crosses it until the hold-back runs out: quiet all the same.
      for (const p of n.mesh.peers()) {
        const settled = p.state === SessionState.Synced || (p.state === SessionState.Syncing && p.stuck > 0);
        if (!settled || p.queued > 0) return false;
      }
    }
    return true;
  }

  status(): Record<string, unknown> {
    const out: Record<string, unknown> = { inFlight: this.net.inFlight, busy: this.net.busy };
    for (const n of this.nodes.values())
      out[n.id] = n.mesh.peers().map((p) => `${p.peer}:${p.state}${p.queued > 0 ? `:queued ${p.queued}` : ''}`);
    return out;
  }

  /** A canonical text dump of a node's picture: every view, every head, every stored version. */
  async dump(id: string): Promise<string> {
    const { node } = this.get(id);
    const views = (await node.list())
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((v) => ({ ...v, conflicts: [...v.conflicts].sort() }));
    const heads: string[] = [];
    for (const v of views) {
      for (const kind of Object.keys(v.components).sort())
        heads.push(JSON.stringify([v.id, kind, await node.heads(v.id, kind)]));
    }
    const versions = [...node.versions()]
      .map((v) => JSON.stringify([v.entity, v.kind, encodeTs(v.ts), v.value, v.seen.map(encodeTs)]))
      .sort();
    return JSON.stringify(sortKeys({ views, heads, versions }), null, 1);
  }
}

/** Lets every promise queued so far run, and those they queue in turn (a macrotask turn). */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Objects with their keys sorted, so insertion order (which differs by arrival order) does not matter. */
function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x === null || typeof x !== 'object') return x;
  return Object.fromEntries(
    Object.keys(x)
      .sort()
      .map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]),
  );
}

/**
 * fast — a — b, settled: `fast`'s clock runs 5 minutes ahead, so a holds fast's writes for clock
 * skew and b hears of them only through a, once a accepts the fast clock.
 */
export async function skewLine(seed: number): Promise<{ sim: MeshSim; fast: SimNode; a: SimNode; b: SimNode }> {
  const sim = new MeshSim({ seed });
  const fast = await sim.add('fast', 5 * 60_000);
  const a = await sim.add('a');
  const b = await sim.add('b');
  sim.link('fast', 'a');
  sim.link('a', 'b');
  await sim.settle();
  return { sim, fast, a, b };
}
