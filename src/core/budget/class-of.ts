import type { ThreatLevel } from '../entity/component-types';
import { isRosterEntity, ROSTER_OP_KIND } from '../roster/roster-entity';
import type { PriorityClass } from './priority-classes';

/**
 * What the classifier needs to know about one component version: a plain description the node
 * builds from the store, so the classifier does not depend on it.
 */
export interface ClassifiedItem {
  readonly entityId: string;
  /** The component kind, e.g. `position`, `threat`, `approval`, or one this node does not know. */
  readonly kind: string;
  /** A delete: the version is a tombstone. */
  readonly tombstone: boolean;
  /** For a `threat` component, the level it sets. */
  readonly threatLevel?: ThreatLevel;
  /** The entity's threat level as the node knows it before this version (`NONE` if it has none). */
  readonly entityThreat?: ThreatLevel;
}

const THREAT_CLASS: Readonly<Record<ThreatLevel, PriorityClass>> = {
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
  NONE: 'none',
};

const RANK: Readonly<Record<ThreatLevel, number>> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };

/** Kinds whose changes only move a track. */
const MOTION_KINDS: ReadonlySet<string> = new Set(['position', 'velocity']);

/**
 * Kinds that carry decisions a person is waiting on: approvals, tasks and roster ops (an admission
 * or a removal; docs/security.md, "The roster in the store").
 */
const DECISION_KINDS: ReadonlySet<string> = new Set(['approval', 'task', ROSTER_OP_KIND]);

/**
 * Sorts a component version into a class (the mapping and its reasons are in docs/budgeter.md):
 * deletes first; approvals, tasks and roster ops (any kind on a roster entity) with HIGH threat, so
 * an admission or a removal passes at zero tokens instead of waiting behind every track; otherwise the entity's threat decides, taking
 * the higher of its level before and the level a threat change sets, so that lowering a HIGH threat
 * travels as fast as raising one. Motion of an entity with no threat above NONE is `position`, the
 * class coalescing keeps to the latest value per track.
 */
export function classOf(item: ClassifiedItem): PriorityClass {
  if (item.tombstone) return 'delete';
  if (DECISION_KINDS.has(item.kind) || isRosterEntity(item.entityId)) return 'high';
  const before = item.entityThreat ?? 'NONE';
  const set = item.kind === 'threat' ? (item.threatLevel ?? 'NONE') : 'NONE';
  const level = RANK[set] > RANK[before] ? set : before;
  if (level === 'NONE' && MOTION_KINDS.has(item.kind)) return 'position';
  return THREAT_CLASS[level];
}

/**
 * Whether a version of class `cls` leads its class (docs/budgeter.md, "Leading items"): a delete, a
 * decision (approval, task, roster op) or a threat change: the few versions a person or a peer waits on. Other
 * kinds of a HIGH track (its motion, classification, source, expiry, opaque kinds) keep the class's
 * order behind them, so a busy HIGH track cannot push a decision back.
 */
export function leadsClass(kind: string, cls: PriorityClass): boolean {
  if (cls === 'delete') return true;
  if (cls !== 'high') return false;
  return DECISION_KINDS.has(kind) || kind === 'threat';
}

/** The key coalescing replaces by: one queued version per entity and component kind. */
export function coalesceKey(entityId: string, kind: string): string {
  return `${entityId}\u0000${kind}`;
}
