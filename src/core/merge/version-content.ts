import { compareTs, type Timestamp } from '../clock/timestamp';
import type { Version } from './version';

/**
 * What a version says beyond its key (entity, kind, timestamp): its value and its causal context,
 * as one canonical text. Object keys are sorted and contexts ordered by timestamp, so every node
 * builds the same text for the same version however it reached it (local write, wire, storage),
 * and different texts for versions that differ in anything but key order. The signature is not
 * part of it: it vouches for the content, it is not content.
 *
 * One timestamp can carry two contents only if something is wrong (a relay rewrote a value in
 * transit, a peer equivocated, or a crash made a node issue a timestamp again): the merge then keeps
 * the same one everywhere (compareContent), and the reconciliation id covers the content too, so
 * two replicas holding different contents under one timestamp never look synced.
 */
export function canonicalContent(v: Pick<Version, 'value' | 'seen'>): string {
  const seen = v.seen.length < 2 ? v.seen : [...v.seen].sort(compareTs);
  let out = canonicalJson(v.value);
  for (const s of seen) out += `|${tsText(s)}`;
  return out;
}

/** True when two versions (of one key) carry the same value and context. */
export function sameContent(a: Pick<Version, 'value' | 'seen'>, b: Pick<Version, 'value' | 'seen'>): boolean {
  if (a === b || (a.value === b.value && a.seen === b.seen)) return true;
  // Two copies of one content (a head read back from the store's columns against the version that
  // was written, a stored copy against a wire copy) are equal member by member: that implies equal
  // canonical texts, without building them. Anything else is decided by the texts.
  if (sameSeen(a.seen, b.seen) && sameJson(a.value, b.value)) return true;
  return canonicalContent(a) === canonicalContent(b);
}

/** The same entries in the same order: the same sorted context, so the same canonical text. */
function sameSeen(a: readonly Timestamp[], b: readonly Timestamp[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.ms !== y.ms || x.c !== y.c || x.node !== y.node) return false;
  }
  return true;
}

/**
 * Equal JSON values member by member (primitives by ===, arrays item by item with holes in the same
 * places, objects with the same own keys): implies equal canonicalJson (0 and -0 are equal here and
 * both written 0). False says nothing (NaN, a member holding undefined on one side only): the caller
 * falls back to the texts.
 */
function sameJson(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    // A hole and an item holding undefined read alike but are written differently ('' and null).
    for (let i = 0; i < x.length; i++) if (i in x !== i in y || !sameJson(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(y)) return false;
  const xr = x as Record<string, unknown>;
  const yr = y as Record<string, unknown>;
  const keys = Object.keys(xr);
  if (keys.length !== Object.keys(yr).length) return false;
  for (const key of keys)
    if (!Object.prototype.propertyIsEnumerable.call(yr, key) || !sameJson(xr[key], yr[key])) return false;
  return true;
}

/**
 * A total order on contents, for two versions under one timestamp: the smaller one is kept on
 * every replica. Any fixed order would do; this one needs nothing but the versions.
 */
export function compareContent(a: Pick<Version, 'value' | 'seen'>, b: Pick<Version, 'value' | 'seen'>): number {
  return compareCanonical(canonicalContent(a), canonicalContent(b));
}

/** compareContent's order on contents already made canonical (canonicalContent), for callers that keep them. */
export function compareCanonical(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function tsText(t: Timestamp): string {
  return `${t.ms}.${t.c}.${t.node}`;
}

/** JSON with object keys sorted; undefined members are left out, as JSON.stringify does. */
function canonicalJson(x: unknown): string {
  if (x === null || typeof x !== 'object') return JSON.stringify(x) ?? 'null';
  if (Array.isArray(x)) return `[${x.map((item) => canonicalJson(item)).join(',')}]`;
  const record = x as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}
