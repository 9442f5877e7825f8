import type { NodeId } from '../core/ids';
import { mulberry32 } from '../core/random/mulberry32';
import { MAX_FRAME_BYTES, type AcceptLink, type Link, type LinkHandler } from '../ports/transport';
import { MinHeap } from '../core/collections/min-heap';

/**
 * Deterministic in-memory links for fast multi-node tests (automerge-repo's DummyNetworkAdapter
 * idea). Frames are never delivered inside send(): they wait in a queue until the test calls
 * deliver() (one step) or run(), so runs are synchronous, fast and replayable from the seed. Per
 * direction, frames arrive in order (as on a WebRTC data channel) unless reordering is switched on;
 * loss, duplication, latency and partitions exercise anti-entropy.
 */

export interface MemoryNetworkOptions {
  readonly seed: number;
  /** Probability that a frame is lost (default 0). */
  drop?: number;
  /** Probability that a frame is delivered twice (default 0). */
  duplicate?: number;
  /** Probability that a frame is held back past later ones (default 0: ordered). */
  reorder?: number;
  /** Steps from send to delivery (default 1). */
  latency?: number | { readonly min: number; readonly max: number };
  /** Sees every delivered frame (byte accounting by message type, for instance). */
  tap?: (from: NodeId, to: NodeId, frame: Uint8Array) => void;
  /**
   * Frames that do not count in `busy` (a mesh's heartbeats, which never stop): lets a test wait
   * for "nothing but heartbeats in flight" on a mesh whose many links ping at different phases.
   */
  background?: (frame: Uint8Array) => boolean;
}

export interface MemoryEndpoint {
  readonly id: NodeId;
  readonly accept: AcceptLink;
}

export interface TrafficStats {
  framesSent: number;
  bytesSent: number;
  framesDelivered: number;
  bytesDelivered: number;
  framesDropped: number;
  duplicated: number;
}

const zeroStats = (): TrafficStats => ({
  framesSent: 0,
  bytesSent: 0,
  framesDelivered: 0,
  bytesDelivered: 0,
  framesDropped: 0,
  duplicated: 0,
});

class Direction {
  handler: LinkHandler | undefined;
  buffered = 0;
  lastAt = 0;
  readonly stats = zeroStats();

  constructor(
    readonly from: NodeId,
    readonly to: NodeId,
  ) {}
}

class Pair {
  open = true;
  constructor(
    readonly ab: Direction,
    readonly ba: Direction,
  ) {}
}

interface Event {
  readonly at: number;
  readonly seq: number;
  readonly pair: Pair;
  readonly dir: Direction;
  readonly frame: Uint8Array | undefined;
  readonly reason: string;
  readonly background: boolean;
}

export class MemoryNetwork {
  private readonly random: () => number;
  private readonly queue = new MinHeap<Event>((a, b) => a.at - b.at || a.seq - b.seq);
  private readonly pairs = new Set<Pair>();
  private groups: Map<NodeId, number> | undefined;
  private seq = 0;
  /** Events in the queue that are not background frames. */
  private foreground = 0;
  step = 0;
  readonly stats = zeroStats();

  constructor(readonly options: MemoryNetworkOptions) {
    this.random = mulberry32(options.seed);
  }

  /** Opens a link between two endpoints; each side's accept() is called with its end. */
  connect(a: MemoryEndpoint, b: MemoryEndpoint): void {
    const pair = new Pair(new Direction(a.id, b.id), new Direction(b.id, a.id));
    this.pairs.add(pair);
    pair.ab.handler = a.accept(this.endOf(pair, pair.ab));
    pair.ba.handler = b.accept(this.endOf(pair, pair.ba));
  }

  /** Open links, as [a, b] node id pairs. */
  links(): [NodeId, NodeId][] {
    return [...this.pairs].filter((p) => p.open).map((p) => [p.ab.from, p.ab.to]);
  }

  isLinked(a: NodeId, b: NodeId): boolean {
    for (const p of this.pairs)
      if (p.open && ((p.ab.from === a && p.ab.to === b) || (p.ab.from === b && p.ab.to === a))) return true;
    return false;
  }

  /** Frames between different groups are lost until heal() (links stay open: a silent network). */
  partition(...groups: readonly (readonly NodeId[])[]): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((id) => this.groups!.set(id, i)));
  }

  heal(): void {
    this.groups = undefined;
  }

  isPartitioned(a: NodeId, b: NodeId): boolean {
    if (this.groups === undefined) return false;
    const ga = this.groups.get(a);
    const gb = this.groups.get(b);
    return ga !== gb;
  }

  /** Breaks the link between a and b: both sides are told it closed. */
  cut(a: NodeId, b: NodeId, reason = 'link cut'): void {
    for (const p of this.pairs) {
      if (p.open && ((p.ab.from === a && p.ab.to === b) || (p.ab.from === b && p.ab.to === a))) this.close(p, reason);
    }
  }

  get inFlight(): number {
    return this.queue.size;
  }

  /** Events in flight other than `background` frames (closes count). */
  get busy(): number {
    return this.foreground;
  }

  /** Delivers every event due at the current step, then advances one step; returns events delivered. */
  deliver(): number {
    let n = 0;
    while (this.queue.size > 0 && this.queue.peek()!.at <= this.step) {
      const e = this.queue.pop()!;
      n += 1;
      if (!e.background) this.foreground -= 1;
      if (e.frame === undefined) {
        e.dir.handler?.closed(e.reason);
        continue;
      }
      e.dir.buffered -= e.frame.length;
      if (!e.pair.open) continue;
      if (this.isPartitioned(e.dir.from, e.dir.to)) {
        this.count(e.dir, 'framesDropped', 1);
        continue;
      }
      this.count(e.dir, 'framesDelivered', 1);
      this.count(e.dir, 'bytesDelivered', e.frame.length);
      this.options.tap?.(e.dir.from, e.dir.to, e.frame);
      // The receiving end's handler: the peer's side of the pair.
      const receiver = e.pair.ab === e.dir ? e.pair.ba : e.pair.ab;
      receiver.handler?.receive(e.frame);
    }
    this.step += 1;
    return n;
  }

  /** Steps until nothing is in flight (or maxSteps); onStep runs before each step (ticks, clocks). */
  run(options: { maxSteps?: number; onStep?: (step: number) => void } = {}): number {
    const max = options.maxSteps ?? 100_000;
    let steps = 0;
    while (this.queue.size > 0 && steps < max) {
      options.onStep?.(this.step);
      this.deliver();
      steps += 1;
    }
    return steps;
  }

  resetStats(): void {
    Object.assign(this.stats, zeroStats());
    for (const p of this.pairs) {
      Object.assign(p.ab.stats, zeroStats());
      Object.assign(p.ba.stats, zeroStats());
    }
  }

  /** Traffic from a to b so far. */
  trafficOf(a: NodeId, b: NodeId): TrafficStats {
    const out = zeroStats();
    for (const p of this.pairs) {
      for (const d of [p.ab, p.ba]) {
        if (d.from !== a || d.to !== b) continue;
        for (const k of Object.keys(out) as (keyof TrafficStats)[]) out[k] += d.stats[k];
      }
    }
    return out;
  }

  /** One end of a pair: sends on `out` (whose handler is this end's own, set after accept). */
  private endOf(pair: Pair, out: Direction): Link {
    return {
      peer: out.to,
      send: (frame) => this.send(pair, out, frame),
      get bufferedAmount() {
        return out.buffered;
      },
      close: (reason) => this.close(pair, reason),
    };
  }

  private send(pair: Pair, dir: Direction, frame: Uint8Array): void {
    if (!pair.open) return;
    // As on a data channel: a simulation that passes with larger frames would fail in a browser.
    if (frame.byteLength > MAX_FRAME_BYTES) {
      throw new RangeError(`frame of ${frame.byteLength} bytes exceeds the ${MAX_FRAME_BYTES}-byte link limit`);
    }
    this.count(dir, 'framesSent', 1);
    this.count(dir, 'bytesSent', frame.length);
    const o = this.options;
    if ((o.drop ?? 0) > 0 && this.random() < o.drop!) {
      this.count(dir, 'framesDropped', 1);
      return;
    }
    const copy = frame.slice();
    this.enqueue(pair, dir, copy);
    if ((o.duplicate ?? 0) > 0 && this.random() < o.duplicate!) {
      this.count(dir, 'duplicated', 1);
      this.enqueue(pair, dir, copy);
    }
  }

  private enqueue(pair: Pair, dir: Direction, frame: Uint8Array): void {
    let at = this.step + this.latency();
    const reorder = this.options.reorder ?? 0;
    if (reorder > 0 && this.random() < reorder) at += 1 + Math.floor(this.random() * 4);
    else at = Math.max(at, dir.lastAt);
    dir.lastAt = Math.max(dir.lastAt, at);
    dir.buffered += frame.length;
    const background = this.options.background?.(frame) ?? false;
    if (!background) this.foreground += 1;
    this.queue.push({ at, seq: this.seq++, pair, dir, frame, reason: '', background });
  }

  private latency(): number {
    const l = this.options.latency ?? 1;
    if (typeof l === 'number') return Math.max(1, l);
    return Math.max(1, l.min + Math.floor(this.random() * (l.max - l.min + 1)));
  }

  private close(pair: Pair, reason: string): void {
    if (!pair.open) return;
    pair.open = false;
    // Both ends learn of it on the next step; frames still in flight are lost.
    for (const dir of [pair.ab, pair.ba]) {
      this.foreground += 1;
      this.queue.push({ at: this.step + 1, seq: this.seq++, pair, dir, frame: undefined, reason, background: false });
    }
  }

  private count(dir: Direction, key: keyof TrafficStats, n: number): void {
    dir.stats[key] += n;
    this.stats[key] += n;
  }
}
