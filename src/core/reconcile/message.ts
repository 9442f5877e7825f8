import { Decoder } from '../bytes/decoder';
import { Encoder } from '../bytes/encoder';
import type { Bound } from './bound';
import { compareBounds, INFINITE_BOUND, isInfinite, ZERO_BOUND } from './bound';
import { malformed, ReconcileError, ReconcileErrorCode, usage } from './errors';
import { FINGERPRINT_SIZE } from './fingerprint';
import { ID_SIZE, MAX_ITEM_TS } from './item';
import { MAX_SYMBOL_INDEX, SYMBOL_BYTES } from './rateless';

/**
 * Wire format, protocol version 2 (version 1 had no counts, no Pushed, Symbols or SymbolRequest).
 *
 *   message := version:u8(=1) range*
 *   range   := tsCode:varint head:varint prefix:u8[head >> 3] payload
 *     tsCode = 0 for the infinite bound, else (ts - previous bound's ts in this message) + 1
 *     head   = prefixLength * 8 + mode   (prefixLength 0..16, 0 for the infinite bound)
 *
 * Ranges are consecutive: each starts where the previous one ended (the first at the zero bound)
 * and bounds strictly increase. Anything after the last range is implicitly skipped.
 *
 *   Skip        (0): nothing to do for this range.
 *   Fingerprint (1): count:varint, 16 bytes — how many items the sender holds in the range and its
 *                    fingerprint of them (the counts give the receiver a lower bound on the difference).
 *   IdList      (2): count:varint, count × 16-byte ids — all the sender's ids in the range.
 *   IdDiff      (3): responder → initiator, answering an IdList for the same range:
 *                    count:varint, count × 16-byte ids the initiator lacks, then bits:varint and
 *                    ceil(bits/8) bytes; bit i (LSB first) set = the responder lacks the
 *                    initiator's i-th item of the range.
 *   Extra       (4): responder → initiator, answering a Fingerprint: count:varint, count × ids —
 *                    the responder holds exactly the initiator's items of the range plus these.
 *   Pushed      (5): responder → initiator, answering an IdList or a Fingerprint: count:varint,
 *                    bits:varint, ceil(bits/8) bytes. The responder has sent the `count` versions of
 *                    the range the initiator lacks ahead of this message (instead of listing ids);
 *                    bits as in IdDiff, or 0 when the responder lacks none of the initiator's items.
 *   Symbols     (6): responder → initiator: start:varint, n:varint, count:varint, 16-byte fingerprint
 *                    of the responder's items in the range, n coded symbols [start, start + n) of them
 *                    (rateless.ts, SYMBOL_BYTES each).
 *   SymbolRequest (7): initiator → responder: start:varint, n:varint — send coded symbols
 *                    [start, start + n) of your items in this range.
 */
export const PROTOCOL_VERSION = 2;

export const Mode = {
  Skip: 0,
  Fingerprint: 1,
  IdList: 2,
  IdDiff: 3,
  Extra: 4,
  Pushed: 5,
  Symbols: 6,
  SymbolRequest: 7,
} as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

export type RangeMessage =
  | { readonly mode: typeof Mode.Skip; readonly upper: Bound }
  | {
      readonly mode: typeof Mode.Fingerprint;
      readonly upper: Bound;
      readonly count: number;
      readonly fingerprint: Uint8Array;
    }
  | { readonly mode: typeof Mode.IdList; readonly upper: Bound; readonly ids: Uint8Array; readonly count: number }
  | {
      readonly mode: typeof Mode.IdDiff;
      readonly upper: Bound;
      readonly ids: Uint8Array;
      readonly count: number;
      readonly lacking: Uint8Array;
      readonly bits: number;
    }
  | { readonly mode: typeof Mode.Extra; readonly upper: Bound; readonly ids: Uint8Array; readonly count: number }
  | {
      readonly mode: typeof Mode.Pushed;
      readonly upper: Bound;
      readonly count: number;
      readonly lacking: Uint8Array;
      readonly bits: number;
    }
  | {
      readonly mode: typeof Mode.Symbols;
      readonly upper: Bound;
      readonly start: number;
      readonly n: number;
      readonly count: number;
      readonly fingerprint: Uint8Array;
      /** n × SYMBOL_BYTES. */
      readonly symbols: Uint8Array;
    }
  | { readonly mode: typeof Mode.SymbolRequest; readonly upper: Bound; readonly start: number; readonly n: number };

const MAX_PREFIX = ID_SIZE;

/**
 * Parses and validates a whole message before anything acts on it: version, size limit, varints,
 * lengths against the bytes left, prefix lengths, strictly increasing bounds, known modes, padding.
 * Ids are returned as views into `bytes` (packed, 16 bytes each). Work and allocation are linear in
 * the message length.
 */
export function decodeMessage(bytes: Uint8Array, frameSizeLimit: number): RangeMessage[] {
  if (!(bytes instanceof Uint8Array))
    throw new ReconcileError(ReconcileErrorCode.Malformed, 'message is not a Uint8Array');
  if (bytes.length > frameSizeLimit) {
    throw new ReconcileError(
      ReconcileErrorCode.Oversize,
      `message of ${bytes.length} bytes exceeds the frame size limit ${frameSizeLimit}`,
    );
  }
  if (bytes.length === 0) throw new ReconcileError(ReconcileErrorCode.Malformed, 'empty message');
  const version = bytes[0]!;
  if (version !== PROTOCOL_VERSION) {
    throw new ReconcileError(
      ReconcileErrorCode.UnsupportedVersion,
      `unsupported protocol version ${version} (this peer speaks version ${PROTOCOL_VERSION})`,
    );
  }
  const r = new Decoder(bytes, malformed);
  r.pos = 1;
  const out: RangeMessage[] = [];
  let prev: Bound = ZERO_BOUND;
  let lastTs = 0;
  while (r.left > 0) {
    if (isInfinite(prev)) throw new ReconcileError(ReconcileErrorCode.Protocol, 'range after the infinite bound');
    const tsCode = r.readVarUint();
    const head = r.readVarUint();
    const mode = head % 8;
    const prefixLength = Math.floor(head / 8);
    if (prefixLength > MAX_PREFIX) r.fail(`bound prefix of ${prefixLength} bytes (max ${MAX_PREFIX})`);
    let upper: Bound;
    if (tsCode === 0) {
      if (prefixLength !== 0) r.fail('infinite bound with an id prefix');
      upper = INFINITE_BOUND;
    } else {
      const ts = lastTs + (tsCode - 1);
      if (!Number.isSafeInteger(ts) || ts > MAX_ITEM_TS) r.fail(`bound timestamp exceeds ${MAX_ITEM_TS}`);
      lastTs = ts;
      upper = { ts, prefix: r.readView(prefixLength) };
    }
    if (compareBounds(upper, prev) <= 0) {
      throw new ReconcileError(ReconcileErrorCode.Protocol, `bounds out of order at byte ${r.pos}`);
    }
    prev = upper;
    switch (mode) {
      case Mode.Skip:
        out.push({ mode, upper });
        break;
      case Mode.Fingerprint: {
        const count = r.readVarUint();
        out.push({ mode, upper, count, fingerprint: r.readView(FINGERPRINT_SIZE) });
        break;
      }
      case Mode.IdList:
      case Mode.Extra: {
        const [count, ids] = readIds(r);
        out.push({ mode, upper, ids, count });
        break;
      }
      case Mode.IdDiff: {
        const [count, ids] = readIds(r);
        const [bits, lacking] = readBitmap(r);
        out.push({ mode, upper, ids, count, lacking, bits });
        break;
      }
      case Mode.Pushed: {
        const count = r.readVarUint();
        const [bits, lacking] = readBitmap(r);
        out.push({ mode, upper, count, lacking, bits });
        break;
      }
      case Mode.Symbols: {
        const [start, n] = readSymbolSpan(r);
        const count = r.readVarUint();
        const fingerprint = r.readView(FINGERPRINT_SIZE);
        if (n > Math.floor(r.left / SYMBOL_BYTES)) r.fail(`${n} symbols exceed the ${r.left} bytes left`);
        out.push({ mode, upper, start, n, count, fingerprint, symbols: r.readView(n * SYMBOL_BYTES) });
        break;
      }
      case Mode.SymbolRequest: {
        const [start, n] = readSymbolSpan(r);
        out.push({ mode, upper, start, n });
        break;
      }
      default:
        throw new ReconcileError(ReconcileErrorCode.Protocol, `unknown range mode ${mode} at byte ${r.pos}`);
    }
  }
  return out;
}

function readBitmap(r: Decoder): [number, Uint8Array] {
  const bits = r.readVarUint();
  const nBytes = Math.ceil(bits / 8);
  if (nBytes > r.left) r.fail(`bitmap of ${bits} bits exceeds the ${r.left} bytes left`);
  const lacking = r.readView(nBytes);
  if (bits % 8 !== 0 && lacking[nBytes - 1]! >> (bits % 8) !== 0) r.fail('bitmap padding bits set');
  return [bits, lacking];
}

function readSymbolSpan(r: Decoder): [number, number] {
  const start = r.readVarUint();
  const n = r.readVarUint();
  if (n === 0 || start + n > MAX_SYMBOL_INDEX)
    r.fail(`symbols [${start}, ${start + n}) outside [0, ${MAX_SYMBOL_INDEX})`);
  return [start, n];
}

function readIds(r: Decoder): [number, Uint8Array] {
  const count = r.readVarUint();
  if (count > Math.floor(r.left / ID_SIZE)) r.fail(`id list of ${count} ids exceeds the ${r.left} bytes left`);
  return [count, r.readView(count * ID_SIZE)];
}

/**
 * Writes ranges with delta-encoded bounds. `mark`/`reset` let a caller build a piece of output
 * speculatively and take it back if it would overflow the frame.
 */
export class MessageEncoder {
  /**
   * One kept for the life of the class (one is made a message): see Reconciler.shapeKeeper. It has
   * written a bound, as every encoder of a session has: a bound's timestamp (ms since 1970) is past
   * V8's small integers, so the first one written moves `lastTs` to a heap number and the class to
   * another hidden class, which an encoder that never wrote one would not keep alive.
   */
  static readonly shapeKeeper: MessageEncoder = MessageEncoder.written();

  private static written(): MessageEncoder {
    const e = new MessageEncoder();
    e.range({ ts: MAX_ITEM_TS, prefix: new Uint8Array(0) }, Mode.Skip);
    return e;
  }

  readonly w = new Encoder(512, usage);
  private lastTs = 0;

  constructor() {
    this.w.writeU8(PROTOCOL_VERSION);
  }

  get length(): number {
    return this.w.length;
  }

  /** Starts a range ending at `upper` with the given mode; the caller writes the payload next. */
  range(upper: Bound, mode: Mode): void {
    const prefixLength = isInfinite(upper) ? 0 : upper.prefix.length;
    if (isInfinite(upper)) {
      this.w.writeVarUint(0);
    } else {
      this.w.writeVarUint(upper.ts - this.lastTs + 1);
      this.lastTs = upper.ts;
    }
    this.w.writeVarUint(prefixLength * 8 + mode);
    if (prefixLength > 0) this.w.writeBytes(upper.prefix);
  }

  mark(): EncoderMark {
    return { length: this.w.length, lastTs: this.lastTs };
  }

  reset(m: EncoderMark): void {
    this.w.truncate(m.length);
    this.lastTs = m.lastTs;
  }

  finish(): Uint8Array {
    return this.w.finish();
  }
}

export interface EncoderMark {
  readonly length: number;
  readonly lastTs: number;
}
