import { ValidationError } from '../errors';
import { THREAT_LEVELS, type Position, type Threat, type ThreatLevel } from '../entity/component-types';
import { num, oneOf, onlyKeys, record } from '../entity/validate-fields';
import { isUserKind } from '../ids';
import type { EntityView } from './entity-view';

/** A geographic box in degrees; west > east crosses the antimeridian. */
export interface Area {
  readonly south: number;
  readonly west: number;
  readonly north: number;
  readonly east: number;
}

export interface Query {
  /** Only entities that have this component kind. */
  readonly kind?: string;
  /** Only entities whose threat level is at least this. */
  readonly minThreat?: ThreatLevel;
  /** Only entities whose position lies inside this box. */
  readonly area?: Area;
  /** Only entities with a conflicting component. */
  readonly conflicted?: boolean;
  readonly limit?: number;
}

export function validateQuery(q: unknown): Query {
  if (q === undefined) return {};
  const v = record(q, 'filter');
  onlyKeys(v, ['kind', 'minThreat', 'area', 'conflicted', 'limit'], 'filter');
  if (v.kind !== undefined && !isUserKind(v.kind)) throw new ValidationError('filter.kind: not a component kind');
  const out: { -readonly [K in keyof Query]: Query[K] } = {};
  if (v.kind !== undefined) out.kind = v.kind as string;
  if (v.minThreat !== undefined) out.minThreat = oneOf(v.minThreat, THREAT_LEVELS, 'filter.minThreat');
  if (v.conflicted !== undefined) {
    // No truthiness: the string "false" must not mean true.
    if (typeof v.conflicted !== 'boolean') throw new ValidationError('filter.conflicted: expected true or false');
    out.conflicted = v.conflicted;
  }
  if (v.limit !== undefined) {
    out.limit = num(v.limit, 'filter.limit', 0, 1e7);
    if (!Number.isInteger(out.limit)) throw new ValidationError('filter.limit: expected a whole number');
  }
  if (v.area !== undefined) {
    const a = record(v.area, 'filter.area');
    onlyKeys(a, ['south', 'west', 'north', 'east'], 'filter.area');
    out.area = {
      south: num(a.south, 'filter.area.south', -90, 90),
      west: num(a.west, 'filter.area.west', -180, 180),
      north: num(a.north, 'filter.area.north', -90, 90),
      east: num(a.east, 'filter.area.east', -180, 180),
    };
  }
  return out;
}

export function matches(view: EntityView, q: Query): boolean {
  // Own keys only: `in` would also find Object.prototype members (a kind may be named `constructor`).
  if (q.kind !== undefined && !Object.hasOwn(view.components, q.kind)) return false;
  if (q.conflicted === true && view.conflicts.length === 0) return false;
  if (q.minThreat !== undefined) {
    const level = (view.components.threat as Threat | undefined)?.level;
    if (level === undefined || THREAT_LEVELS.indexOf(level) < THREAT_LEVELS.indexOf(q.minThreat)) return false;
  }
  if (q.area !== undefined) {
    const p = view.components.position as Position | undefined;
    if (p === undefined || !inArea(p, q.area)) return false;
  }
  return true;
}

function inArea(p: Position, a: Area): boolean {
  if (p.lat < a.south || p.lat > a.north) return false;
  return a.west <= a.east ? p.lon >= a.west && p.lon <= a.east : p.lon >= a.west || p.lon <= a.east;
}
