import { forward as toMgrs } from 'mgrs';
import type {
  Approval,
  Classification,
  ComponentValue,
  Expiry,
  Fusion,
  Position,
  Source,
  Task,
  Velocity,
} from '../core/entity/component-types';
import type { CoordFormat } from './coord-setting';
import { clockTime, deciderName, shortId, taskStatusText, truncate } from './format';
import { ellipseOf, headingOf } from './map/track-geometry';

/** One line of a component as a person reads it: what it is, and its value with units. */
export interface Field {
  readonly label: string;
  readonly text: string;
}

/** Knots per metre per second: speeds are read in both (aviation and sea use knots). */
const KNOTS_PER_MPS = 3600 / 1852;
const POINTS = ['N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE', 'S', 'SSW', 'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW'];

/** A bearing as three digits and its 16-point compass name: `243° WSW`. */
export function compass(degrees: number): string {
  const d = ((Math.round(degrees) % 360) + 360) % 360;
  return `${String(d).padStart(3, '0')}° ${POINTS[Math.round(d / 22.5) % 16]!}`;
}

/** Latitude and longitude with hemispheres, 5 decimals (about 1 m): `51.47750° N, 0.46140° W`. */
export function latLonText(lat: number, lon: number): string {
  return `${Math.abs(lat).toFixed(5)}° ${lat < 0 ? 'S' : 'N'}, ${Math.abs(lon).toFixed(5)}° ${lon < 0 ? 'W' : 'E'}`;
}

/**
 * An MGRS grid reference to 1 m, spaced as it is read aloud: `30U XC 76285 05983`. MGRS does not
 * cover the poles (UPS): there the position is written in degrees.
 */
export function mgrsText(lat: number, lon: number): string {
  if (lat < -80 || lat > 84) return latLonText(lat, lon);
  const ref = toMgrs([lon, lat], 5);
  const m = /^(\d{1,2}[A-Z])([A-Z]{2})(\d{5})(\d{5})$/.exec(ref);
  return m === null ? ref : `${m[1]!} ${m[2]!} ${m[3]!} ${m[4]!}`;
}

export function positionText(lat: number, lon: number, format: CoordFormat): string {
  switch (format) {
    case 'latlon':
      return latLonText(lat, lon);
    case 'mgrs':
      return mgrsText(lat, lon);
    default: {
      const never: never = format;
      return never;
    }
  }
}

const metres = (m: number): string => (m >= 10_000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`);
const percent = (x: number): string => `${Math.round(x * 100)} %`;
const title = (word: string): string => word.charAt(0) + word.slice(1).toLowerCase().replaceAll('_', ' ');

/** The fields of one component in reading order; a kind this version does not know shows as JSON. */
export function readable(kind: string, value: ComponentValue, format: CoordFormat): Field[] {
  switch (kind) {
    case 'position': {
      const p = value as Position;
      const out: Field[] = [
        { label: format === 'mgrs' ? 'MGRS' : 'Lat/Lon', text: positionText(p.lat, p.lon, format) },
      ];
      if (p.alt !== undefined) out.push({ label: 'Altitude', text: `${Math.round(p.alt)} m` });
      const e = ellipseOf(p);
      if (e !== undefined) {
        const round = e.major === e.minor;
        // The ellipse's angle is from east, counter-clockwise; a person reads the major axis as a bearing.
        const bearing = 90 - (e.angle * 180) / Math.PI;
        out.push({
          label: 'Error (1σ)',
          text: round ? `± ${metres(e.major)}` : `± ${metres(e.major)} × ${metres(e.minor)}, axis ${compass(bearing)}`,
        });
      }
      return out;
    }
    case 'velocity': {
      const v = value as Velocity;
      const speed = Math.hypot(v.east, v.north);
      const heading = headingOf(v);
      const out: Field[] = [
        { label: 'Speed', text: `${speed.toFixed(1)} m/s (${(speed * KNOTS_PER_MPS).toFixed(0)} kn)` },
        { label: 'Heading', text: heading === undefined ? 'still' : compass(heading) },
      ];
      if (v.up !== undefined && v.up !== 0) out.push({ label: 'Climb', text: `${v.up.toFixed(1)} m/s` });
      return out;
    }
    case 'classification': {
      const c = value as Classification;
      return [
        { label: 'Label', text: c.label || '—' },
        { label: 'Identity', text: title(c.disposition) },
        { label: 'Domain', text: title(c.environment) },
        { label: 'Confidence', text: percent(c.confidence) },
      ];
    }
    case 'threat':
      return [{ label: 'Level', text: (value as { level: string }).level }];
    case 'source': {
      const s = value as Source;
      return [{ label: 'Sensor', text: `${s.sensorType === 'eo' ? 'EO camera' : 'Radar'} ${s.sensorId}` }];
    }
    case 'fusion': {
      const f = value as Fusion;
      return [
        { label: 'Sources', text: `${f.sources.length.toString()}: ${f.sources.join(', ')}` },
        { label: 'Fused at', text: positionText(f.position.lat, f.position.lon, format) },
        { label: 'Confidence', text: percent(f.confidence) },
      ];
    }
    case 'approval': {
      const a = value as Approval;
      const out: Field[] = [{ label: 'State', text: a.state }];
      if (a.state === 'pending') out.push({ label: 'Deadline', text: `${clockTime(a.deadline)} UTC` });
      // Shortened as the inspector shows authors.
      if (a.decidedBy !== undefined) out.push({ label: 'Decided by', text: deciderName(a.decidedBy, 16) });
      if (a.decidedOn !== undefined) out.push({ label: 'Decided on', text: `node ${shortId(a.decidedOn, 16)}` });
      return out;
    }
    case 'task': {
      const t = value as Task;
      return [
        { label: 'Task', text: t.task },
        { label: 'Status', text: taskStatusText(t.status) },
      ];
    }
    case 'expiry':
      return [{ label: 'Stale at', text: `${clockTime((value as Expiry).at)} UTC` }];
    default:
      return [{ label: 'Value', text: truncate(JSON.stringify(value), 200) }];
  }
}
