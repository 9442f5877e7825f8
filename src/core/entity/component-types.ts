import type { EntityId, NodeId } from '../ids';

/** Values and units map one-to-one onto Anduril Lattice's entity model and Cursor-on-Target. */

/** Lattice `location.position` / CoT `point`: degrees WGS84, metres height above ellipsoid. */
export interface Position {
  readonly lat: number;
  readonly lon: number;
  /** Height above the WGS84 ellipsoid, metres (CoT `hae`). */
  readonly alt?: number;
  /** 1σ horizontal error, metres (CoT `ce`). */
  readonly accuracy?: number;
  /** Horizontal covariance [varNorth, covNorthEast, varEast] in m² (Lattice `locationUncertainty`). */
  readonly covariance?: readonly [number, number, number];
}

/** Lattice `location.velocityEnu`, metres per second. */
export interface Velocity {
  readonly east: number;
  readonly north: number;
  readonly up?: number;
}

export const DISPOSITIONS = [
  'HOSTILE',
  'SUSPICIOUS',
  'UNKNOWN',
  'PENDING',
  'NEUTRAL',
  'ASSUMED_FRIENDLY',
  'FRIENDLY',
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export const ENVIRONMENTS = ['AIR', 'SURFACE', 'SUB_SURFACE', 'LAND', 'SPACE'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export interface Classification {
  readonly label: string;
  readonly disposition: Disposition;
  readonly environment: Environment;
  /** 0..1 */
  readonly confidence: number;
}

/** Ordered from least to most severe: the order is the threat lattice. */
export const THREAT_LEVELS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
export type ThreatLevel = (typeof THREAT_LEVELS)[number];

export interface Threat {
  readonly level: ThreatLevel;
}

export const SENSOR_TYPES = ['eo', 'radar'] as const;
export type SensorType = (typeof SENSOR_TYPES)[number];

export interface Source {
  readonly sensorId: string;
  readonly sensorType: SensorType;
}

export interface Fusion {
  readonly sources: readonly EntityId[];
  readonly position: Position;
  /** 0..1 */
  readonly confidence: number;
}

export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'timed_out', 'cancelled'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export interface Approval {
  readonly state: ApprovalState;
  /** Epoch ms after which a pending approval times out. */
  readonly deadline: number;
  readonly decidedBy?: NodeId;
}

/** Lattice task states, plus `idle` (no task) and `cancelled`. */
export const TASK_STATUSES = ['idle', 'created', 'sent', 'acknowledged', 'executing', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface Task {
  readonly task: string;
  readonly status: TaskStatus;
}

/** Entity-level stale time (CoT `stale`, Lattice `expiryTime`), epoch ms. */
export interface Expiry {
  readonly at: number;
}

/** The kinds this version of the node understands; any other kind is kept as opaque JSON. */
export interface KnownComponents {
  readonly position: Position;
  readonly velocity: Velocity;
  readonly classification: Classification;
  readonly threat: Threat;
  readonly source: Source;
  readonly fusion: Fusion;
  readonly approval: Approval;
  readonly task: Task;
  readonly expiry: Expiry;
}

export type KnownKind = keyof KnownComponents;
export const KNOWN_KINDS = [
  'position',
  'velocity',
  'classification',
  'threat',
  'source',
  'fusion',
  'approval',
  'task',
  'expiry',
] as const satisfies readonly KnownKind[];

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
/** A component value: a known shape, or a JSON object for kinds this node does not know. */
export type ComponentValue = { readonly [key: string]: JsonValue } | KnownComponents[KnownKind];

/** What users write: components keyed by kind. */
export type ComponentMap = Partial<KnownComponents> & { readonly [kind: string]: ComponentValue | undefined };

export function isKnownKind(kind: string): kind is KnownKind {
  return (KNOWN_KINDS as readonly string[]).includes(kind);
}
