import type { ComponentKind, NodeId } from '../ids';
import { DELETED, type Version } from '../merge/version';
import { MAX_KINDS_PER_ENTITY } from './bounds';
import { isKnownKind, KNOWN_KINDS } from './component-types';

/**
 * The kinds cap of one entity (docs/security.md, "New registers per author"): the known kinds and
 * the tombstone are never capped (an honest author's delete or classification must always pass),
 * so the cap is on unknown kinds alone: at most MAX_UNKNOWN_KINDS_PER_ENTITY in all, and at most
 * MAX_UNKNOWN_KINDS_PER_AUTHOR written first by any one author, so one writer cannot fill another
 * author's entity.
 */
export const MAX_UNKNOWN_KINDS_PER_ENTITY = MAX_KINDS_PER_ENTITY - KNOWN_KINDS.length - 1;
export const MAX_UNKNOWN_KINDS_PER_AUTHOR = 4;

/** Whether a register of this kind counts toward the cap (an unknown kind, not the tombstone). */
export function isCappedKind(kind: ComponentKind): boolean {
  return kind !== DELETED && !isKnownKind(kind);
}

/** What the cap reads of an entity's registers: each kind, with the authors of its current heads. */
export interface KindAuthors {
  readonly kind: ComponentKind;
  readonly authors: Iterable<NodeId>;
}

/** The capped kinds an entity holds, in all and per author (an author of one of the register's heads). */
export function countCappedKinds(registers: Iterable<KindAuthors>): {
  readonly total: number;
  readonly byAuthor: ReadonlyMap<NodeId, number>;
} {
  let total = 0;
  const byAuthor = new Map<NodeId, number>();
  for (const { kind, authors } of registers) {
    if (!isCappedKind(kind)) continue;
    total += 1;
    for (const a of new Set(authors)) byAuthor.set(a, (byAuthor.get(a) ?? 0) + 1);
  }
  return { total, byAuthor };
}

/** What an entity's state holds: every kind it holds a register of (heads, or only knowledge), and their heads. */
export interface HeldRegisters {
  kinds(): Iterable<ComponentKind>;
  heads(kind: ComponentKind): readonly Version[];
}

/** countCappedKinds over an entity's state (a kind known only from what it learned has no author). */
export function cappedKindsOf(s: HeldRegisters): ReturnType<typeof countCappedKinds> {
  // The heads of the kinds the cap counts only: those of known kinds were read and dropped, about
  // 4 µs of a received write while the new-register limit checked an entity (docs/benchmarks.md, scenario 1).
  const capped: KindAuthors[] = [];
  for (const kind of s.kinds())
    if (isCappedKind(kind)) capped.push({ kind, authors: s.heads(kind).map((v) => v.ts.node) });
  return countCappedKinds(capped);
}
