import { classOf, coalesceKey } from '../../core/budget/class-of';
import type { PriorityClass } from '../../core/budget/priority-classes';
import { THREAT_LEVELS, type ThreatLevel } from '../../core/entity/component-types';
import type { EntityId } from '../../core/ids';
import { MapColumn, type EntityColumn } from '../../core/store/entity-column';
import { DELETED, type Version } from '../../core/merge/version';

const THREAT_KIND = 'threat';

/**
 * Threat versions whose level before is remembered per generation: a batch or two of a bulk sync.
 * The relay classifies a version in the turn it was noted, or after the local coalescing timer.
 */
export const GENERATION = 4_096;

/**
 * Sorts versions into the budgeter's classes from what the store knows (classOf's input, built
 * here so the classifier does not depend on the store). A threat change is ranked by the higher of
 * the entity's level before it and the level it sets, so a stand-down from HIGH travels as fast as
 * the alarm: the level before is noted when the change reaches the store (`noted`), ahead of the
 * relay that classifies it. Each entity's level is remembered as its index in THREAT_LEVELS (0:
 * NONE) in an EntityColumn: the store's column of bytes by entity number (EntityStore.column), where
 * a Map of the entities above NONE took ~40 bytes each (docs/benchmarks.md, scenario 10); an entity
 * the store forgets (expired) reads NONE again.
 *
 * The level before is kept for the threat versions noted lately only: two generations of WeakMaps,
 * the older dropped whole once the newer holds GENERATION versions (never within one `noted` call,
 * so a batch's versions are all found by the relay that follows it). One WeakMap per node kept the
 * capacity it grew to in a bulk fill after its versions were gone, ~13 B per component at 100k
 * entities (docs/benchmarks.md, scenario 10). A threat version noted longer ago (or never: one read
 * back from the store to answer a want) is ranked by the entity's level now, as before any note.
 */
export class VersionClasses {
  private before = new WeakMap<Version, ThreatLevel>();
  private olderBefore: WeakMap<Version, ThreatLevel> | undefined;
  private inGeneration = 0;

  /**
   * `levels`: a column of bytes kept for the store whose threats `threatOf` reads (EntityStore.column,
   * type `u8`); without one, a Map of the entities above NONE.
   */
  constructor(
    private readonly threatOf: (entity: EntityId) => ThreatLevel,
    private readonly levels: EntityColumn = new MapColumn(),
  ) {}

  /** Versions that just changed the store: remember each threat change's level before it. */
  noted(versions: readonly Version[]): void {
    if (this.inGeneration >= GENERATION) {
      this.olderBefore = this.before;
      this.before = new WeakMap();
      this.inGeneration = 0;
    }
    for (const v of versions) {
      if (v.kind === DELETED) this.levels.set(v.entity, 0);
      if (v.kind !== THREAT_KIND) continue;
      this.before.set(v, THREAT_LEVELS[this.levels.get(v.entity)] ?? 'NONE');
      this.inGeneration += 1;
      this.levels.set(v.entity, THREAT_LEVELS.indexOf(this.threatOf(v.entity)));
    }
  }

  /** Entities purged from the store (expired) are forgotten. */
  forget(purged: readonly Version[]): void {
    for (const v of purged) this.levels.set(v.entity, 0);
  }

  classOf(v: Version): PriorityClass {
    const threat = v.kind === THREAT_KIND;
    // Every field present, in one order: the relay and the link classify each version they send,
    // and a spread of the threat level made the item two hidden classes.
    return classOf({
      entityId: v.entity,
      kind: v.kind,
      tombstone: v.kind === DELETED,
      threatLevel: threat ? levelOf(v.value) : undefined,
      entityThreat: threat ? (this.levelBefore(v) ?? this.threatOf(v.entity)) : this.threatOf(v.entity),
    });
  }

  private levelBefore(v: Version): ThreatLevel | undefined {
    return this.before.get(v) ?? this.olderBefore?.get(v);
  }

  /** One queued version per entity, component and writer: a newer write of the same writer supersedes it. */
  static keyOf(v: Version): string {
    return coalesceKey(v.entity, `${v.kind}\u0000${v.ts.node}`);
  }
}

function levelOf(value: unknown): ThreatLevel {
  const level = (value as { level?: unknown } | null)?.level;
  return (THREAT_LEVELS as readonly unknown[]).includes(level) ? (level as ThreatLevel) : 'NONE';
}
