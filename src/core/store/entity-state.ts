import { compareTs, type Timestamp } from '../clock/timestamp';
import type { ComponentKind, EntityId } from '../ids';
import { mergeVersion, type Heads } from '../merge/register';
import { DELETED, type Version } from '../merge/version';

export type ApplyOutcome =
  | { readonly kind: 'applied'; readonly removed: readonly Version[] }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'obsolete' };

const DUPLICATE: ApplyOutcome = { kind: 'duplicate' };
const OBSOLETE: ApplyOutcome = { kind: 'obsolete' };

/**
 * One entity: a register per component kind, plus its tombstone register. A tombstone wins over
 * every write older than it (those are dropped and later arrivals refused); a write newer than
 * the delete brings the entity back, as in an LWW-element set.
 */
export class EntityState {
  readonly registers = new Map<ComponentKind, Heads>();
  /** Latest tombstone timestamp, if the entity was ever deleted. */
  deletedAt: Timestamp | undefined;

  constructor(readonly id: EntityId) {}

  apply(v: Version): ApplyOutcome {
    if (v.kind !== DELETED && this.deletedAt !== undefined && compareTs(v.ts, this.deletedAt) <= 0) return OBSOLETE;
    const result = mergeVersion(this.registers.get(v.kind), v);
    if (result.kind !== 'applied') return result.kind === 'duplicate' ? DUPLICATE : OBSOLETE;
    this.registers.set(v.kind, result.heads);
    if (v.kind !== DELETED) return result;
    if (this.deletedAt !== undefined && compareTs(v.ts, this.deletedAt) <= 0) return result;
    this.deletedAt = v.ts;
    return { kind: 'applied', removed: [...result.removed, ...this.dropOlderThan(v.ts)] };
  }

  private dropOlderThan(t: Timestamp): Version[] {
    const dropped: Version[] = [];
    for (const [kind, heads] of this.registers) {
      if (kind === DELETED) continue;
      const kept = heads.filter((h) => compareTs(h.ts, t) > 0);
      if (kept.length === heads.length) continue;
      for (const h of heads) if (compareTs(h.ts, t) <= 0) dropped.push(h);
      if (kept.length === 0) this.registers.delete(kind);
      else this.registers.set(kind, kept);
    }
    return dropped;
  }

  /**
   * Expiry acts as a tombstone scheduled at `at` that leaves nothing behind: the expiry itself and
   * every version written at or before `at` go; later writes (a track id reused after expiry) stay.
   */
  purgeUpTo(at: number): Version[] {
    const dropped: Version[] = [];
    for (const [kind, heads] of this.registers) {
      const kept = kind === 'expiry' ? [] : heads.filter((h) => h.ts.ms > at);
      if (kept.length === heads.length) continue;
      for (const h of heads) if (!kept.includes(h)) dropped.push(h);
      if (kept.length === 0) this.registers.delete(kind);
      else this.registers.set(kind, kept);
    }
    if (this.deletedAt !== undefined && !this.registers.has(DELETED)) this.deletedAt = undefined;
    return dropped;
  }

  /** True while some live component remains (a deleted entity has only its tombstone). */
  get live(): boolean {
    for (const kind of this.registers.keys()) if (kind !== DELETED) return true;
    return false;
  }

  *versions(): IterableIterator<Version> {
    for (const heads of this.registers.values()) yield* heads;
  }
}
