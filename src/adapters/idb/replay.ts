import type { Timestamp } from '../../core/clock/timestamp';
import type { ComponentValue } from '../../core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import { resolveLog, type Resolution } from './resolve';
import { seenBase, seenCount, U_AUTHOR, U_COUNTER, U_ENTITY, U_KIND, type Segment } from './format';

/** The live versions of a log, and what the compaction trigger needs to know about it. */
export interface Replayed {
  readonly versions: Version[];
  /** versions.length */
  readonly size: number;
  /** Puts plus removals in the log. */
  readonly entries: number;
}

/** Replays the whole log (segments in log order) into its live versions. */
export function replaySegments(segments: readonly Segment[]): Replayed {
  const resolution = resolveLog(segments, true);
  const versions = materialize(segments, resolution);
  return { versions, size: versions.length, entries: resolution.entries };
}

/** An empty causal context, shared (as the wire decoder does): most versions have one. */
const NO_SEEN: readonly Timestamp[] = Object.freeze([]);

/**
 * Builds the surviving puts as Version objects, in the shape the wire decoder builds (so the store
 * sees one object shape). Strings come from the segments' dictionaries, so the versions of one
 * segment share each entity id, kind and node id string.
 */
export function materialize(segments: readonly Segment[], resolution: Resolution): Version[] {
  const out: Version[] = [];
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    const mask = resolution.alive[s]!;
    if (seg.n === 0 || mask.indexOf(1) === -1) continue;
    const n = seg.n;
    const words = resolution.words[s]! as string[];
    const u = seg.u;
    const f = seg.f;
    const values = JSON.parse(seg.v) as (ComponentValue | null)[];
    const seenTotal = seenCount(seg);
    const sBase = seenBase(seg);
    const signed = seg.gl.length > 0;
    let sp = 0;
    let sigAt = 0;
    for (let i = 0; i < n; i++) {
      const sigLen = signed ? seg.gl[i]! : -1;
      if (mask[i] === 0) {
        if (sigLen > 0) sigAt += sigLen;
        continue;
      }
      let seen = NO_SEEN;
      while (sp < seenTotal && u[sBase + sp]! < i) sp++;
      if (sp < seenTotal && u[sBase + sp] === i) {
        const list: Timestamp[] = [];
        do {
          list.push({
            ms: f[n + sp]!,
            c: u[sBase + seenTotal + sp]!,
            node: words[u[sBase + 2 * seenTotal + sp]!] as NodeId,
          });
          sp++;
        } while (sp < seenTotal && u[sBase + sp] === i);
        seen = list;
      }
      const entity = words[u[U_ENTITY * n + i]!] as EntityId;
      const kind = words[u[U_KIND * n + i]!] as ComponentKind;
      const value = values[i]!;
      const ts: Timestamp = { ms: f[i]!, c: u[U_COUNTER * n + i]!, node: words[u[U_AUTHOR * n + i]!] as NodeId };
      if (sigLen < 0) out.push({ entity, kind, value, ts, seen });
      else {
        // A copy, not a view: a view would pin (and, if transferred, detach) the whole segment's buffer.
        out.push({ entity, kind, value, ts, seen, sig: seg.g.slice(sigAt, sigAt + sigLen) });
        sigAt += sigLen;
      }
    }
  }
  return out;
}
