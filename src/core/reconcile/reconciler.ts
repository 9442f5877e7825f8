import type { Bound } from './bound';
import { INFINITE_BOUND, isInfinite, minimalBound } from './bound';
import { ReconcileError, ReconcileErrorCode } from './errors';
import {
  combineState,
  decodeFingerprint,
  encodeFingerprint,
  FINGERPRINT_SIZE,
  type FingerprintKey,
  sumFromState,
  UNSESSIONED_FINGERPRINT_KEY,
} from './fingerprint';
import { IdSet } from './id-set';
import { ID_SIZE } from './item';
import { SortedVectorStorage } from './sorted-vector-storage';
import type { RangeMessage } from './message';
import { decodeMessage, type MessageEncoder, Mode } from './message';
import { Output, RESERVE } from './output';
import { encodeSymbols, MAX_SYMBOL_INDEX, readSymbols, SYMBOL_BYTES, writeSymbols, type SymbolDiff } from './rateless';
import type { MessageStats, ReconcileTuning, Regime, Role, SplitAction } from './split-policy';
import { chooseAction, DEFAULT_TUNING, initialSymbols, moreSymbols, regimeOf } from './split-policy';
import type { ReconcileStorage } from './storage';
import { add128, equal128, sub128 } from './sum128';
import { SymbolRanges } from './symbol-ranges';

export const DEFAULT_FRAME_SIZE_LIMIT = 60_000;
export const MIN_FRAME_SIZE_LIMIT = 4096;

/** Worst-case bytes of one range: 8-byte timestamp delta, 2-byte head, 16-byte prefix, 8-byte count, 16-byte fingerprint. */
const MAX_RANGE_BYTES = 8 + 2 + 16 + 8 + FINGERPRINT_SIZE;
/** Worst-case bytes of a Symbols range before its symbols: the range, start, n, count, fingerprint. */
const SYMBOLS_HEADER_BYTES = MAX_RANGE_BYTES + 3 + 3;

export interface ReconcilerOptions {
  /** Largest message (bytes) sent or accepted; default 60,000, minimum 4,096. Both peers must agree. */
  frameSizeLimit?: number;
  /** Advanced: overrides of the splitting heuristics (they affect bytes and rounds, never results). */
  tuning?: Partial<ReconcileTuning>;
  /**
   * Responder: send the items the initiator lacks ahead of the reply (reported in `push`; the caller
   * must send them before the reply) instead of listing their ids for the initiator to ask for.
   * Saves 16 bytes per id and a round trip. Both peers must speak protocol version 2.
   */
  push?: boolean;
  /**
   * The session's fingerprint key (fingerprint.ts): both peers must use the same one. Required, with
   * no default, so no caller reconciles under a public key by omission: a sync session passes the
   * key it derives from both hellos' nonces (sync/fingerprint-key.ts); tests and benchmarks that run
   * outside a session pass UNSESSIONED_FINGERPRINT_KEY by name, whose fingerprints a writer can make
   * collide.
   */
  key: FingerprintKey;
}

export interface ReconcileResult {
  /** The message to send back; null (initiator only) when reconciliation is complete. */
  reply: Uint8Array | null;
  /** Initiator: ids I have that the peer lacks (copies). Always empty on the responder. */
  have: Uint8Array[];
  /** Initiator: ids the peer has that I lack (copies). Always empty on the responder. */
  need: Uint8Array[];
  /** Responder (push mode): ids the initiator lacks, to send to it before the reply (copies). */
  push: Uint8Array[];
  /** Initiator: items the responder says it sent ahead of this reply (Pushed ranges). */
  pushed: number;
  /** Responder (push mode): items the initiator lacks listed for it to want, for lack of push room. */
  unpushed: number;
  /**
   * Responder (push mode): the reply was cut at `replyLimit`, tighter than the frame: fewer coded
   * symbols than asked, or the rest of the set handed back as one fingerprint (the peer asks again
   * or descends into it next round trip).
   */
  replyCut: boolean;
}

/** What one reconcile() call builds up. */
interface Turn {
  readonly role: Role;
  readonly stats: MessageStats;
  readonly out: Output;
  readonly have: Uint8Array[];
  readonly need: Uint8Array[];
  readonly push: Uint8Array[];
  pushed: number;
  unpushed: number;
  /** Items the responder may still push in this reply. */
  pushRoom: number;
}

/** Consecutive sparse ranges the responder answers with one Symbols range. */
interface SymbolGroup {
  readonly lower: number;
  upper: number;
  upperBound: Bound;
  /** Differences the counts show, summed over the ranges. */
  diffs: number;
}

const Status = { None: 0, Equal: 1, Pure: 2, Mismatch: 3 } as const;
type Status = (typeof Status)[keyof typeof Status];

interface Plan {
  readonly range: RangeMessage;
  readonly lower: number;
  readonly upper: number;
  status: Status;
  /** Status.Pure: index of our single extra item. */
  pureIndex: number;
  /** Fingerprint ranges: how many items the peer holds in the range. */
  theirCount: number;
}

/**
 * Range-based set reconciliation (A. Meyer, arXiv:2212.13567; roles and framing after D. Hoyt's
 * negentropy) as a pure, synchronous state machine over a ReconcileStorage.
 *
 * The initiator calls initiate() and sends the result; each side then passes every message it gets
 * to reconcile() and sends back the reply. The initiator accumulates `have`/`need` from each call and
 * is done when reply is null. The responder only answers ranges: its reply is never null (a
 * version byte alone means "nothing more from me") and it reports no ids.
 *
 * Each range of a message is settled or split:
 *  - equal fingerprints → skipped;
 *  - fingerprints that differ by exactly one item held by the receiver → settled at once (the
 *    initiator records `have`; the responder answers Extra with the id);
 *  - small ranges → id lists (IdList, answered by the responder with IdDiff);
 *  - otherwise → split into child fingerprints (split-policy.ts).
 * A reply that would exceed the frame size stops early and hands the rest of the set back as one
 * fingerprint, which the peer splits again next round (as negentropy does).
 *
 * The storage must not change during a session. Every malformed or out-of-protocol message throws
 * a ReconcileError before any state changes.
 */
export class Reconciler {
  /**
   * One reconciler kept for the life of the class, over an empty set, as Encoder.shapeKeeper and
   * Decoder.shapeKeeper are (src/core/bytes). A reconciler lives for one round, its outputs and
   * message encoders for one message, its symbol diffs for one range: at a full GC with none of a
   * class alive, V8 dropped the class's hidden class and deoptimized every function built on it
   * (deopt reason "weak objects": Reconciler.stateOf, boundBefore, writeFingerprint, SymbolDiff's
   * append, pure and peel), so a node's next round after a full GC ran unoptimized
   * (docs/benchmarks.md, scenario 1, "Encoder after a full GC").
   */
  static readonly shapeKeeper: Reconciler = new Reconciler(new SortedVectorStorage([]), {
    key: UNSESSIONED_FINGERPRINT_KEY,
  });

  private state: 'idle' | Role = 'idle';
  private regime: Regime = 'unknown';
  /**
   * Initiator: ids already reported in have/need. A range settled here can come back inside a
   * "rest of the set" fingerprint when the peer's reply was cut by the frame limit; it is settled
   * again, and this keeps the reported lists free of repeats.
   */
  private readonly reported = new Set<string>();
  /** Responder (push mode): ids pushed this session, so none is pushed twice. */
  private readonly pushedKeys = new Set<string>();
  /**
   * Items this session read to answer or write ranges (ids listed, compared, pushed or coded into
   * symbols, and split points): what a peer's messages made us walk, for a caller's walk budget.
   */
  private walkedItems = 0;
  /** Initiator: coded symbols received per range, peeled as far as they go. */
  private readonly symbols = new SymbolRanges();
  private readonly push: boolean;
  private readonly limit: number;
  private readonly tuning: ReconcileTuning;
  private readonly maxFanout: number;
  private readonly maxIdList: number;
  private readonly maxPiece: number;
  private readonly key: FingerprintKey;

  constructor(
    private readonly storage: ReconcileStorage,
    options: ReconcilerOptions,
  ) {
    const limit = options.frameSizeLimit ?? DEFAULT_FRAME_SIZE_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < MIN_FRAME_SIZE_LIMIT) {
      throw new ReconcileError(
        ReconcileErrorCode.Usage,
        `frameSizeLimit must be an integer >= ${MIN_FRAME_SIZE_LIMIT}`,
      );
    }
    this.limit = limit;
    this.push = options.push ?? false;
    this.key = options.key;
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    for (const [key, value] of Object.entries(this.tuning)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new ReconcileError(ReconcileErrorCode.Usage, `tuning.${key} must be a finite number >= 0`);
      }
    }
    // A piece (one range's answer, plus a flushed skip) must always fit in an otherwise empty frame,
    // so every message makes progress.
    const maxPiece = limit - 1 - RESERVE - MAX_RANGE_BYTES;
    this.maxPiece = maxPiece;
    this.maxFanout = Math.floor(maxPiece / MAX_RANGE_BYTES);
    this.maxIdList = Math.floor((maxPiece - MAX_RANGE_BYTES - 8) / ID_SIZE);
  }

  /** 'idle' until initiate() or the first reconcile() fixes the role. */
  get role(): 'idle' | Role {
    return this.state;
  }

  get frameSizeLimit(): number {
    return this.limit;
  }

  /** Items in the storage this session reconciles. */
  get size(): number {
    return this.storage.size;
  }

  /** Items walked so far this session (see walkedItems). */
  get walked(): number {
    return this.walkedItems;
  }

  /** Initiator: coded symbols taken in this session (never more than MAX_HELD_SYMBOLS). */
  get heldSymbols(): number {
    return this.symbols.heldSymbols;
  }

  /** The initiator's first message. */
  initiate(): Uint8Array {
    if (this.state !== 'idle') {
      throw new ReconcileError(ReconcileErrorCode.Usage, `initiate() on a reconciler that is already ${this.state}`);
    }
    this.state = 'initiator';
    const out = new Output(this.limit);
    const n = this.storage.size;
    out.begin();
    if (n <= Math.min(this.tuning.initialIdListMax, this.maxIdList)) {
      this.writeIdList(out.enc, INFINITE_BOUND, 0, n);
    } else {
      this.writeSplit(
        out.enc,
        0,
        n,
        INFINITE_BOUND,
        Math.max(2, Math.min(this.tuning.initialFanout, this.maxFanout, n)),
      );
    }
    return out.enc.finish();
  }

  /**
   * Processes a peer message. Throws ReconcileError (and changes nothing) if it is invalid.
   * `pushRoom` (responder in push mode): most items this reply may push; beyond it, ranges are split
   * (the initiator descends and gets them over later replies). `replyLimit` (responder in push
   * mode, whose every piece fits in MIN_FRAME_SIZE_LIMIT bytes): the reply stays within this many
   * bytes (at least MIN_FRAME_SIZE_LIMIT, at most the frame size limit); what does not fit is handed
   * back as the "rest of the set", as for a full frame.
   */
  reconcile(message: Uint8Array, pushRoom = Number.POSITIVE_INFINITY, replyLimit = this.limit): ReconcileResult {
    const ranges = decodeMessage(message, this.limit);
    const role: Role = this.state === 'idle' ? 'responder' : this.state;
    for (const r of ranges) {
      const responderOnly =
        r.mode === Mode.IdDiff || r.mode === Mode.Extra || r.mode === Mode.Pushed || r.mode === Mode.Symbols;
      if (role === 'responder' && responderOnly) {
        throw new ReconcileError(ReconcileErrorCode.Protocol, `a responder never receives mode ${r.mode} ranges`);
      }
      if (role === 'initiator' && r.mode === Mode.SymbolRequest) {
        throw new ReconcileError(ReconcileErrorCode.Protocol, 'an initiator never receives SymbolRequest ranges');
      }
    }
    const { plans, stats } = this.classify(ranges);
    if (role === 'initiator') this.checkInitiatorPlans(plans);
    this.state = role;
    if (this.regime === 'unknown') this.regime = regimeOf(stats, this.tuning);

    const outLimit =
      this.push && role === 'responder' ? Math.min(this.limit, Math.max(MIN_FRAME_SIZE_LIMIT, replyLimit)) : this.limit;
    const turn: Turn = {
      role,
      stats,
      out: new Output(outLimit),
      have: [],
      need: [],
      push: [],
      pushed: 0,
      unpushed: 0,
      pushRoom: this.push && role === 'responder' ? Math.max(0, pushRoom) : 0,
    };
    let group: SymbolGroup | undefined;
    let deferFrom = -1;
    for (const plan of plans) {
      if (role === 'responder' && this.joinsSymbolGroup(plan)) {
        group = this.extendGroup(group, plan);
        continue;
      }
      if (group !== undefined) {
        deferFrom = this.writeGroup(group, turn.out);
        group = undefined;
        if (deferFrom >= 0) break;
      }
      deferFrom = this.handle(turn, plan);
      if (deferFrom >= 0) break;
    }
    if (deferFrom < 0 && group !== undefined) deferFrom = this.writeGroup(group, turn.out);
    if (deferFrom >= 0) {
      const n = this.storage.size;
      turn.out.defer(this.stateOf(deferFrom, n), n - deferFrom);
    }
    const reply = role === 'initiator' && turn.out.empty ? null : turn.out.enc.finish();
    return {
      reply,
      have: this.firstReports(turn.have),
      need: this.firstReports(turn.need),
      push: turn.push,
      pushed: turn.pushed,
      unpushed: turn.unpushed,
      replyCut: (deferFrom >= 0 || turn.out.trimmed) && outLimit < this.limit,
    };
  }

  private firstReports(ids: Uint8Array[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const id of ids) {
      const key = idKey(id);
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      out.push(id);
    }
    return out;
  }

  // ---- pass 1: where each range falls in our set, and how its fingerprint compares ----

  private classify(ranges: RangeMessage[]): { plans: Plan[]; stats: MessageStats } {
    const st = this.storage;
    const n = st.size;
    const plans: Plan[] = [];
    let prev = 0;
    let fingerprints = 0;
    let mismatched = 0;
    const theirs = new Uint32Array(4);
    const mine = new Uint32Array(4);
    for (const range of ranges) {
      const upper = isInfinite(range.upper) ? n : st.findLowerBound(range.upper, prev, n);
      const plan: Plan = { range, lower: prev, upper, status: Status.None, pureIndex: -1, theirCount: -1 };
      if (range.mode === Mode.Fingerprint) {
        plan.theirCount = range.count;
        fingerprints++;
        decodeFingerprint(range.fingerprint, 0, theirs, 0);
        const count = upper - prev;
        st.sum(this.key, prev, upper, mine, 0);
        const mySum = mine.slice();
        combineState(mySum, 0, count, mine, 0);
        if (equal128(mine, 0, theirs, 0)) {
          plan.status = Status.Equal;
        } else {
          mismatched++;
          plan.status = Status.Mismatch;
          if (count > 0 && range.count === count - 1) {
            // If the peer holds exactly our items minus one, its sum is ours minus that item's id.
            sumFromState(theirs, 0, count - 1, theirs, 0);
            sub128(mySum, 0, theirs, 0, theirs, 0);
            const idx = st.indexOfId(prev, upper, this.key.idFromTerm(theirs, 0));
            if (idx >= 0) {
              plan.status = Status.Pure;
              plan.pureIndex = idx;
            }
          }
        }
      }
      plans.push(plan);
      prev = upper;
    }
    return { plans, stats: { fingerprints, mismatched } };
  }

  /** Validates what the initiator can only check against its own set, before acting on anything. */
  private checkInitiatorPlans(plans: Plan[]): void {
    for (const p of plans) {
      const r = p.range;
      const size = p.upper - p.lower;
      if (r.mode === Mode.IdDiff && r.bits !== size) {
        throw new ReconcileError(
          ReconcileErrorCode.Protocol,
          `IdDiff covers ${r.bits} items but the range holds ${size} of ours`,
        );
      }
      if (r.mode === Mode.Pushed && r.bits !== 0 && r.bits !== size) {
        throw new ReconcileError(
          ReconcileErrorCode.Protocol,
          `Pushed covers ${r.bits} items but the range holds ${size} of ours`,
        );
      }
      if (r.mode === Mode.Symbols) {
        const expected = this.symbols.received(p.lower, p.upper, r.upper);
        // 0 restarts a range (the peer answered a fingerprint of it afresh)
        if (r.start !== 0 && r.start !== expected) {
          throw new ReconcileError(
            ReconcileErrorCode.Protocol,
            `symbols from ${r.start} for a range that expects them from ${expected}`,
          );
        }
      }
    }
  }

  // ---- coded symbols (rateless.ts) ----

  /** Responder: a range whose counts show a sparse difference, answered with coded symbols. */
  private joinsSymbolGroup(plan: Plan): boolean {
    if (plan.range.mode !== Mode.Fingerprint || plan.status !== Status.Mismatch) return false;
    if (this.regime === 'clustered') return false;
    return initialSymbols(plan.upper - plan.lower, plan.theirCount, this.tuning) > 0;
  }

  private extendGroup(group: SymbolGroup | undefined, plan: Plan): SymbolGroup {
    const diffs = Math.abs(plan.upper - plan.lower - plan.theirCount);
    if (group === undefined) return { lower: plan.lower, upper: plan.upper, upperBound: plan.range.upper, diffs };
    group.upper = plan.upper;
    group.upperBound = plan.range.upper;
    group.diffs += diffs;
    return group;
  }

  /** Responder: one Symbols range for the group, as many symbols as fit; returns where to defer from, or -1. */
  private writeGroup(g: SymbolGroup, out: Output): number {
    const n = Math.ceil(this.tuning.symbolsPerDiff * g.diffs) + this.tuning.symbolSlack;
    return this.writeSymbolsRange(out, g.upperBound, g.lower, g.upper, 0, n);
  }

  private writeSymbolsRange(
    out: Output,
    upperBound: Bound,
    lower: number,
    upper: number,
    start: number,
    n: number,
  ): number {
    const m = out.begin();
    const fit = Math.floor((out.limit - RESERVE - out.enc.length - SYMBOLS_HEADER_BYTES) / SYMBOL_BYTES);
    const count = Math.min(n, fit, MAX_SYMBOL_INDEX - start);
    if (fit < Math.min(n, MAX_SYMBOL_INDEX - start)) out.trimmed = true;
    if (count < 1) {
      out.end(m, true);
      return lower;
    }
    this.walkedItems += upper - lower;
    const symbols = encodeSymbols(this.storage, lower, upper, start, count);
    const bytes = new Uint8Array(count * SYMBOL_BYTES);
    writeSymbols(symbols, bytes, 0);
    out.enc.range(upperBound, Mode.Symbols);
    out.enc.w.writeVarUint(start);
    out.enc.w.writeVarUint(count);
    this.writeCountedFingerprint(out.enc, lower, upper);
    out.enc.w.writeBytes(bytes);
    return out.end(m) ? -1 : lower;
  }

  /** Initiator: their coded symbols for a range; settles it, asks for more, or splits it. */
  private takeSymbols(turn: Turn, plan: Plan, r: Extract<RangeMessage, { mode: typeof Mode.Symbols }>): number {
    const { lower, upper } = plan;
    if (r.start === 0) this.symbols.drop(lower, upper, r.upper);
    if (this.symbols.gaveUp(lower) || !this.symbols.hasRoom(r.n)) {
      // (past the session's bound on symbols held, ranges are listed: a bound, not an error)
      this.symbols.giveUp(lower, upper, r.upper);
      return this.listInChunks(lower, upper, r.upper, turn.out);
    }
    const diff = this.symbols.get(lower, upper, r.upper);
    diff.append(readSymbols(r.symbols, 0, r.start, r.n), encodeSymbols(this.storage, lower, upper, r.start, r.n));
    this.symbols.added(r.n);
    if (diff.complete && this.settle(turn, plan, diff, r.count, r.fingerprint)) {
      this.symbols.drop(lower, upper, r.upper);
      turn.out.skip(r.upper);
      return -1;
    }
    const more = moreSymbols(diff.received, this.tuning);
    const cap = Math.min(MAX_SYMBOL_INDEX, 2 * (upper - lower + r.count) + 4 * this.tuning.symbolSlack);
    if (diff.complete || diff.failed || diff.received + more > cap) {
      // The symbols do not describe a difference we can trust (or would cost more than the ids):
      // list our ids from here on. Splitting could come back as symbols for the same items.
      this.symbols.giveUp(lower, upper, r.upper);
      return this.listInChunks(lower, upper, r.upper, turn.out);
    }
    return this.writeSymbolRequest(turn.out, r.upper, diff.received, more, lower);
  }

  /** Initiator: a fully peeled difference, checked against the peer's fingerprint before it is believed. */
  private settle(turn: Turn, plan: Plan, diff: SymbolDiff, theirCount: number, theirFingerprint: Uint8Array): boolean {
    const { lower, upper } = plan;
    const sum = new Uint32Array(4);
    this.storage.sum(this.key, lower, upper, sum, 0);
    const t = new Uint32Array(4);
    let count = upper - lower;
    for (const p of diff.items) {
      if (p.ours !== this.storage.indexOfId(lower, upper, p.id) >= 0) return false;
      this.key.term(p.id, 0, t, 0);
      if (p.ours) sub128(sum, 0, t, 0, sum, 0);
      else add128(sum, 0, t, 0, sum, 0);
      count += p.ours ? -1 : 1;
    }
    if (count !== theirCount) return false;
    const theirs = new Uint32Array(4);
    decodeFingerprint(theirFingerprint, 0, theirs, 0);
    combineState(sum, 0, count, sum, 0);
    if (!equal128(sum, 0, theirs, 0)) return false;
    for (const p of diff.items) (p.ours ? turn.have : turn.need).push(p.id);
    return true;
  }

  private writeSymbolRequest(out: Output, upperBound: Bound, start: number, n: number, lower: number): number {
    const m = out.begin();
    out.enc.range(upperBound, Mode.SymbolRequest);
    out.enc.w.writeVarUint(start);
    out.enc.w.writeVarUint(n);
    return out.end(m) ? -1 : lower;
  }

  /** Responder, push mode: the versions go ahead of the reply; the range says only how many. */
  private writePushed(
    turn: Turn,
    upperBound: Bound,
    items: readonly number[],
    lacking: Uint8Array | null,
    bits: number,
    lower: number,
  ): number {
    // A range can come back (inside a "rest of the set" fingerprint, after a cut-off message): what
    // went once is not sent again, and the count says what goes with this reply.
    this.walkedItems += items.length;
    const fresh = items.filter((i) => !this.pushedKeys.has(idKey(this.storage.idAt(i))));
    const m = turn.out.begin();
    turn.out.enc.range(upperBound, Mode.Pushed);
    turn.out.enc.w.writeVarUint(fresh.length);
    turn.out.enc.w.writeVarUint(lacking === null ? 0 : bits);
    if (lacking !== null) turn.out.enc.w.writeBytes(lacking);
    if (!turn.out.end(m)) return lower;
    for (const i of fresh) {
      const id = this.storage.idAt(i).slice();
      this.pushedKeys.add(idKey(id));
      turn.push.push(id);
    }
    turn.pushRoom -= fresh.length;
    return -1;
  }

  // ---- pass 2: answer each range; returns the index to defer from, or -1 ----

  private handle(turn: Turn, plan: Plan): number {
    const { role, stats, out, have, need } = turn;
    const r = plan.range;
    const { lower, upper } = plan;
    switch (r.mode) {
      case Mode.Skip:
        out.skip(r.upper);
        return -1;
      case Mode.Fingerprint: {
        if (plan.status === Status.Equal) {
          out.skip(r.upper);
          return -1;
        }
        if (plan.status === Status.Pure) {
          if (role === 'initiator') {
            have.push(this.storage.idAt(plan.pureIndex).slice());
            out.skip(r.upper);
            return -1;
          }
          if (turn.pushRoom >= 1) return this.writePushed(turn, r.upper, [plan.pureIndex], null, 0, lower);
          if (this.push) turn.unpushed += 1;
          const m = out.begin();
          out.enc.range(r.upper, Mode.Extra);
          out.enc.w.writeVarUint(1);
          out.enc.w.writeBytes(this.storage.idAt(plan.pureIndex));
          return out.end(m) ? -1 : lower;
        }
        if (role === 'responder' && r.count === 0 && turn.pushRoom >= upper - lower) {
          // The initiator holds nothing here: everything we hold goes.
          const all = Array.from({ length: upper - lower }, (_, k) => lower + k);
          return this.writePushed(turn, r.upper, all, null, 0, lower);
        }
        if (role === 'initiator' && this.regime !== 'clustered') {
          const n = initialSymbols(upper - lower, r.count, this.tuning);
          const start = this.symbols.received(lower, upper, r.upper);
          const fits = n > 0 && start + n <= MAX_SYMBOL_INDEX && !this.symbols.gaveUp(lower);
          if (fits) return this.writeSymbolRequest(out, r.upper, start, n, lower);
        }
        const action = chooseAction(this.regime, upper - lower, stats, this.tuning, this.maxFanout, this.maxIdList);
        const m = out.begin();
        this.writeAction(out.enc, action, lower, upper, r.upper);
        return out.end(m) ? -1 : lower;
      }
      case Mode.IdList:
        if (role === 'initiator') {
          this.resolveIdList(lower, upper, r.ids, r.count, have, need);
          out.skip(r.upper);
          return -1;
        }
        return this.answerIdList(turn, plan, r.ids, r.count, r.upper);
      case Mode.IdDiff: {
        for (let i = 0; i < r.bits; i++) {
          if ((r.lacking[i >> 3]! >> (i & 7)) & 1) have.push(this.storage.idAt(lower + i).slice());
        }
        this.collectMissing(lower, upper, r.ids, r.count, need);
        out.skip(r.upper);
        return -1;
      }
      case Mode.Extra:
        this.collectMissing(lower, upper, r.ids, r.count, need);
        out.skip(r.upper);
        return -1;
      case Mode.Pushed:
        for (let i = 0; i < r.bits; i++) {
          if ((r.lacking[i >> 3]! >> (i & 7)) & 1) have.push(this.storage.idAt(lower + i).slice());
        }
        turn.pushed += r.count;
        out.skip(r.upper);
        return -1;
      case Mode.Symbols:
        return this.takeSymbols(turn, plan, r);
      case Mode.SymbolRequest:
        return this.writeSymbolsRange(out, r.upper, lower, upper, r.start, r.n);
      default: {
        const never: never = r;
        throw new ReconcileError(ReconcileErrorCode.Protocol, `unhandled range ${String(never)}`);
      }
    }
  }

  private writeAction(enc: MessageEncoder, action: SplitAction, lower: number, upper: number, upperBound: Bound): void {
    switch (action.kind) {
      case 'idlist':
        this.writeIdList(enc, upperBound, lower, upper);
        return;
      case 'split':
        this.writeSplit(enc, lower, upper, upperBound, action.fanout);
        return;
      default: {
        const never: never = action;
        throw new ReconcileError(ReconcileErrorCode.Usage, `unknown action ${String(never)}`);
      }
    }
  }

  /** Initiator, peer listed all its ids of the range: settle it. */
  private resolveIdList(
    lower: number,
    upper: number,
    ids: Uint8Array,
    count: number,
    have: Uint8Array[],
    need: Uint8Array[],
  ): void {
    const set = new IdSet(ids, count);
    const found = new Uint8Array(count);
    for (let i = lower; i < upper; i++) {
      const j = set.indexOf(this.storage.idAt(i), 0);
      if (j < 0) have.push(this.storage.idAt(i).slice());
      else found[j] = 1;
    }
    for (let j = 0; j < count; j++) {
      if (!found[j] && set.indexOf(ids, j * ID_SIZE) === j) need.push(ids.slice(j * ID_SIZE, (j + 1) * ID_SIZE));
    }
  }

  /** Initiator: ids the peer says we lack, minus any we do hold in the range and duplicates. */
  private collectMissing(lower: number, upper: number, ids: Uint8Array, count: number, need: Uint8Array[]): void {
    if (count === 0) return;
    const set = new IdSet(ids, count);
    const found = new Uint8Array(count);
    for (let i = lower; i < upper; i++) {
      const j = set.indexOf(this.storage.idAt(i), 0);
      if (j >= 0) found[j] = 1;
    }
    for (let j = 0; j < count; j++) {
      if (!found[j] && set.indexOf(ids, j * ID_SIZE) === j) need.push(ids.slice(j * ID_SIZE, (j + 1) * ID_SIZE));
    }
  }

  /** Responder, initiator listed its ids of the range: say what it lacks and what we lack. */
  private answerIdList(turn: Turn, plan: Plan, ids: Uint8Array, count: number, upperBound: Bound): number {
    const { out } = turn;
    const { lower, upper } = plan;
    const pushing = turn.pushRoom >= upper - lower - count;
    if (this.push && !pushing) {
      // Too many to push in this reply: split, and push the pieces as later replies have room.
      // Listing the ids instead would let a tiny request (an empty set's) draw a frame of ids.
      turn.unpushed += upper - lower - count;
      return this.splitForPush(turn, lower, upper, upperBound);
    }
    // At least (ours - theirs) of our ids go back: if that cannot fit, skip straight to chunks.
    if (!pushing && (upper - lower - count) * ID_SIZE > this.maxPiece) {
      return this.listInChunks(lower, upper, upperBound, out);
    }
    this.walkedItems += upper - lower;
    const set = new IdSet(ids, count);
    const matched = new Uint8Array(count);
    const extras: number[] = [];
    for (let i = lower; i < upper; i++) {
      const j = set.indexOf(this.storage.idAt(i), 0);
      if (j < 0) extras.push(i);
      else matched[j] = 1;
    }
    if (extras.length === 0 && matched.indexOf(0) < 0) {
      out.skip(upperBound); // same ids on both sides: nothing to say
      return -1;
    }
    const bitBytes = Math.ceil(count / 8);
    const lacking = new Uint8Array(bitBytes);
    let lacks = false;
    for (let j = 0; j < count; j++) {
      // a duplicate position is matched when its first occurrence is
      const first = set.indexOf(ids, j * ID_SIZE);
      if (!matched[first]) {
        lacking[j >> 3]! |= 1 << (j & 7);
        lacks = true;
      }
    }
    if (turn.pushRoom >= extras.length) {
      return this.writePushed(turn, upperBound, extras, lacks ? lacking : null, count, lower);
    }
    if (this.push) {
      turn.unpushed += extras.length;
      return this.splitForPush(turn, lower, upper, upperBound);
    }
    const size = MAX_RANGE_BYTES + 16 + extras.length * ID_SIZE + bitBytes;
    if (size <= this.maxPiece) {
      const m = out.begin();
      out.enc.range(upperBound, Mode.IdDiff);
      out.enc.w.writeVarUint(extras.length);
      for (const i of extras) out.enc.w.writeBytes(this.storage.idAt(i));
      out.enc.w.writeVarUint(count);
      out.enc.w.writeBytes(lacking);
      return out.end(m) ? -1 : lower;
    }
    return this.listInChunks(lower, upper, upperBound, out);
  }

  /** Responder, push mode: the range as child fingerprints (a single item is listed: it cannot split). */
  private splitForPush(turn: Turn, lower: number, upper: number, upperBound: Bound): number {
    const m = turn.out.begin();
    if (upper - lower < 2) this.writeIdList(turn.out.enc, upperBound, lower, upper);
    else this.writeSplit(turn.out.enc, lower, upper, upperBound, Math.min(this.tuning.clusteredFanout, this.maxFanout));
    return turn.out.end(m) ? -1 : lower;
  }

  /** Lists our ids of [lower, upper) in frame-sized IdList chunks; each chunk settles its sub-range. */
  private listInChunks(lower: number, upper: number, upperBound: Bound, out: Output): number {
    let start = lower;
    do {
      const end = Math.min(upper, start + this.maxIdList);
      const bound = end === upper ? upperBound : this.boundBefore(end);
      const m = out.begin();
      this.writeIdList(out.enc, bound, start, end);
      if (!out.end(m)) return start;
      start = end;
    } while (start < upper);
    return -1;
  }

  // ---- writers ----

  private stateOf(lower: number, upper: number): Uint32Array {
    const s = new Uint32Array(4);
    this.storage.sum(this.key, lower, upper, s, 0);
    combineState(s, 0, upper - lower, s, 0);
    return s;
  }

  private writeFingerprint(enc: MessageEncoder, upperBound: Bound, lower: number, upper: number): void {
    enc.range(upperBound, Mode.Fingerprint);
    this.writeCountedFingerprint(enc, lower, upper);
  }

  /** count:varint and the 16-byte fingerprint of our items [lower, upper). */
  private writeCountedFingerprint(enc: MessageEncoder, lower: number, upper: number): void {
    enc.w.writeVarUint(upper - lower);
    const fp = new Uint8Array(FINGERPRINT_SIZE);
    encodeFingerprint(this.stateOf(lower, upper), 0, fp, 0);
    enc.w.writeBytes(fp);
  }

  private writeIdList(enc: MessageEncoder, upperBound: Bound, lower: number, upper: number): void {
    this.walkedItems += upper - lower;
    enc.range(upperBound, Mode.IdList);
    enc.w.writeVarUint(upper - lower);
    for (let i = lower; i < upper; i++) enc.w.writeBytes(this.storage.idAt(i));
  }

  /** Splits [lower, upper) into `fanout` children of nearly equal size (by our items). */
  private writeSplit(enc: MessageEncoder, lower: number, upper: number, upperBound: Bound, fanout: number): void {
    const n = upper - lower;
    const k = Math.max(1, Math.min(fanout, n));
    const base = Math.floor(n / k);
    const extra = n % k;
    this.walkedItems += k;
    let curr = lower;
    for (let i = 0; i < k; i++) {
      const start = curr;
      curr += base + (i < extra ? 1 : 0);
      const bound = curr === upper ? upperBound : this.boundBefore(curr);
      this.writeFingerprint(enc, bound, start, curr);
    }
  }

  /** The shortest bound separating item i-1 from item i (0 < i < size). */
  private boundBefore(i: number): Bound {
    const st = this.storage;
    return minimalBound(st.timestampAt(i - 1), st.idAt(i - 1), 0, st.timestampAt(i), st.idAt(i), 0);
  }
}

function idKey(id: Uint8Array): string {
  let s = '';
  for (let i = 0; i < ID_SIZE; i += 2) s += String.fromCharCode(id[i]! | (id[i + 1]! << 8));
  return s;
}
