import { StoredProofWalk } from '../../core/signing/leaf-proof';
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
  /** Records left out because they could not be read (a damaged database): never fatal. */
  readonly setAside: number;
}

/**
 * Replays the whole log (segments in log order) into its live versions. A record that is not a
 * well-shaped segment, or whose values do not parse, is left out and counted rather than failing
 * the load, and so is a put whose signature bytes do not decode: a damaged database must not stop
 * the node, whose peers bring the data back.
 */
export function replaySegments(segments: readonly Segment[]): Replayed {
  const sound = segments.filter(isSegment);
  let setAside = segments.length - sound.length;
  const resolution = resolveLog(sound, true);
  const versions = materialize(
    sound,
    resolution,
    () => (setAside += 1),
    () => (setAside += 1),
  );
  return { versions, size: versions.length, entries: resolution.entries, setAside };
}

/** The shape format.ts describes, down to the column lengths, so replay can index it safely. */
export function isSegment(x: unknown): x is Segment {
  if (typeof x !== 'object' || x === null) return false;
  const seg = x as Partial<Segment>;
  const { n, r, u, f } = seg;
  if (!Number.isInteger(n) || !Number.isInteger(r) || n! < 0 || r! < 0) return false;
  if (!(u instanceof Uint32Array && f instanceof Float64Array)) return false;
  if (typeof seg.d !== 'string' || typeof seg.v !== 'string') return false;
  if (!(seg.g instanceof Uint8Array && seg.gl instanceof Int32Array)) return false;
  const seen = f.length - n! - r!;
  return seen >= 0 && u.length === 4 * (n! + r!) + 3 * seen && (seg.gl.length === 0 || seg.gl.length === n);
}

/** An empty causal context, shared (as the wire decoder does): most versions have one. */
const NO_SEEN: readonly Timestamp[] = Object.freeze([]);

/**
 * Builds the surviving puts as Version objects, in the shape the wire decoder builds (so the store
 * sees one object shape). Strings come from the segments' dictionaries, so the versions of one
 * segment share each entity id, kind and node id string.
 */
export function materialize(
  segments: readonly Segment[],
  resolution: Resolution,
  /** Called for a segment whose values do not parse: its puts are left out. */
  corrupt: (segment: number) => void = (s) => {
    throw new Error(`corrupt segment ${s}: its values do not parse`);
  },
  /** Called for a put whose stored signature bytes do not decode: that put is left out. */
  damagedPut: (segment: number, put: number) => void = (s, i) => {
    throw new Error(`corrupt segment ${s}: put ${i}'s signature bytes do not decode`);
  },
): Version[] {
  const out: Version[] = [];
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    const mask = resolution.alive[s]!;
    if (seg.n === 0 || mask.indexOf(1) === -1) continue;
    const n = seg.n;
    const words = resolution.words[s]! as string[];
    const u = seg.u;
    const f = seg.f;
    let values: (ComponentValue | null)[];
    try {
      values = JSON.parse(seg.v) as (ComponentValue | null)[];
    } catch {
      corrupt(s);
      continue;
    }
    if (!Array.isArray(values) || values.length !== seg.n) {
      corrupt(s);
      continue;
    }
    const seenTotal = seenCount(seg);
    const sBase = seenBase(seg);
    // A put's proof may lean on the previous put's (leaf-proof.ts SHARED_PROOF): read in order.
    const proofs = new StoredProofWalk(seg.g, seg.gl);
    let sp = 0;
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) {
        proofs.next(false);
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
      // Copies, not views (StoredProofReader): a view would pin (and, if transferred, detach) the
      // whole segment's buffer. A per-version signature (64 bytes) or a batch LeafProof
      // (leaf-proof.ts encodeStoredProof), whole or shared with the previous put's.
      // Bytes that are neither (a damaged record) leave this put out, not the whole load.
      const signature = proofs.next(true);
      if (signature === undefined) out.push({ entity, kind, value, ts, seen });
      else if ('damaged' in signature) damagedPut(s, i);
      else out.push({ entity, kind, value, ts, seen, ...signature });
    }
  }
  return out;
}
