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
import { isNodeId, type EntityId } from '../ids';
import type { DecodeContext, EncodeContext } from './context';
import { WireError } from './errors';
import { readEnum, readEpoch, readText, writeEnum, writeEpoch, writeText } from './fields';
import * as T from './format';
import { decodePosition, encodePosition } from './position-codec';
import { MAX_FUSION_SOURCES } from '../entity/bounds';
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
      const v = value as Approval;
      const state = APPROVAL_STATES.indexOf(v.state);
      if (state < 0) throw new WireError(`cannot encode approval.state ${String(v.state)}`);
      if (v.decidedBy !== undefined && !isNodeId(v.decidedBy)) throw new WireError('cannot encode approval.decidedBy');
      w.writeU8(state | (v.decidedBy !== undefined ? 0x08 : 0));
      writeEpoch(ctx, v.deadline, 'approval.deadline');
      if (v.decidedBy !== undefined) w.writeVarUint(ctx.nodes.add(v.decidedBy));
      return;
    }
    case T.TAG_TASK: {
      const v = value as Task;
      writeText(ctx, v.task, 'task.task');
      return writeEnum(ctx, v.status, TASK_STATUSES, 'task.status');
    }
    case T.TAG_EXPIRY:
      return writeEpoch(ctx, (value as Expiry).at, 'expiry.at');
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
      const v: { -readonly [K in keyof Velocity]: Velocity[K] } = {
        east: readSpeed(ctx, (first - hasUp) / 2, 'velocity.east'),
        north: readSpeed(ctx, r.readVarUint(), 'velocity.north'),
      };
      if (hasUp === 1) v.up = readSpeed(ctx, r.readVarUint(), 'velocity.up');
      return v;
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
      if ((b & ~0x0f) !== 0) r.fail(`approval: unknown flags in byte ${b}`);
      const state = APPROVAL_STATES[b & 0x07];
      if (state === undefined) return r.fail(`approval.state: enum index ${b & 0x07} out of range`);
      const v: { -readonly [K in keyof Approval]: Approval[K] } = {
        state,
        deadline: readEpoch(ctx, 'approval.deadline'),
      };
      if ((b & 0x08) !== 0) {
        const idx = r.readVarUint();
        const node = ctx.nodes[idx];
        if (node === undefined) return r.fail(`approval.decidedBy: node index ${idx} out of range`);
        v.decidedBy = node;
      }
      return v;
    }
    case T.TAG_TASK:
      return { task: readText(ctx, 'task.task'), status: readEnum(ctx, TASK_STATUSES, 'task.status') } satisfies Task;
    case T.TAG_EXPIRY:
      return { at: readEpoch(ctx, 'expiry.at') } satisfies Expiry;
    default:
      return r.fail(`unknown kind tag ${tag}`);
  }
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
