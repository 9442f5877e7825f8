import {
  APPROVAL_STATES,
  DISPOSITIONS,
  ENVIRONMENTS,
  SENSOR_TYPES,
  TASK_STATUSES,
  THREAT_LEVELS,
  type Approval,
  type Classification,
  type ComponentValue,
  type Expiry,
  type Fusion,
  type Position,
  type Source,
  type Task,
  type Threat,
  type Velocity,
} from '../entity/component-types';
import { isNodeId, type EntityId, type NodeId } from '../ids';
import type { DecodeContext, EncodeContext } from './context';
import { WireError } from './errors';
import {
  readEnum,
  readEpoch,
  readRequestId,
  readText,
  readWholeEpoch,
  writeEnum,
  writeEpoch,
  writeRequestId,
  writeText,
} from './fields';
import * as T from './format';
import { decodePosition, encodePosition } from './position-codec';
import { MAX_FUSION_SOURCES, MAX_LONG_TEXT } from '../entity/bounds';
import { CONFIDENCE_SCALE, MAX_SPEED_Q, VELOCITY_SCALE, q } from './quantize';
import { unzigzag, zigzag } from '../bytes/zigzag';

/** Per-kind value layouts for the known kinds (position: position-codec.ts; unknown: opaque-codec.ts). */
export function encodeKnown(ctx: EncodeContext, tag: number, value: ComponentValue): void {
  const w = ctx.w;
  switch (tag) {
    case T.TAG_POSITION:
      return encodePosition(ctx, value as Position);
    case T.TAG_VELOCITY: {
      // east carries the "has up" flag in its low bit: velocity costs 4–6 bytes, no flags byte.
      const v = value as Velocity;
      w.writeVarUint(zigzag(speed(v.east)) * 2 + (v.up !== undefined ? 1 : 0));
      w.writeVarUint(zigzag(speed(v.north)));
      if (v.up !== undefined) w.writeVarUint(zigzag(speed(v.up)));
      return;
    }
    case T.TAG_CLASSIFICATION: {
      const v = value as Classification;
      writeText(ctx, v.label, 'classification.label');
      const d = DISPOSITIONS.indexOf(v.disposition);
      const e = ENVIRONMENTS.indexOf(v.environment);
      if (d < 0 || e < 0) throw new WireError('cannot encode classification: bad disposition or environment');
      // Both enums in one byte: 7 dispositions × 5 environments = 35 values.
      w.writeU8(d * ENVIRONMENTS.length + e);
      writeConfidence(ctx, v.confidence);
      return;
    }
    case T.TAG_THREAT:
      return writeEnum(ctx, (value as Threat).level, THREAT_LEVELS, 'threat.level');
    case T.TAG_SOURCE: {
      const v = value as Source;
      if (v.sensorId === '') throw new WireError('cannot encode source.sensorId: empty');
      writeText(ctx, v.sensorId, 'source.sensorId');
      return writeEnum(ctx, v.sensorType, SENSOR_TYPES, 'source.sensorType');
    }
    case T.TAG_FUSION: {
      const v = value as Fusion;
      if (v.sources.length > MAX_FUSION_SOURCES) throw new WireError('cannot encode fusion: too many sources');
      w.writeVarUint(v.sources.length);
      // Sources are in the entity table (collected before the body is written).
      for (const s of v.sources) w.writeVarUint(ctx.entities.get(s)!);
      encodePosition(ctx, v.position);
      return writeConfidence(ctx, v.confidence);
    }
    case T.TAG_APPROVAL: {
      // u8 flags: bits 0-2 state, bit 3 decidedBy, bit 4 decidedOn, bit 5 decidedAt; then the
      // request id and reason (string table), requestedAt and deadline, then the decision fields.
      const v = value as Approval;
      const state = APPROVAL_STATES.indexOf(v.state);
      if (state < 0) throw new WireError(`cannot encode approval.state ${String(v.state)}`);
      if (v.decidedBy !== undefined && !isNodeId(v.decidedBy)) throw new WireError('cannot encode approval.decidedBy');
      if (v.decidedOn !== undefined && !isNodeId(v.decidedOn)) throw new WireError('cannot encode approval.decidedOn');
      w.writeU8(
        state |
          (v.decidedBy !== undefined ? APPROVAL_BY : 0) |
          (v.decidedOn !== undefined ? APPROVAL_ON : 0) |
          (v.decidedAt !== undefined ? APPROVAL_AT : 0),
      );
      writeRequestId(ctx, v.requestId, 'approval.requestId');
      writeText(ctx, v.reason, 'approval.reason', MAX_LONG_TEXT);
      writeWholeEpoch(ctx, v.requestedAt, 'approval.requestedAt');
      writeWholeEpoch(ctx, v.deadline, 'approval.deadline');
      if (v.decidedBy !== undefined) w.writeVarUint(ctx.nodes.add(v.decidedBy));
      if (v.decidedOn !== undefined) w.writeVarUint(ctx.nodes.add(v.decidedOn));
      if (v.decidedAt !== undefined) writeWholeEpoch(ctx, v.decidedAt, 'approval.decidedAt');
      return;
    }
    case T.TAG_TASK: {
      const v = value as Task;
      if (!isNodeId(v.assignedBy)) throw new WireError('cannot encode task.assignedBy');
      writeText(ctx, v.task, 'task.task');
      writeRequestId(ctx, v.requestId, 'task.requestId');
      writeEnum(ctx, v.status, TASK_STATUSES, 'task.status');
      w.writeVarUint(ctx.nodes.add(v.assignedBy));
      return writeWholeEpoch(ctx, v.updatedAt, 'task.updatedAt');
    }
    case T.TAG_EXPIRY:
      return writeEpoch(ctx, (value as Expiry).at, 'expiry.at');
    case T.TAG_EXPIRY_FLOOR:
      writeEpoch(ctx, (value as Expiry).at, 'expiry.at');
      return writeEpoch(ctx, (value as Expiry).floor!, 'expiry.floor');
    default:
      throw new WireError(`no layout for tag ${tag}`);
  }
}

export function decodeKnown(ctx: DecodeContext, tag: number): ComponentValue {
  const r = ctx.r;
  switch (tag) {
    case T.TAG_POSITION:
      return decodePosition(ctx);
    case T.TAG_VELOCITY: {
      const first = r.readVarUint();
      const hasUp = first % 2;
      const east = readSpeed(ctx, (first - hasUp) / 2, 'velocity.east');
      const north = readSpeed(ctx, r.readVarUint(), 'velocity.north');
      // Whole literals: a property added after one costs an allocation and a change of hidden class.
      if (hasUp === 1) return { east, north, up: readSpeed(ctx, r.readVarUint(), 'velocity.up') } satisfies Velocity;
      return { east, north } satisfies Velocity;
    }
    case T.TAG_CLASSIFICATION: {
      const label = readText(ctx, 'classification.label');
      const b = r.readU8();
      if (b >= DISPOSITIONS.length * ENVIRONMENTS.length) r.fail(`classification: enum byte ${b} out of range`);
      return {
        label,
        disposition: DISPOSITIONS[Math.floor(b / ENVIRONMENTS.length)]!,
        environment: ENVIRONMENTS[b % ENVIRONMENTS.length]!,
        confidence: readConfidence(ctx, 'classification.confidence'),
      } satisfies Classification;
    }
    case T.TAG_THREAT:
      return { level: readEnum(ctx, THREAT_LEVELS, 'threat.level') } satisfies Threat;
    case T.TAG_SOURCE: {
      const sensorId = readText(ctx, 'source.sensorId');
      if (sensorId === '') r.fail('source.sensorId: must not be empty');
      return { sensorId, sensorType: readEnum(ctx, SENSOR_TYPES, 'source.sensorType') } satisfies Source;
    }
    case T.TAG_FUSION: {
      const n = r.readCount('fusion sources', MAX_FUSION_SOURCES);
      const sources: EntityId[] = [];
      for (let i = 0; i < n; i++) {
        const idx = r.readVarUint();
        const id = ctx.entities[idx];
        if (id === undefined) r.fail(`fusion.sources: entity index ${idx} out of range`);
        sources.push(id);
      }
      const position = decodePosition(ctx);
      return { sources, position, confidence: readConfidence(ctx, 'fusion.confidence') } satisfies Fusion;
    }
    case T.TAG_APPROVAL: {
      const b = r.readU8();
      if ((b & ~APPROVAL_FLAGS) !== 0) r.fail(`approval: unknown flags in byte ${b}`);
      const state = APPROVAL_STATES[b & 0x07];
      if (state === undefined) return r.fail(`approval.state: enum index ${b & 0x07} out of range`);
      const v: { -readonly [K in keyof Approval]: Approval[K] } = {
        requestId: readRequestId(ctx, 'approval.requestId'),
        state,
        reason: readText(ctx, 'approval.reason', MAX_LONG_TEXT),
        requestedAt: readWholeEpoch(ctx, 'approval.requestedAt'),
        deadline: readWholeEpoch(ctx, 'approval.deadline'),
      };
      if ((b & APPROVAL_BY) !== 0) v.decidedBy = readNode(ctx, 'approval.decidedBy');
      if ((b & APPROVAL_ON) !== 0) v.decidedOn = readNode(ctx, 'approval.decidedOn');
      if ((b & APPROVAL_AT) !== 0) v.decidedAt = readWholeEpoch(ctx, 'approval.decidedAt');
      return v;
    }
    case T.TAG_TASK:
      return {
        task: readText(ctx, 'task.task'),
        requestId: readRequestId(ctx, 'task.requestId'),
        status: readEnum(ctx, TASK_STATUSES, 'task.status'),
        assignedBy: readNode(ctx, 'task.assignedBy'),
        updatedAt: readWholeEpoch(ctx, 'task.updatedAt'),
      } satisfies Task;
    case T.TAG_EXPIRY:
      return { at: readEpoch(ctx, 'expiry.at') } satisfies Expiry;
    case T.TAG_EXPIRY_FLOOR: {
      const at = readEpoch(ctx, 'expiry.at');
      const floor = readEpoch(ctx, 'expiry.floor');
      // No floor is written under TAG_EXPIRY: one value, one encoding.
      if (floor === 0) return r.fail('expiry.floor 0 under the floor tag');
      return { at, floor } satisfies Expiry;
    }
    default:
      return r.fail(`unknown kind tag ${tag}`);
  }
}

const APPROVAL_BY = 0x08;
const APPROVAL_ON = 0x10;
const APPROVAL_AT = 0x20;
const APPROVAL_FLAGS = 0x07 | APPROVAL_BY | APPROVAL_ON | APPROVAL_AT;

function writeWholeEpoch(ctx: EncodeContext, x: number, field: string): void {
  if (!Number.isInteger(x)) throw new WireError(`cannot encode ${field} ${x}: expected whole milliseconds`);
  writeEpoch(ctx, x, field);
}

function readNode(ctx: DecodeContext, field: string): NodeId {
  const idx = ctx.r.readVarUint();
  const node = ctx.nodes[idx];
  if (node === undefined) return ctx.r.fail(`${field}: node index ${idx} out of range`);
  return node;
}

function speed(x: number): number {
  const n = q(x, VELOCITY_SCALE);
  if (!(Math.abs(n) <= MAX_SPEED_Q)) throw new WireError(`cannot encode speed ${x} m/s`);
  return n;
}

function readSpeed(ctx: DecodeContext, z: number, field: string): number {
  const n = unzigzag(z);
  if (n > MAX_SPEED_Q || n < -MAX_SPEED_Q) ctx.r.fail(`${field} out of range`);
  return n / VELOCITY_SCALE;
}

/**
 * uint16 of 1/10000: a 0..1 score to four decimals. A decimal grid keeps the values people type
 * (0.9) exact, where 1/65535 steps turned 0.9 into 0.9000076…
 */
function readConfidence(ctx: DecodeContext, field: string): number {
  const n = ctx.r.readU16();
  if (n > CONFIDENCE_SCALE) ctx.r.fail(`${field} out of range`);
  return n / CONFIDENCE_SCALE;
}

function writeConfidence(ctx: EncodeContext, c: number): void {
  if (!(c >= 0 && c <= 1)) throw new WireError(`cannot encode confidence ${c}`);
  ctx.w.writeU16(q(c, CONFIDENCE_SCALE));
}
