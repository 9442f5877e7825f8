import type { Version } from '../merge/version';

/**
 * Versions of a frame merged in one task at most when the host can defer (SessionHost.defer): a
 * verified frame of thousands of positions merged at once was one long task of the receiving
 * worker, which the approval prompt's cue to its page waited behind (docs/c2-pipeline.md, "The
 * priority lane").
 */
export const INGEST_PART_VERSIONS = 256;

/**
 * The parts a frame's verified versions are merged in, in order: all of them as one when the host
 * cannot defer or the frame is small; else the urgent ones (SessionHost.urgent) first, then the
 * rest, each cut into parts of at most INGEST_PART_VERSIONS. Within each group the frame's order is
 * kept. Never an empty part.
 */
export function ingestParts(
  versions: readonly Version[],
  split: boolean,
  urgent?: (v: Version) => boolean,
): (readonly Version[])[] {
  if (!split || versions.length <= INGEST_PART_VERSIONS) return versions.length === 0 ? [] : [versions];
  const first: Version[] = [];
  const rest: Version[] = [];
  for (const v of versions) (urgent?.(v) === true ? first : rest).push(v);
  return [...cut(first), ...cut(rest)];
}

function cut(versions: readonly Version[]): Version[][] {
  const parts: Version[][] = [];
  for (let i = 0; i < versions.length; i += INGEST_PART_VERSIONS) {
    parts.push(versions.slice(i, i + INGEST_PART_VERSIONS));
  }
  return parts;
}
