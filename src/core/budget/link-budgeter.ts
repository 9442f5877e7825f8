import { BudgetGate } from './budget-gate';
import type { BudgetItem } from './budget-item';
import { ByteBucket, normaliseBudget } from './byte-bucket';
import { ClassQueue, type EnqueueOutcome, type QueueLimits } from './class-queue';
import { frameTargetBytes } from './frame-packer';
import { ALL_CLASSES, DEFAULT_WEIGHTS, type PriorityClass, type WeightedClass } from './priority-classes';
import { RateMeter } from './rate-meter';
import { quantile, SampleWindow } from './sample-window';
import { type FramePlan, type TakenItem, Scheduler } from './scheduler';
import { PER_MESSAGE_OVERHEAD_BYTES } from './wire-overhead';

export interface LinkBudgeterOptions {
  /** The link's own budget; unlimited if omitted. */
  readonly budget?: { readonly bytesPerSecond: number | null; readonly burstBytes: number | null };
  /** Buckets shared with other links (the node-wide budget): every frame must fit them too. */
  readonly shared?: readonly ByteBucket[];
  /** The transport's largest message: the port's `MAX_FRAME_BYTES` (the core does not import ports). */
  readonly maxFrameBytes: number;
  readonly latencyTargetMs?: number;
  readonly frameFloorBytes?: number;
  readonly overheadBytes?: number;
  readonly limits?: Partial<Record<PriorityClass, QueueLimits>>;
  readonly weights?: Readonly<Record<WeightedClass, number>>;
  readonly quantumBytes?: number;
  /**
   * How long the weighted classes may wait, backlogged and unserved, while borrowing traffic goes
   * first: after that their next frame goes before any more borrowing (see `poll`).
   */
  readonly starvationGuardMs?: number;
  /** The window `sentBytesPerSecond` and the latency p99 are measured over. */
  readonly statsWindowMs?: number;
}

/** What `poll` says: send this frame now, wait until a time, or nothing is queued. */
export type PollResult<P> =
  | {
      readonly type: 'frame';
      readonly items: readonly TakenItem<P>[];
      readonly payloadBytes: number;
      /** Payload plus the per-message overhead: what the buckets were charged. */
      readonly chargedBytes: number;
    }
  | { readonly type: 'wait'; readonly until: number }
  | { readonly type: 'idle' };

export interface ClassStats {
  readonly queued: number;
  readonly sent: number;
  readonly coalesced: number;
  /**
   * Items not queued: overflow (items or bytes), too large for a frame, keyless items refused; and
   * items cut from a frame after `poll` (`cutFromFrame`). The counts are exclusive: every item
   * handed in is exactly one of queued, sent, coalesced (superseded in its queue by a newer one)
   * or deferred.
   */
  readonly deferred: number;
  readonly latencyP99Ms: number;
  /**
   * Bytes/s this class put on the link over the stats window: its items' bytes plus its share of
   * each frame's per-message overhead and settlement, split by payload bytes (the classes add up
   * to the link's `sentBytesPerSecond`).
   */
  readonly sentBytesPerSecond: number;
  /**
   * Versions handed to anti-entropy instead of going live, a subset of `deferred` (keyless items
   * are retried by their sender instead): keyed items deferred on overflow, and versions cut from
   * a frame that fell back to its stored proofs (`cutFromFrame`).
   */
  readonly droppedToAntiEntropy: number;
}

/** The automation handle's `budgetStats` shape. Unlimited reads `Infinity`. */
export interface BudgetStats {
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
  readonly sentBytesPerSecond: number;
  readonly classes: Readonly<Record<PriorityClass, ClassStats>>;
}

export const DEFAULT_LATENCY_TARGET_MS = 250;
export const DEFAULT_FRAME_FLOOR_BYTES = 512;
export const DEFAULT_QUANTUM_BYTES = 512;
export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxItems: 10_000, maxBytes: 1024 * 1024 };
export const DEFAULT_STATS_WINDOW_MS = 10_000;
export const DEFAULT_STARVATION_GUARD_MS = 2_000;

interface Counters {
  sent: number;
  coalesced: number;
  deferred: number;
  droppedToAntiEntropy: number;
}

/** How a frame's bytes split over its classes (fractions adding up to 1). */
type ClassMix = Partial<Record<PriorityClass, number>>;

/**
 * Everything that goes on one link goes through its budgeter: the caller enqueues encoded items,
 * polls for the next frame to hand to the data channel (or the time to poll again), and reads
 * live figures. Pure: time is an argument, nothing is scheduled here. A `wait` time stays good
 * while only weighted items arrive (they only make the next frame larger, give or take an item);
 * poll at once after enqueueing a borrowing item, when the budgeter was idle, or when a budget
 * (this link's or a shared one) changes. The contract and the design are in docs/budgeter.md.
 */
export class LinkBudgeter<P> {
  private readonly bucket: ByteBucket;
  private readonly gate: BudgetGate;
  private readonly queues: Record<PriorityClass, ClassQueue<P>>;
  private readonly scheduler: Scheduler<P>;
  private readonly counters: Record<PriorityClass, Counters>;
  private readonly latency: Record<PriorityClass, SampleWindow>;
  private readonly sentBytes: RateMeter;
  /** `sentBytes` split by class: the same charges, shared out by payload bytes. */
  private readonly classBytes: Record<PriorityClass, RateMeter>;
  /** The class mix of the last frame `poll` sent: its settlement is shared out the same way. */
  private lastMix: ClassMix = {};
  private readonly overheadBytes: number;
  /** Since when the weighted classes have been backlogged without a frame of theirs going out. */
  private weightedWaitingSince: number | undefined;
  private sharedWait: number | undefined;

  constructor(
    private readonly options: LinkBudgeterOptions,
    now: number,
  ) {
    this.bucket = new ByteBucket(
      normaliseBudget(options.budget ?? { bytesPerSecond: Infinity, burstBytes: Infinity }),
      now,
    );
    this.gate = new BudgetGate([this.bucket, ...(options.shared ?? [])]);
    this.overheadBytes = options.overheadBytes ?? PER_MESSAGE_OVERHEAD_BYTES;
    const window = options.statsWindowMs ?? DEFAULT_STATS_WINDOW_MS;
    this.queues = perClass((cls) => new ClassQueue<P>(options.limits?.[cls] ?? DEFAULT_QUEUE_LIMITS));
    this.counters = perClass(() => ({ sent: 0, coalesced: 0, deferred: 0, droppedToAntiEntropy: 0 }));
    this.latency = perClass(() => new SampleWindow(window));
    this.sentBytes = new RateMeter(window, now);
    this.classBytes = perClass(() => new RateMeter(window, now));
    this.scheduler = new Scheduler(
      this.queues,
      options.weights ?? DEFAULT_WEIGHTS,
      options.quantumBytes ?? DEFAULT_QUANTUM_BYTES,
    );
  }

  /**
   * Queues an item. A `deferred` outcome hands back the key the node must mark for anti-entropy.
   * An item larger than the transport's maximum never fits a frame: it is deferred (or refused,
   * without a key) like an overflow, and the caller must split it.
   */
  enqueue(item: BudgetItem<P>, now: number): EnqueueOutcome {
    const outcome: EnqueueOutcome =
      item.bytes > this.options.maxFrameBytes
        ? item.key === undefined
          ? { type: 'refused' }
          : { type: 'deferred', key: item.key }
        : this.queues[item.cls].enqueue(item, now);
    switch (outcome.type) {
      case 'queued':
        break;
      case 'coalesced':
        this.counters[item.cls].coalesced += 1;
        break;
      case 'deferred':
        // The caller marks the key for anti-entropy, which carries the newest value later.
        this.counters[item.cls].droppedToAntiEntropy += 1;
        this.counters[item.cls].deferred += 1;
        break;
      case 'refused':
        this.counters[item.cls].deferred += 1;
        break;
      default: {
        const never: never = outcome;
        throw new Error(`unknown outcome ${String(never)}`);
      }
    }
    return outcome;
  }

  /**
   * The next frame to send now, charged to every bucket; or when to poll again. Borrowing classes
   * go first, and the weighted ones once none is queued: live HIGH traffic comes first. Borrowing
   * traffic beyond the budget would then starve the weighted classes for as long as it lasts, so
   * once they have waited, backlogged, for the starvation guard, their next frame goes before any
   * more borrowing; HIGH is held back by at most one frame's worth of tokens per guard period.
   *
   * `heldUntil` (from the node's fair queue, MeshBudget.pumpAll): a link with an earlier turn waits
   * for the shared bucket until then, so this link's weighted frames wait for it too; borrowing
   * ones still go. Without it, a link whose next frame needs a few bytes fewer would take every
   * refill of the shared bucket before the waiting link's frame fitted, and starve it.
   */
  poll(now: number, heldUntil?: number): PollResult<P> {
    this.sharedWait = undefined;
    const target = this.frameTarget();
    if (!this.scheduler.hasWeighted()) this.weightedWaitingSince = undefined;
    else this.weightedWaitingSince ??= now;
    const guard = this.options.starvationGuardMs ?? DEFAULT_STARVATION_GUARD_MS;
    const starving = this.weightedWaitingSince !== undefined && now - this.weightedWaitingSince >= guard;
    const borrowing = starving ? undefined : this.scheduler.planBorrowing(target);
    if (borrowing !== undefined) {
      const charged = borrowing.bytes + this.overheadBytes;
      if (this.gate.canBorrow(charged, now)) return this.send(borrowing, charged, now);
      // At the debt bound (HIGH tracks' motion can keep it there), the leading items (decisions,
      // threat changes) go alone as soon as their few bytes fit, not after a whole frame's worth.
      const lead = this.scheduler.planBorrowing(target, true);
      if (lead !== undefined && lead.bytes < borrowing.bytes) {
        const leadCharged = lead.bytes + this.overheadBytes;
        if (this.gate.canBorrow(leadCharged, now)) return this.send(lead, leadCharged, now);
        return this.waitUntil(now, this.gate.borrowWaitMs(leadCharged, now));
      }
      return this.waitUntil(now, this.gate.borrowWaitMs(charged, now));
    }
    const weighted = this.scheduler.planWeighted(target);
    if (weighted === undefined) return { type: 'idle' };
    const charged = weighted.bytes + this.overheadBytes;
    if (heldUntil !== undefined && heldUntil > now) {
      return this.waitUntil(now, Math.max(heldUntil - now, this.gate.sendWaitMs(charged, now)));
    }
    if (this.gate.canSend(charged, now)) {
      this.weightedWaitingSince = undefined;
      return this.send(weighted, charged, now);
    }
    const wait = this.waitUntil(now, this.gate.sendWaitMs(charged, now));
    // Only the shared buckets hold the frame back: other links must not spend what it waits for.
    if (this.bucket.canSend(charged, now)) this.sharedWait = wait.until;
    return wait;
  }

  /**
   * Set by the last poll: until when this link's next frame waits for the shared buckets alone
   * (its own bucket would let it go); undefined if it did not wait, or waits for its own budget.
   */
  get sharedWaitUntil(): number | undefined {
    return this.sharedWait;
  }

  /**
   * The payload bytes a frame is packed up to now (`frameTargetBytes` of the tightest budget: this
   * link's and the shared ones). Callers that make their own frames (the sync session's repair)
   * keep them within it, so no single frame holds the link longer than the latency target.
   */
  frameTarget(): number {
    return frameTargetBytes({
      ...this.gate.effectiveBudget(),
      latencyTargetMs: this.options.latencyTargetMs ?? DEFAULT_LATENCY_TARGET_MS,
      floorBytes: this.options.frameFloorBytes ?? DEFAULT_FRAME_FLOOR_BYTES,
      maxFrameBytes: this.options.maxFrameBytes,
      overheadBytes: this.overheadBytes,
    });
  }

  private waitUntil(now: number, waitMs: number): { readonly type: 'wait'; readonly until: number } {
    return { type: 'wait', until: now + Math.max(1, waitMs) };
  }

  /**
   * Whether `items` keyless items of `bytes` in all would all be queued in `cls` now: a caller
   * that splits one message into several items queues them all or none, so the receiver never
   * gets a message with a piece missing.
   */
  fits(cls: PriorityClass, items: number, bytes: number): boolean {
    return this.queues[cls].fits(items, bytes);
  }

  /** Counts a message the caller did not queue because `fits` said no (it shows as deferred). */
  countRefused(cls: PriorityClass): void {
    this.counters[cls].deferred += 1;
  }

  /**
   * Counts versions of `cls` the caller cut from a frame `poll` returned, after it was charged, and
   * left to anti-entropy (a frame batch that fell back to its stored proofs, cut to its allowance):
   * `poll` counted them as sent, and they were not, so they move to deferred (and to anti-entropy).
   * The class counts stay exclusive: queued + sent + coalesced + deferred = items handed in.
   */
  cutFromFrame(cls: PriorityClass, count = 1): void {
    this.counters[cls].sent -= count;
    this.counters[cls].deferred += count;
    this.counters[cls].droppedToAntiEntropy += count;
  }

  /**
   * Puts an item of a frame `poll` returned back in its queue (the caller could not fit it in the
   * frame's messages): `poll` counted it as sent, and it was not, so it counts again only as what
   * its return makes it (queued, or deferred if its class is full now), not as a new enqueue.
   */
  putBack(item: BudgetItem<P>, now: number): EnqueueOutcome {
    this.counters[item.cls].sent -= 1;
    return this.enqueue(item, now);
  }

  /** How much waits in one class: cheap, for callers that keep a queue topped up. */
  queueDepth(cls: PriorityClass): { readonly items: number; readonly bytes: number } {
    return { items: this.queues[cls].length, bytes: this.queues[cls].bytes };
  }

  /**
   * The unlimited fast path: when no bucket limits the link and nothing waits, an item goes out at
   * once without being queued, planned or packed (true), and is counted as a frame of its own
   * (sent, latency 0, metered with the per-message overhead). Otherwise false, and the caller
   * enqueues it. An unlimited link thus costs a few counters per message, not a scheduling pass.
   */
  passThrough(cls: PriorityClass, bytes: number, now: number): boolean {
    if (!this.gate.unlimited || this.hasQueued()) return false;
    this.counters[cls].sent += 1;
    this.latency[cls].add(0, now);
    this.sentBytes.add(bytes + this.overheadBytes, now);
    this.classBytes[cls].add(bytes + this.overheadBytes, now);
    this.lastMix = { [cls]: 1 };
    return true;
  }

  private hasQueued(): boolean {
    for (const cls of ALL_CLASSES) if (this.queues[cls].length > 0) return true;
    return false;
  }

  /** Bytes waiting in every class. */
  queuedBytes(): number {
    let bytes = 0;
    for (const cls of ALL_CLASSES) bytes += this.queues[cls].bytes;
    return bytes;
  }

  /** Neither this link's budget nor a shared one limits it. */
  get unlimited(): boolean {
    return this.gate.unlimited;
  }

  /**
   * Corrects a frame's charge once the caller has encoded it: `deltaBytes` is what went on the
   * wire (payload and per-message overhead) minus `chargedBytes`. Items are enqueued with
   * estimated sizes (versions pack smaller together than alone), and a frame may go out as more
   * than one message; the buckets and the rate meter must count what was really sent. `classes`
   * (the classes of the frame's items, one entry per item) shares the difference out over the
   * per-class rates; without it, the last frame `poll` sent is taken to be the one settled.
   */
  settle(deltaBytes: number, now: number, classes?: readonly PriorityClass[]): void {
    if (deltaBytes === 0 || !Number.isFinite(deltaBytes)) return;
    if (deltaBytes > 0) this.gate.charge(deltaBytes, now);
    else this.gate.refund(-deltaBytes, now);
    this.sentBytes.add(deltaBytes, now);
    const mix = classes === undefined || classes.length === 0 ? this.lastMix : countMix(classes);
    for (const [cls, share] of Object.entries(mix) as [PriorityClass, number][]) {
      this.classBytes[cls].add(deltaBytes * share, now);
    }
  }

  setBudget(budget: { readonly bytesPerSecond: number | null; readonly burstBytes: number | null }, now: number): void {
    this.bucket.setBudget(normaliseBudget(budget), now);
  }

  stats(now: number): BudgetStats {
    return {
      bytesPerSecond: this.bucket.bytesPerSecond,
      burstBytes: this.bucket.burstBytes,
      sentBytesPerSecond: this.sentBytes.perSecond(now),
      classes: perClass((cls) => ({
        queued: this.queues[cls].length,
        sent: this.counters[cls].sent,
        coalesced: this.counters[cls].coalesced,
        deferred: this.counters[cls].deferred,
        latencyP99Ms: quantile(this.latency[cls].current(now), 0.99),
        // A settlement refund can outweigh a quiet class's few bytes in the window: never below 0.
        sentBytesPerSecond: Math.max(0, this.classBytes[cls].perSecond(now)),
        droppedToAntiEntropy: this.counters[cls].droppedToAntiEntropy,
      })),
    };
  }

  private send(plan: FramePlan, charged: number, now: number): PollResult<P> {
    this.gate.charge(charged, now);
    const items = this.scheduler.commit(plan);
    const payload: ClassMix = {};
    let total = 0;
    for (const taken of items) {
      this.counters[taken.cls].sent += 1;
      this.latency[taken.cls].add(Math.max(0, now - taken.enqueuedAt), now);
      payload[taken.cls] = (payload[taken.cls] ?? 0) + taken.item.bytes;
      total += taken.item.bytes;
    }
    this.sentBytes.add(charged, now);
    // The charge (overhead included) shared out by payload bytes; by item count if all are empty.
    this.lastMix = total > 0 ? scale(payload, 1 / total) : countMix(items.map((t) => t.cls));
    for (const [cls, share] of Object.entries(this.lastMix) as [PriorityClass, number][]) {
      this.classBytes[cls].add(charged * share, now);
    }
    return { type: 'frame', items, payloadBytes: plan.bytes, chargedBytes: charged };
  }
}

function scale(mix: ClassMix, factor: number): ClassMix {
  const out: ClassMix = {};
  for (const [cls, v] of Object.entries(mix) as [PriorityClass, number][]) out[cls] = v * factor;
  return out;
}

/** Each class's share of a list of items' classes, by count. */
function countMix(classes: readonly PriorityClass[]): ClassMix {
  const out: ClassMix = {};
  for (const cls of classes) out[cls] = (out[cls] ?? 0) + 1 / classes.length;
  return out;
}

function perClass<T>(make: (cls: PriorityClass) => T): Record<PriorityClass, T> {
  const out = {} as Record<PriorityClass, T>;
  for (const cls of ALL_CLASSES) out[cls] = make(cls);
  return out;
}
