import type { DecodeContext, EncodeContext } from './context';
import { WireError } from './errors';
import { MAX_EPOCH_MS, MAX_LONG_TEXT, MAX_TEXT } from '../entity/bounds';
import { isEncodedTs } from '../clock/timestamp';
import { isWellFormed } from '../bytes/utf8';
import { unzigzag, zigzag } from '../bytes/zigzag';

/** Field layouts shared by several kinds. */

/** A string of the batch's string table, by index. */
export function writeText(ctx: EncodeContext, s: string, field: string, max: number = MAX_TEXT): void {
  if (typeof s !== 'string' || s.length > max || !isWellFormed(s)) {
    throw new WireError(`cannot encode ${field}: expected well-formed text of at most ${max} characters`);
  }
  ctx.w.writeVarUint(ctx.strings.add(s));
}

export function readText(ctx: DecodeContext, field: string, max: number = MAX_TEXT): string {
  const i = ctx.r.readVarUint();
  const s = ctx.strings[i];
  if (s === undefined) return ctx.r.fail(`${field}: string index ${i} out of range (table has ${ctx.strings.length})`);
  if (s.length > max) ctx.r.fail(`${field}: longer than ${max} characters`);
  return s;
}

/** A request id (an encoded timestamp), through the string table like any text. */
export function writeRequestId(ctx: EncodeContext, s: string, field: string): void {
  if (!isEncodedTs(s)) throw new WireError(`cannot encode ${field}: not an encoded timestamp`);
  writeText(ctx, s, field, MAX_LONG_TEXT);
}

export function readRequestId(ctx: DecodeContext, field: string): string {
  const s = readText(ctx, field, MAX_LONG_TEXT);
  if (!isEncodedTs(s)) ctx.r.fail(`${field}: not an encoded timestamp`);
  return s;
}

/** Whole epoch ms only (approval and task times): the compact varint form, nothing else. */
export function readWholeEpoch(ctx: DecodeContext, field: string): number {
  const x = readEpoch(ctx, field);
  if (!Number.isInteger(x)) ctx.r.fail(`${field}: expected whole milliseconds`);
  return x;
}

/** A 1-byte enum index. */
export function writeEnum<T extends string>(ctx: EncodeContext, value: T, values: readonly T[], field: string): void {
  const i = values.indexOf(value);
  if (i < 0) throw new WireError(`cannot encode ${field}: ${String(value)} is not one of ${values.join(' | ')}`);
  ctx.w.writeU8(i);
}

export function readEnum<T extends string>(ctx: DecodeContext, values: readonly T[], field: string): T {
  const i = ctx.r.readU8();
  const v = values[i];
  if (v === undefined) return ctx.r.fail(`${field}: enum index ${i} out of range`);
  return v;
}

/**
 * Epoch milliseconds (deadline, expiry): whole ms as an even varint zigzag(x - version ms) * 2,
 * which is 3 bytes for "30 s from now"; anything else as 1 then a float64, so nothing is lost.
 */
export function writeEpoch(ctx: EncodeContext, x: number, field: string): void {
  if (!(x >= 0 && x <= MAX_EPOCH_MS)) throw new WireError(`cannot encode ${field} ${x}: out of [0, 2^47]`);
  if (Number.isInteger(x)) {
    ctx.w.writeVarUint(zigzag(x - ctx.ms) * 2);
  } else {
    ctx.w.writeVarUint(1);
    ctx.w.writeF64(x);
  }
}

export function readEpoch(ctx: DecodeContext, field: string): number {
  const r = ctx.r;
  const v = r.readVarUint();
  let x: number;
  if (v === 1) {
    x = r.readF64() + 0;
    // writeEpoch puts whole ms in the varint form: one value, one encoding.
    if (Number.isInteger(x)) r.fail(`${field}: whole ms ${x} in the float64 form`);
  } else if (v % 2 === 0) x = ctx.ms + unzigzag(v / 2);
  else return r.fail(`${field}: bad epoch tag ${v}`);
  if (!(x >= 0 && x <= MAX_EPOCH_MS)) r.fail(`${field}: ${x} out of [0, 2^47]`);
  return x;
}
