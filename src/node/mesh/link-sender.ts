import type { EnqueueOutcome } from '../../core/budget/class-queue';
import type { LinkBudgeter } from '../../core/budget/link-budgeter';
import { isBorrowing, type PriorityClass } from '../../core/budget/priority-classes';
import { PER_MESSAGE_OVERHEAD_BYTES } from '../../core/budget/wire-overhead';
import type { Version } from '../../core/merge/version';
import { encodeMessage, MAX_SYNC_FRAME_BYTES, MessageType, splitFrame } from '../../core/sync';
import { encodeVersions, WireError } from '../../core/wire';
import type { Scheduler } from '../scheduler';
import { type BatchPlan, type FramePlan, type LinkFrameSigner, usualFraming } from './frame-signer';
import type { Outgoing } from './outgoing';

/** Room for the `versions` header inside a frame (as the session's framer keeps). */
const HEADER_BYTES = 16;
/** What a version packed with others costs against encoded alone, to start with (learned per link). */
const INITIAL_PACKING = 0.5;
/** Runs of fewer versions say little about how a full frame packs. */
const MIN_LEARNING_RUN = 16;
/**
 * A frame may put on the wire at most this many times what it was charged: the versions beyond go
 * back to their queue. Sizes are estimates from the learned packing ratio, and whoever writes what
 * we relay can first teach a link a tiny ratio (versions sharing long ids pack to a tenth) and
 * then send versions that share nothing: one frame would then carry ten times its charge, and the
 * link would overrun its budget by that much at once, however the debt is repaid later.
 */
const MAX_FRAME_OVERRUN = 2;
/**
 * Most frames of one link waiting for their frame batch's signature at once (docs/budgeter.md,
 * "Frame batches"): the depth of the signing pipeline. Each was charged when the budget let it go
 * and is handed to the channel once signed, while the link goes on sending; a frame planned while
 * the pipeline is full goes with its versions' stored proofs, at once. Two, because WebCrypto in a
 * busy worker answered in more than one frame time of an 8,000 B/s link.
 */
export const MAX_FRAMES_SIGNING = 2;
/**
 * A frame whose frame batch is not signed after this long goes with its versions' stored proofs
 * (as much of it as fits twice its charge; the rest is left to anti-entropy), so a signer that
 * never answers holds nothing back for ever.
 */
export const FRAME_SIGNATURE_TIMEOUT_MS = 1000;

export interface LinkSenderDeps {
  readonly budgeter: LinkBudgeter<Outgoing>;
  /** Hands one message to the data channel; false if the link failed. */
  readonly send: (frame: Uint8Array) => boolean;
  /** Hands one relayed-signaling message to the link (Link.sendSignal); absent: the link carries none. */
  readonly sendSignal?: (payload: Uint8Array) => void;
  /** Counts live versions this sender framed itself into the session's traffic figures. */
  readonly counted: (bytes: number, versions: number) => void;
  /** A session frame that waited in the budgeter went to the channel (the session's rounds see their frames move). */
  readonly left?: (frame: Uint8Array) => void;
  readonly now: () => number;
  /** Wakes this link at a budgeter's `wait.until`; without it the mesh's tick polls. */
  readonly scheduler?: Scheduler;
  /** Polls the links at the time this link's timer fires (all of them, round robin, when they share a budget). */
  readonly wake: () => void;
  readonly log: (message: string, detail?: unknown) => void;
  /**
   * Signs a weighted live frame's own versions afresh as one batch when that makes it smaller
   * (frame batches, docs/budgeter.md); absent: versions go with the proofs they were stored with.
   */
  readonly frameSigner?: LinkFrameSigner;
}

/** A frame charged and waiting for its frame batch's signature (at most MAX_FRAMES_SIGNING). */
interface Signing {
  /** Bytes of the frame as charged (payload, no header). */
  readonly bytes: number;
  /** Settled once: signed and sent, fallen back, or dropped with the link. */
  done: boolean;
  cancelTimer: (() => void) | undefined;
}

/**
 * The one way out to a link: every frame the sync session makes and every live version go through
 * the link's LinkBudgeter, and leave when it says (docs/budgeter.md). Live versions are items of
 * their own, so the budgeter can rank and coalesce them; when a frame of them goes they are packed
 * into one `versions` message. Their sizes are estimates (a version alone costs about twice what it
 * costs packed with others), learned per link, and each frame's charge is settled with what went
 * on the wire. One timer per link, through the injected scheduler, for the budgeter's `wait`.
 */
export class LinkSender {
  private timer: (() => void) | undefined;
  private timerAt = Infinity;
  /** Packed size over the sum of sizes alone, smoothed. */
  private packing = INITIAL_PACKING;
  private closed = false;
  /** Live versions were deferred (queue overflow): anti-entropy owes the peer a round. */
  private repairOwed = false;
  /** Frames charged and waiting for their frame batch's signature, in the order they were charged. */
  private readonly signing = new Set<Signing>();
  /** Frames that waited for a signature, and those that went with stored proofs after all (timeout, failure). */
  framesSigned = 0;
  framesFallenBack = 0;

  constructor(private readonly deps: LinkSenderDeps) {}

  get budgeter(): LinkBudgeter<Outgoing> {
    return this.deps.budgeter;
  }

  /**
   * Bytes waiting in the budgeter and in frames waiting for their signature (the session counts
   * them as buffered, for its flow control).
   */
  queuedBytes(): number {
    let bytes = this.deps.budgeter.queuedBytes();
    for (const f of this.signing) bytes += f.bytes;
    return bytes;
  }

  /** Frames charged and waiting for their frame batch's signature now. */
  get framesSigning(): number {
    return this.signing.size;
  }

  /**
   * A frame the session made. One larger than the link's frame size (a reconciler message, a long
   * `ihave` on a thin link) goes as parts, each within it (core/sync/parts.ts): one message must
   * not hold the wire for seconds with HIGH changes and pings waiting behind it.
   */
  frame(frame: Uint8Array, cls: PriorityClass): void {
    if (this.closed) return;
    const b = this.deps.budgeter;
    const now = this.deps.now();
    // Unlimited and nothing waiting: straight to the channel, counted (the path stays as fast as without a budget).
    if (b.passThrough(cls, frame.length, now)) {
      this.deps.send(frame);
      return;
    }
    const parts = splitFrame(frame, b.frameTarget());
    let bytes = 0;
    for (const p of parts) bytes += p.length;
    // Keyless items are refused only when their class is full, which the session's flow control
    // (it counts our queue as buffered) keeps from happening; a lost sync frame costs a round
    // retry. All of a frame's parts are queued or none (the peer could not join a partial frame).
    if (!b.fits(cls, parts.length, bytes)) {
      b.countRefused(cls);
      this.deps.log(`${cls} queue full: a frame of ${frame.length} bytes was not sent`);
    } else for (const p of parts) b.enqueue({ cls, bytes: p.length, payload: { type: 'frame', frame: p } }, now);
    this.kick(cls);
  }

  /**
   * A relayed-signaling message the transport asked the link to carry (LinkHandler.signal): small,
   * `control`, charged like the session's frames. Too large for one message: dropped (the relay
   * floods it on other paths too).
   */
  signal(payload: Uint8Array): void {
    if (this.closed) return;
    const b = this.deps.budgeter;
    const now = this.deps.now();
    if (b.passThrough('control', payload.length, now)) {
      this.deps.sendSignal?.(payload);
      return;
    }
    const outcome = b.enqueue({ cls: 'control', bytes: payload.length, payload: { type: 'signal', payload } }, now);
    if (outcome.type === 'refused')
      this.deps.log(`control queue full: a signal of ${payload.length} bytes was not sent`);
    this.kick('control');
  }

  /**
   * Live versions, each with its class and coalescing key. Returns how many were deferred to
   * anti-entropy (queue full): the next round the session runs carries them. `queued` is told of
   * the versions the budgeter took (queued, or in place of a queued one), before anything is sent:
   * their authors' keys go ahead of them (`control`), none for a version deferred or refused.
   */
  versions(
    items: readonly {
      readonly version: Version;
      readonly cls: PriorityClass;
      readonly key: string;
      /** Goes ahead of its class's other items (BudgetItem.lead). */
      readonly lead?: boolean;
    }[],
    queued?: (versions: readonly Version[]) => void,
  ): number {
    if (this.closed) return 0;
    const now = this.deps.now();
    let deferred = 0;
    let urgent = false;
    const taken: Version[] = [];
    for (const { version, cls, key, lead } of items) {
      const alone = sizeAlone(version);
      if (alone === undefined) {
        this.deps.log('version not sent: no peer would accept it', version);
        continue;
      }
      const bytes = Math.max(1, Math.round(alone * this.packing));
      const outcome: EnqueueOutcome = this.deps.budgeter.enqueue(
        lead === true
          ? { cls, bytes, key, lead, payload: { type: 'version', version, alone, cls, key, lead } }
          : { cls, bytes, key, payload: { type: 'version', version, alone, cls, key } },
        now,
      );
      if (outcome.type === 'deferred' || outcome.type === 'refused') deferred += 1;
      else taken.push(version);
      urgent ||= isBorrowing(cls);
    }
    if (taken.length > 0) queued?.(taken);
    if (deferred > 0) this.repairOwed = true;
    if (urgent || this.timer === undefined) this.deps.wake();
    return deferred;
  }

  /**
   * True once the live queues have drained after versions were deferred: the caller then asks
   * anti-entropy for a round, which finds them again (nothing is lost, only deferred).
   */
  takeRepairOwed(): boolean {
    if (!this.repairOwed) return false;
    const b = this.deps.budgeter;
    for (const cls of ['delete', 'high', 'medium', 'low', 'none', 'position'] as const) {
      if (b.queueDepth(cls).items > 0) return false;
    }
    this.repairOwed = false;
    return true;
  }

  /**
   * Sends the next frame if the budget allows it now and returns the bytes that went on the wire;
   * else arms the timer for when it will, and returns 0. The mesh offers frames across links in
   * turns (MeshBudget).
   */
  pumpOne(heldUntil?: number): number {
    if (this.closed) return 0;
    const b = this.deps.budgeter;
    const now = this.deps.now();
    const r = b.poll(now, heldUntil);
    switch (r.type) {
      case 'frame': {
        const wire = this.transmit(
          r.items.map((t) => t.item.payload),
          MAX_FRAME_OVERRUN * r.chargedBytes,
        );
        if (wire === undefined) return 0;
        b.settle(wire - r.chargedBytes, now);
        return wire;
      }
      case 'wait':
        this.arm(r.until, now);
        return 0;
      case 'idle':
        this.disarm();
        return 0;
      default: {
        const never: never = r;
        throw new Error(`unknown poll result ${String(never)}`);
      }
    }
  }

  /** Sends every frame the budget allows now. */
  pump(): void {
    while (this.pumpOne() > 0);
  }

  close(): void {
    this.closed = true;
    this.disarm();
    // Frames waiting for a signature are dropped with the link: anti-entropy carries them on the next.
    for (const f of this.signing) this.finish(f);
    this.signing.clear();
  }

  /** A session frame of this class arrived: borrowing classes and an idle link poll at once. */
  private kick(cls: PriorityClass): void {
    if (isBorrowing(cls) || this.timer === undefined) this.deps.wake();
  }

  /**
   * Turns a frame's items into messages: session frames as they are, runs of live versions packed
   * into `versions` messages. Versions that would take the frame past `allowance` bytes on the
   * wire go back to their queues (MAX_FRAME_OVERRUN). Returns the bytes that went on the wire (or,
   * for a frame batch being signed, will go: it was sized and cut with a placeholder signature of
   * the same length), headers counted per message; undefined if the link failed.
   *
   * A weighted run whose own versions go under a frame batch signed asynchronously (WebCrypto)
   * does not hold the link: it is charged now, handed to the channel once signed, and every message
   * after it goes at once, as the budgeter's classes already reorder live versions. Borrowing runs
   * (HIGH, deletes, decisions) never wait for a signature: they go as stored.
   */
  private transmit(payloads: readonly Outgoing[], allowance: number): number | undefined {
    let wire = 0;
    let run: Extract<Outgoing, { type: 'version' }>[] = [];
    let runAlone = 0;
    const back: Extract<Outgoing, { type: 'version' }>[] = [];
    const flush = (): boolean => {
      if (run.length === 0) return true;
      let plan = this.plan(run);
      let batch = encodeVersions(plan.sized);
      // Learned from full runs only: a lone HIGH change packs no smaller than alone, and would
      // make the estimate for the packed flood that follows too large (frames half full). And
      // only from runs framed as the link's usually are: a run that goes as stored because the
      // signing pipeline is full or the signature tokens are spent is an exception; taught it,
      // every item would be sized as stored, the frame batches that follow would carry a fifth of
      // the versions they can, and the link would poll (and spend tokens) ever more often.
      if (run.length >= MIN_LEARNING_RUN && usualFraming(plan)) {
        const seen = batch.length / runAlone;
        // Up at once (an estimate too small overruns the budget), down slowly.
        this.packing = Math.min(1, Math.max(0.05, seen > this.packing ? seen : 0.8 * this.packing + 0.2 * seen));
      }
      const room = allowance - wire - PER_MESSAGE_OVERHEAD_BYTES - HEADER_BYTES;
      if (batch.length > room && run.length > 1) {
        const keep = Math.max(1, Math.floor((run.length * Math.max(0, room)) / batch.length));
        back.push(...run.slice(keep));
        run = run.slice(0, keep);
        plan = this.plan(run);
        batch = encodeVersions(plan.sized);
      }
      const frame = encodeMessage({ type: MessageType.Versions, live: true, completes: 0, batch });
      wire += frame.length + PER_MESSAGE_OVERHEAD_BYTES;
      const stored = run.map((p) => p.version);
      const classes = run.map((p) => p.cls);
      const versions = run.length;
      run = [];
      runAlone = 0;
      if (plan.kind === 'stored') {
        this.deps.counted(frame.length, versions);
        return this.deps.send(frame);
      }
      return this.sendSigned(plan, stored, classes, frame.length);
    };
    for (const p of payloads) {
      if (p.type === 'frame' || p.type === 'signal') {
        if (!flush()) return undefined;
        const bytes = p.type === 'frame' ? p.frame : p.payload;
        wire += bytes.length + PER_MESSAGE_OVERHEAD_BYTES;
        if (p.type === 'signal') this.deps.sendSignal?.(p.payload);
        else if (!this.deps.send(p.frame)) return undefined;
        else this.deps.left?.(p.frame);
        continue;
      }
      if (back.length > 0 || wire >= allowance) {
        back.push(p);
        continue;
      }
      const alone = p.alone;
      // Packed is never larger than alone: a run kept under the limit alone fits one message.
      if (runAlone + alone > MAX_SYNC_FRAME_BYTES - HEADER_BYTES && !flush()) return undefined;
      run.push(p);
      runAlone += alone;
    }
    if (!flush()) return undefined;
    this.requeue(back);
    return wire;
  }

  /**
   * The run's own versions under a frame batch when the signer makes one: only for weighted runs
   * (a borrowing one must not wait for a signature) and while the signing pipeline has room.
   */
  private plan(run: readonly Extract<Outgoing, { type: 'version' }>[]): FramePlan {
    const versions = run.map((p) => p.version);
    const signer = this.deps.frameSigner;
    if (signer === undefined) return { kind: 'stored', sized: versions, why: 'no-signer' };
    if (this.signing.size >= MAX_FRAMES_SIGNING) return { kind: 'stored', sized: versions, why: 'pipeline' };
    if (run.some((p) => isBorrowing(p.cls))) return { kind: 'stored', sized: versions, why: 'borrowing' };
    return signer.plan(versions);
  }

  /**
   * Sends a run under its frame batch: at once if the signer answers at once, else once it has
   * signed, while the link goes on (the frame was charged already; `charged` is its encoded size).
   * If signing fails or takes longer than FRAME_SIGNATURE_TIMEOUT_MS the run goes with its stored
   * proofs, as much of it as fits MAX_FRAME_OVERRUN times its charge, the difference settled. False if the link failed.
   */
  private sendSigned(
    plan: BatchPlan,
    stored: readonly Version[],
    classes: readonly PriorityClass[],
    charged: number,
  ): boolean {
    const allowance = MAX_FRAME_OVERRUN * (charged + PER_MESSAGE_OVERHEAD_BYTES);
    const versions = this.deps.frameSigner!.sign(plan, stored);
    if (!(versions instanceof Promise)) return this.sendFrame(versions, stored, classes, charged, allowance);
    const f: Signing = { bytes: charged, done: false, cancelTimer: undefined };
    this.signing.add(f);
    const settle = (signed: readonly Version[]): void => {
      if (f.done) return;
      this.finish(f);
      if (this.closed) return;
      this.sendFrame(signed, stored, classes, charged, allowance);
      // The pipeline has room again (and the flow control sees fewer bytes buffered).
      this.deps.wake();
    };
    f.cancelTimer = this.deps.scheduler?.after(FRAME_SIGNATURE_TIMEOUT_MS, () => {
      if (f.done) return;
      this.deps.log(
        `a frame batch was not signed within ${FRAME_SIGNATURE_TIMEOUT_MS} ms: the frame goes with its stored proofs`,
      );
      settle(stored);
    });
    versions.then(settle, (error: unknown) => {
      this.deps.log('signing a frame failed: it goes with its stored proofs', error);
      settle(stored);
    });
    return true;
  }

  private finish(f: Signing): void {
    f.done = true;
    f.cancelTimer?.();
    f.cancelTimer = undefined;
    this.signing.delete(f);
  }

  /**
   * Encodes and sends a run: `versions` under their frame batch (the size it was charged), or,
   * when signing failed, `stored` as stored: larger, so cut to what fits `allowance` on the wire (the rest is
   * left to anti-entropy: newer values of its tracks may be queued by now, which a late copy must
   * not replace) and the difference charged.
   */
  private sendFrame(
    versions: readonly Version[],
    stored: readonly Version[],
    classes: readonly PriorityClass[],
    charged: number,
    allowance: number,
  ): boolean {
    let out = versions;
    if (versions === stored) {
      this.framesFallenBack += 1;
      out = this.fit(stored, allowance - PER_MESSAGE_OVERHEAD_BYTES - HEADER_BYTES);
      if (out.length < stored.length) {
        this.repairOwed = true;
        for (const cls of classes.slice(out.length)) this.deps.budgeter.cutFromFrame(cls);
      }
    } else {
      this.framesSigned += 1;
    }
    const frame = encodeMessage({ type: MessageType.Versions, live: true, completes: 0, batch: encodeVersions(out) });
    // Settled later than its poll (after a signature): shared out over this run's classes, not the last frame's.
    if (frame.length !== charged) this.deps.budgeter.settle(frame.length - charged, this.deps.now(), classes);
    this.deps.counted(frame.length, out.length);
    return this.deps.send(frame);
  }

  /** The longest prefix of `versions` (at least one) whose encoding is at most `room` bytes. */
  private fit(versions: readonly Version[], room: number): readonly Version[] {
    let keep = versions.length;
    for (;;) {
      const size = encodeVersions(versions.slice(0, keep)).length;
      if (size <= room || keep === 1) return versions.slice(0, keep);
      keep = Math.max(1, Math.min(keep - 1, Math.floor((keep * room) / size)));
    }
  }

  /** Versions cut from a frame wait again, at the estimate the ratio now gives. */
  private requeue(back: readonly Extract<Outgoing, { type: 'version' }>[]): void {
    const now = this.deps.now();
    for (const p of back) {
      const bytes = Math.max(1, Math.round(p.alone * this.packing));
      // Put back, not enqueued anew: poll counted them as sent (the class counts stay exclusive).
      const outcome = this.deps.budgeter.putBack(
        { cls: p.cls, bytes, key: p.key, ...(p.lead === true ? { lead: true } : {}), payload: p },
        now,
      );
      if (outcome.type === 'deferred' || outcome.type === 'refused') this.repairOwed = true;
    }
  }

  private arm(until: number, now: number): void {
    if (this.timer !== undefined && this.timerAt <= until) return;
    this.disarm();
    const scheduler = this.deps.scheduler;
    if (scheduler === undefined) return;
    this.timerAt = until;
    this.timer = scheduler.after(Math.max(0, until - now), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.deps.wake();
    });
  }

  private disarm(): void {
    this.timer?.();
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

/** A version's size encoded alone; undefined if no peer would accept it (the framer drops those too). */
function sizeAlone(v: Version): number | undefined {
  try {
    return encodeVersions([v]).length;
  } catch (error) {
    if (error instanceof WireError) return undefined;
    throw error;
  }
}
