import type { ComponentKind } from '../ids';
import { DELETED } from '../merge/version';
import * as T from './format';

/** Kind tag ↔ kind name. The tag list is part of the wire format (format.ts): append, never renumber. */
const KIND_OF_TAG: readonly (ComponentKind | undefined)[] = [
  DELETED,
  'position',
  'velocity',
  'classification',
  'threat',
  'source',
  'fusion',
  'approval',
  'task',
  'expiry',
] as ComponentKind[];

/** A Map, not an object: kinds such as `constructor` or `toString` are valid unknown kinds. */
const TAG_OF_KIND = new Map<string, number>(KIND_OF_TAG.map((kind, tag) => [kind as string, tag]));

export function kindOfTag(tag: number): ComponentKind | undefined {
  return tag === T.TAG_EXPIRY_FLOOR ? KIND_OF_TAG[T.TAG_EXPIRY] : KIND_OF_TAG[tag];
}

/** The tag `v` is written under: tagOfKind, but an expiry carrying a floor has its own (format.ts). */
export function tagOfValue(kind: string, value: unknown): number {
  const tag = tagOfKind(kind);
  if (tag !== T.TAG_EXPIRY) return tag;
  const floor = (value as { floor?: unknown } | null)?.floor;
  return floor === undefined || floor === 0 ? tag : T.TAG_EXPIRY_FLOOR;
}

/** The tag of a known kind, TAG_DELETED for the tombstone, or TAG_UNKNOWN. */
export function tagOfKind(kind: string): number {
  return TAG_OF_KIND.get(kind) ?? T.TAG_UNKNOWN;
}

export function isKnownTagKind(kind: string): boolean {
  const tag = TAG_OF_KIND.get(kind);
  return tag !== undefined && tag !== T.TAG_DELETED;
}
