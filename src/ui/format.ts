import {
  THREAT_LEVELS,
  type Approval,
  type Classification,
  type ComponentValue,
  type Expiry,
  type Fusion,
  type Position,
  type Source,
  type Task,
  type ThreatLevel,
  type Velocity,
} from '../core/entity/component-types';
import { AUTO_DECIDER } from '../core/task/gate';
import type { EntityView } from '../node/node-api';

/** Node ids are long key hashes: the first characters tell nodes apart on screen. */
export function shortId(id: string, length = 8): string {
  return id.length <= length ? id : `${id.slice(0, length)}…`;
}

/**
 * Who decided an approval, short: the gate's own time-outs and cancellations read as such, an
 * operator's id (node-id syntax, a 32-hex node id until operators sign in) is shortened like a node id.
 */
export function deciderName(decidedBy: string, length = 8): string {
  return decidedBy === AUTO_DECIDER ? 'the gate' : shortId(decidedBy, length);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** HH:MM:SS.mmm in UTC: field teams coordinate in Zulu time, not the tablet's zone. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

export function threatOf(view: EntityView): ThreatLevel | undefined {
  const level = (view.components.threat as { level?: unknown } | undefined)?.level;
  return (THREAT_LEVELS as readonly unknown[]).includes(level) ? (level as ThreatLevel) : undefined;
}

/** A component's field when it is one of `allowed` (a disposition, a sensor type), else undefined. */
export function fieldOf<T extends string>(
  v: EntityView,
  kind: string,
  field: string,
  allowed: readonly T[],
): T | undefined {
  const value = (v.components[kind] as Record<string, unknown> | undefined)?.[field];
  return allowed.includes(value as T) ? (value as T) : undefined;
}

export function labelOf(view: EntityView): string {
  const label = (view.components.classification as { label?: unknown } | undefined)?.label;
  return typeof label === 'string' ? label : '';
}

const deg = (x: number): string => x.toFixed(5);

/** One line per component, short enough for a list cell. */
export function summarize(kind: string, value: ComponentValue): string {
  switch (kind) {
    case 'position': {
      const p = value as Position;
      const alt = p.alt === undefined ? '' : ` · ${Math.round(p.alt)} m`;
      const acc = p.accuracy === undefined ? '' : ` ±${Math.round(p.accuracy)} m`;
      return `${deg(p.lat)}, ${deg(p.lon)}${alt}${acc}`;
    }
    case 'velocity': {
      const v = value as Velocity;
      const speed = Math.hypot(v.east, v.north);
      const heading = (Math.round((Math.atan2(v.east, v.north) * 180) / Math.PI) + 360) % 360;
      return `${speed.toFixed(1)} m/s → ${pad(heading, 3)}°`;
    }
    case 'classification': {
      const c = value as Classification;
      return `${c.label || '—'} · ${c.disposition} · ${c.environment} · ${Math.round(c.confidence * 100)}%`;
    }
    case 'threat':
      return (value as { level: string }).level;
    case 'source': {
      const s = value as Source;
      return `${s.sensorType} ${s.sensorId}`;
    }
    case 'fusion': {
      const f = value as Fusion;
      return `${f.sources.length} sources · ${Math.round(f.confidence * 100)}%${f.stale === true ? ' · stale' : ''}`;
    }
    case 'approval': {
      const a = value as Approval;
      if (a.state === 'pending') return `pending until ${clockTime(a.deadline)} · ${a.reason}`;
      return a.decidedBy === undefined ? a.state : `${a.state} by ${deciderName(a.decidedBy)}`;
    }
    case 'task': {
      const t = value as Task;
      return `${t.task} · ${taskStatusText(t.status)}`;
    }
    case 'expiry':
      return `stale at ${clockTime((value as Expiry).at)}`;
    default:
      return truncate(JSON.stringify(value), 60);
  }
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const KIND_ORDER: readonly string[] = [
  'classification',
  'threat',
  'position',
  'velocity',
  'source',
  'fusion',
  'approval',
  'task',
  'expiry',
];

/** The kinds of an entity in reading order: identity and threat first, unknown kinds last by name. */
export function orderedKinds(view: EntityView): string[] {
  return Object.keys(view.components).sort((a, b) => {
    const ia = KIND_ORDER.indexOf(a);
    const ib = KIND_ORDER.indexOf(b);
    if (ia !== ib) return (ia < 0 ? KIND_ORDER.length : ia) - (ib < 0 ? KIND_ORDER.length : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** A task status as an operator reads it: `done_not_ok` → "done, not ok" (docs/c2-pipeline.md, task statuses). */
export function taskStatusText(status: string): string {
  switch (status) {
    case 'done_ok':
      return 'done ok';
    case 'done_not_ok':
      return 'done, not ok';
    default:
      return status;
  }
}
