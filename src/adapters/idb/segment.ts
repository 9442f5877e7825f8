import type { Timestamp } from '../../core/clock/timestamp';
import type { ComponentValue } from '../../core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import { versionKey } from '../../ports/storage';
import { assertJson } from './assert-json';

/**
 * Many versions in one IndexedDB record, stored column by column. The shape is chosen for the
 * structured clone: strings and typed arrays clone as flat copies, and the values travel as one JSON
 * text because one JSON.parse is cheaper than deserialising thousands of small objects.
 */
export interface Segment {
  /** versionKey of each put, stored so that loading does not re-encode keys. */
  readonly key: readonly string[];
  readonly e: readonly string[];
  readonly k: readonly string[];
  readonly ms: Float64Array;
  readonly c: Uint32Array;
  /** Author node of each put (ts.node). */
  readonly n: readonly string[];
  /** JSON text: the array of values. */
  readonly v: string;
  /** JSON text: per put, its `seen` flattened to [ms, c, node, ...], or 0 when empty. */
  readonly s: string;
  /** The signatures, concatenated. */
  readonly g: Uint8Array;
  /** Byte length of each put's signature, -1 when it has none. */
  readonly gl: Int32Array;
  /** versionKeys removed: applied after this segment's puts and everything logged before it. */
  readonly rm: readonly string[];
}

/** A few thousand versions per record keeps each clone small while the per-record cost stays amortised. */
export const SEGMENT_SIZE = 4096;

/** The records for one commit: puts in order, removals on the last record (applied after all puts). */
export function encodeSegments(put: readonly Version[], remove: readonly string[], size = SEGMENT_SIZE): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < put.length; i += size) out.push(encodeSegment(put.slice(i, i + size), []));
  if (remove.length > 0) {
    const last = out.pop();
    out.push(last === undefined ? encodeSegment([], remove) : { ...last, rm: [...remove] });
  }
  return out;
}

function encodeSegment(put: readonly Version[], remove: readonly string[]): Segment {
  const n = put.length;
  const ms = new Float64Array(n);
  const c = new Uint32Array(n);
  const gl = new Int32Array(n);
  const values: (ComponentValue | null)[] = [];
  const seen: ((number | string)[] | 0)[] = [];
  let sigBytes = 0;
  for (let i = 0; i < n; i++) {
    const v = put[i]!;
    assertJson(v.value, () => `the value of version ${JSON.stringify(versionKey(v))}`);
    ms[i] = v.ts.ms;
    c[i] = v.ts.c;
    values.push(v.value);
    seen.push(v.seen.length === 0 ? 0 : v.seen.flatMap((t) => [t.ms, t.c, t.node]));
    gl[i] = v.sig === undefined ? -1 : v.sig.byteLength;
    sigBytes += v.sig?.byteLength ?? 0;
  }
  const g = new Uint8Array(sigBytes);
  let at = 0;
  for (const v of put) {
    if (v.sig === undefined) continue;
    g.set(v.sig, at);
    at += v.sig.byteLength;
  }
  return {
    key: put.map(versionKey),
    e: put.map((v) => v.entity),
    k: put.map((v) => v.kind),
    ms,
    c,
    n: put.map((v) => v.ts.node),
    v: JSON.stringify(values),
    s: JSON.stringify(seen),
    g,
    gl,
    rm: [...remove],
  };
}

/** Replays segments in log order into the live versions by key. */
export function replaySegments(segments: readonly Segment[], into = new Map<string, Version>()): Map<string, Version> {
  for (const seg of segments) {
    const values = JSON.parse(seg.v) as (ComponentValue | null)[];
    const seen = JSON.parse(seg.s) as ((number | string)[] | 0)[];
    let at = 0;
    for (let i = 0; i < seg.key.length; i++) {
      const len = seg.gl[i]!;
      const version: Version = {
        entity: seg.e[i] as EntityId,
        kind: seg.k[i] as ComponentKind,
        value: values[i]!,
        ts: { ms: seg.ms[i]!, c: seg.c[i]!, node: seg.n[i] as NodeId },
        seen: unflatten(seen[i]!),
      };
      if (len >= 0) {
        // A copy, not a view: a view would pin (and, if transferred, detach) the whole segment's buffer.
        (version as { sig?: Uint8Array }).sig = seg.g.slice(at, at + len);
        at += len;
      }
      into.set(seg.key[i]!, version);
    }
    for (const key of seg.rm) into.delete(key);
  }
  return into;
}

/** How many log entries (puts plus removals) a segment holds: what compaction weighs. */
export function segmentEntries(seg: Segment): number {
  return seg.key.length + seg.rm.length;
}

function unflatten(flat: (number | string)[] | 0): Timestamp[] {
  const out: Timestamp[] = [];
  if (flat === 0) return out;
  for (let i = 0; i + 2 < flat.length; i += 3) {
    out.push({ ms: flat[i] as number, c: flat[i + 1] as number, node: flat[i + 2] as NodeId });
  }
  return out;
}
