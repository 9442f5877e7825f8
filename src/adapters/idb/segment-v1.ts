import type { Timestamp } from '../../core/clock/timestamp';
import type { ComponentValue } from '../../core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';

/**
 * The record format of schema version 1, kept only to convert such databases on open (schema.ts):
 * every string column an array, one string per version and column, which made each record cost
 * four string clones per version.
 */
export interface SegmentV1 {
  readonly key: readonly string[];
  readonly e: readonly string[];
  readonly k: readonly string[];
  readonly ms: Float64Array;
  readonly c: Uint32Array;
  readonly n: readonly string[];
  /** JSON text: the array of values. */
  readonly v: string;
  /** JSON text: per put, its `seen` flattened to [ms, c, node, ...], or 0 when empty. */
  readonly s: string;
  readonly g: Uint8Array;
  readonly gl: Int32Array;
  readonly rm: readonly string[];
}

/** Replays version-1 segments (in log order) into their live versions. */
export function replaySegmentsV1(segments: readonly SegmentV1[]): Version[] {
  const live = new Map<string, Version>();
  for (const seg of segments) {
    const values = JSON.parse(seg.v) as (ComponentValue | null)[];
    const seen = JSON.parse(seg.s) as ((number | string)[] | 0)[];
    let at = 0;
    for (let i = 0; i < seg.key.length; i++) {
      const len = seg.gl[i]!;
      const flat = seen[i]!;
      const ts: Timestamp[] = [];
      if (flat !== 0) {
        for (let j = 0; j + 2 < flat.length; j += 3) {
          ts.push({ ms: flat[j] as number, c: flat[j + 1] as number, node: flat[j + 2] as NodeId });
        }
      }
      const version: Version = {
        entity: seg.e[i] as EntityId,
        kind: seg.k[i] as ComponentKind,
        value: values[i]!,
        ts: { ms: seg.ms[i]!, c: seg.c[i]!, node: seg.n[i] as NodeId },
        seen: ts,
        ...(len >= 0 ? { sig: seg.g.slice(at, at + len) } : {}),
      };
      if (len >= 0) at += len;
      live.set(seg.key[i]!, version);
    }
    for (const key of seg.rm) live.delete(key);
  }
  return [...live.values()];
}
