import { ValidationError } from '../errors';
import { isEncodedTs } from '../clock/timestamp';
import { asUserKind, isEntityId, isNodeId, type NodeId } from '../ids';
import {
  APPROVAL_STATES,
  DISPOSITIONS,
  ENVIRONMENTS,
  SENSOR_TYPES,
  TASK_STATUSES,
  THREAT_LEVELS,
  isKnownKind,
  type ComponentValue,
  type JsonValue,
  type KnownKind,
  type Position,
} from './component-types';
import {
  MAX_ACCURACY,
  MAX_ALT,
  MAX_COVARIANCE,
  MAX_EPOCH_MS,
  MAX_FUSION_SOURCES,
  MAX_LAT,
  MAX_LON,
  MAX_LONG_TEXT,
  MAX_SPEED,
  MAX_TEXT,
} from './bounds';
import { num, oneOf, onlyKeys, optNum, record, str, wellFormed } from './validate-fields';
import { ROSTER_OP_KIND, validateRosterOpValue } from '../roster/roster-entity';

/** Largest JSON size of a component of a kind this node does not know. */
export const MAX_OPAQUE_BYTES = 4096;
const MAX_DEPTH = 8;
const utf8 = new TextEncoder();

/**
 * Checks a component value and returns a normalised copy (no undefined fields, no extra keys).
 * Throws a ValidationError that names the offending field; nothing is changed on error.
 */
export function validateComponent(kind: string, value: unknown): ComponentValue {
  const k = asUserKind(kind);
  if (isKnownKind(k)) return validateKnown(k, value);
  // The roster's ops travel as JSON like unknown kinds, but are checked as a discriminated union.
  if (k === ROSTER_OP_KIND) return validateRosterOpValue(value);
  return validateOpaque(k, value);
}

function validateKnown(kind: KnownKind, value: unknown): ComponentValue {
  const v = record(value, kind);
  switch (kind) {
    case 'position':
      return position(v, kind);
    case 'velocity': {
      onlyKeys(v, ['east', 'north', 'up'], kind);
      return clean({
        east: num(v.east, 'velocity.east', -MAX_SPEED, MAX_SPEED),
        north: num(v.north, 'velocity.north', -MAX_SPEED, MAX_SPEED),
        up: optNum(v.up, 'velocity.up', -MAX_SPEED, MAX_SPEED),
      });
    }
    case 'classification':
      onlyKeys(v, ['label', 'disposition', 'environment', 'confidence'], kind);
      return {
        label: str(v.label, 'classification.label', MAX_TEXT),
        disposition: oneOf(v.disposition, DISPOSITIONS, 'classification.disposition'),
        environment: oneOf(v.environment, ENVIRONMENTS, 'classification.environment'),
        confidence: num(v.confidence, 'classification.confidence', 0, 1),
      };
    case 'threat':
      onlyKeys(v, ['level'], kind);
      return { level: oneOf(v.level, THREAT_LEVELS, 'threat.level') };
    case 'source':
      onlyKeys(v, ['sensorId', 'sensorType'], kind);
      return {
        sensorId: nonEmpty(str(v.sensorId, 'source.sensorId', MAX_TEXT), 'source.sensorId'),
        sensorType: oneOf(v.sensorType, SENSOR_TYPES, 'source.sensorType'),
      };
    case 'fusion': {
      onlyKeys(v, ['sources', 'position', 'confidence', 'stale'], kind);
      if (v.stale !== undefined && v.stale !== true) throw new ValidationError('fusion.stale: expected true or absent');
      if (!Array.isArray(v.sources) || v.sources.length > MAX_FUSION_SOURCES) {
        throw new ValidationError(`fusion.sources: expected an array of at most ${MAX_FUSION_SOURCES} entity ids`);
      }
      // Array.from visits holes (as undefined), so a sparse array cannot smuggle one through.
      const sources = Array.from(v.sources as unknown[], (s, i) => {
        if (!isEntityId(s)) throw new ValidationError(`fusion.sources[${i}]: not a valid entity id`);
        return s;
      });
      return {
        sources,
        position: position(record(v.position, 'fusion.position'), 'fusion.position'),
        confidence: num(v.confidence, 'fusion.confidence', 0, 1),
        ...(v.stale === true ? { stale: true } : {}),
      };
    }
    case 'approval': {
      onlyKeys(
        v,
        ['requestId', 'state', 'reason', 'requestedAt', 'deadline', 'decidedBy', 'decidedOn', 'decidedAt'],
        kind,
      );
      // Operator ids share the node-id syntax so the wire's node table can carry them.
      if (v.decidedBy !== undefined && !isNodeId(v.decidedBy)) {
        throw new ValidationError('approval.decidedBy: not a valid operator id ([A-Za-z0-9_-]{1,64})');
      }
      if (v.decidedOn !== undefined && !isNodeId(v.decidedOn)) {
        throw new ValidationError('approval.decidedOn: not a valid node id');
      }
      return clean({
        requestId: requestId(v.requestId, 'approval.requestId'),
        state: oneOf(v.state, APPROVAL_STATES, 'approval.state'),
        reason: str(v.reason, 'approval.reason', MAX_LONG_TEXT),
        requestedAt: epoch(v.requestedAt, 'approval.requestedAt'),
        deadline: epoch(v.deadline, 'approval.deadline'),
        decidedBy: v.decidedBy as string | undefined,
        decidedOn: v.decidedOn as NodeId | undefined,
        decidedAt: v.decidedAt === undefined ? undefined : epoch(v.decidedAt, 'approval.decidedAt'),
      });
    }
    case 'task':
      onlyKeys(v, ['task', 'requestId', 'status', 'assignedBy', 'updatedAt'], kind);
      if (!isNodeId(v.assignedBy)) throw new ValidationError('task.assignedBy: not a valid node id');
      return {
        task: str(v.task, 'task.task', MAX_TEXT),
        requestId: requestId(v.requestId, 'task.requestId'),
        status: oneOf(v.status, TASK_STATUSES, 'task.status'),
        assignedBy: v.assignedBy,
        updatedAt: epoch(v.updatedAt, 'task.updatedAt'),
      };
    case 'expiry':
      onlyKeys(v, ['at', 'floor'], kind);
      // A floor of 0 is none: one value, one content (the signature covers it).
      if (v.floor === undefined || v.floor === 0) return { at: num(v.at, 'expiry.at', 0, MAX_EPOCH_MS) };
      return { at: num(v.at, 'expiry.at', 0, MAX_EPOCH_MS), floor: num(v.floor, 'expiry.floor', 0, MAX_EPOCH_MS) };
    default: {
      const never: never = kind;
      throw new ValidationError(`unhandled kind ${String(never)}`);
    }
  }
}

function position(v: Record<string, unknown>, path: string): Position {
  onlyKeys(v, ['lat', 'lon', 'alt', 'accuracy', 'covariance'], path);
  let covariance: [number, number, number] | undefined;
  if (v.covariance !== undefined) {
    if (!Array.isArray(v.covariance) || v.covariance.length !== 3) {
      throw new ValidationError(`${path}.covariance: expected [varNorth, covNorthEast, varEast]`);
    }
    covariance = [
      num(v.covariance[0], `${path}.covariance[0]`, 0, MAX_COVARIANCE),
      num(v.covariance[1], `${path}.covariance[1]`, -MAX_COVARIANCE, MAX_COVARIANCE),
      num(v.covariance[2], `${path}.covariance[2]`, 0, MAX_COVARIANCE),
    ];
  }
  return clean({
    lat: num(v.lat, `${path}.lat`, -MAX_LAT, MAX_LAT),
    lon: num(v.lon, `${path}.lon`, -MAX_LON, MAX_LON),
    alt: optNum(v.alt, `${path}.alt`, -MAX_ALT, MAX_ALT),
    accuracy: optNum(v.accuracy, `${path}.accuracy`, 0, MAX_ACCURACY),
    covariance,
  }) as unknown as Position;
}

/** A request id: a timestamp in its canonical text form (clock/timestamp.ts), which orders requests. */
function requestId(x: unknown, path: string): string {
  if (!isEncodedTs(x) || x.length > MAX_LONG_TEXT) {
    throw new ValidationError(`${path}: expected an encoded timestamp (<ms hex 12><counter hex 4><node id>)`);
  }
  return x;
}

/** Epoch ms, whole (the wire's compact form; a decision's time needs no fraction). */
function epoch(x: unknown, path: string): number {
  const n = num(x, path, 0, MAX_EPOCH_MS);
  if (!Number.isInteger(n)) throw new ValidationError(`${path}: expected whole milliseconds`);
  return n;
}

function nonEmpty(s: string, path: string): string {
  if (s.length === 0) throw new ValidationError(`${path}: must not be empty`);
  return s;
}

/** Kinds from newer versions or other tools: any JSON object within a size and depth limit. */
function validateOpaque(kind: string, value: unknown): ComponentValue {
  record(value, kind);
  const copy = json(value, kind, 0);
  const size = utf8.encode(JSON.stringify(copy)).length;
  if (size > MAX_OPAQUE_BYTES) {
    throw new ValidationError(
      `${kind}: ${size} bytes of JSON exceeds the ${MAX_OPAQUE_BYTES}-byte limit for unknown kinds`,
    );
  }
  return copy as ComponentValue;
}

function json(x: unknown, path: string, depth: number): JsonValue {
  if (depth > MAX_DEPTH) throw new ValidationError(`${path}: nested deeper than ${MAX_DEPTH} levels`);
  if (x === null || typeof x === 'boolean') return x;
  if (typeof x === 'string') return wellFormed(x, path);
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new ValidationError(`${path}: numbers must be finite`);
    return x;
  }
  // Array.from, not map: map skips holes and would keep them in the copy.
  if (Array.isArray(x)) return Array.from(x as unknown[], (item, i) => json(item, `${path}[${i}]`, depth + 1));
  if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(x)) {
      if (key === '__proto__') throw new ValidationError(`${path}: the key "__proto__" is not allowed`);
      wellFormed(key, `${path} key`);
      out[key] = json(item, `${path}.${key}`, depth + 1);
    }
    return out;
  }
  throw new ValidationError(`${path}: ${typeof x} is not JSON`);
}

function clean<T extends Record<string, unknown>>(obj: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  for (const key of Object.keys(obj)) if (obj[key] === undefined) delete obj[key];
  return obj as { [K in keyof T]: Exclude<T[K], undefined> };
}
