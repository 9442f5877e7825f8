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
  /** Set when every source's position is older than the stale age (core/entity/staleness.ts). */
  readonly stale?: boolean;
}

export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'timed_out', 'cancelled'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/**
 * An approval request and its decision (docs/c2-pipeline.md, "The approval gate"). `requestId` is
 * the encoded HLC timestamp of the threat write that raised it: it orders requests (a newer one
 * supersedes) and names the node that acts on it.
 */
export interface Approval {
  readonly requestId: string;
  readonly state: ApprovalState;
  /** Why the track is HIGH, as the classifier put it when the request was raised. */
  readonly reason: string;
  /** Epoch ms when the request was raised. */
  readonly requestedAt: number;
  /** Epoch ms after which a pending approval times out. */
  readonly deadline: number;
  /** The operator who decided (node-id syntax; `auto` for the gate's own time-outs and cancellations). */
  readonly decidedBy?: string;
  /** The node the decision was made on. */
  readonly decidedOn?: NodeId;
  /** Epoch ms of the decision. */
  readonly decidedAt?: number;
}

/**
 * Lattice task statuses (STATUS_CREATED … STATUS_DONE_NOT_OK) one to one, plus `cancelled`; no
 * task is the absence of a task whose approval stands.
 */
export const TASK_STATUSES = [
  'created',
  'sent',
  'acknowledged',
  'executing',
  'done_ok',
  'done_not_ok',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface Task {
  readonly task: string;
  /** The approved request this task executes. */
  readonly requestId: string;
  readonly status: TaskStatus;
  /** The node that assigned it (the request's actor). */
  readonly assignedBy: NodeId;
  /** Epoch ms of the last status change. */
  readonly updatedAt: number;
}

/** Entity-level stale time (CoT `stale`, Lattice `expiryTime`), epoch ms. */
export interface Expiry {
  readonly at: number;
  /**
   * The entity's expiry floor where this expiry was written, after its writer purged at the write's
   * own stamp (docs/architecture.md, "Expiry"): every replica raises its floor to it on delivery.
   * Absent (or 0): none. Always below the write's own time (core/store/expiry-floor.ts, expiryRefusal).
   */
  readonly floor?: number;
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
