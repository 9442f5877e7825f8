import type { CueComponent } from '../classify/classifier';
import type { Position, Source, Velocity } from '../entity/component-types';
import type { EntityId } from '../ids';
import { bearingDistance, offset, type LatLon } from './geo';
import type { Target, TargetState } from './target';

/**
 * Sensor models: what an EO camera and a radar would report about a target's true state. Each
 * report is a set of component writes for the sensor's own track of that target, tagged with
 * `source`, shaped exactly as the store validates them (src/core/entity/validate-component.ts).
 */

export interface TrackComponents {
  readonly position: Position;
  readonly velocity?: Velocity;
  /** The EO sensor's identity cue, written as the `cue` component. */
  readonly cue?: CueComponent;
  readonly source: Source;
}

export interface SensorReport {
  readonly entity: EntityId;
  /** The simulated target this track follows (ground truth id), for scoring. */
  readonly truthId: string;
  /** Epoch ms of the measurement. */
  readonly time: number;
  readonly components: TrackComponents;
}

export interface SensorSite extends LatLon {
  readonly sensorId: string;
}

/** EO: good position and velocity, identity cues while the target is close enough to recognise. */
export const EO = {
  /** 1σ position error per horizontal axis, m. */
  sigmaPos: 5,
  sigmaAlt: 3,
  /** 1σ velocity error per axis, m/s. */
  sigmaVel: 0.5,
  /** Beyond this range (m) the camera cannot recognise the target: no cue. */
  cueRange: 20_000,
  /** Chance that a cue within range is an uncertain UNKNOWN instead of the truth. */
  pUnsure: 0.05,
} as const;

/** Radar: range and bearing errors, so its error ellipse is long along range and grows across it with distance. */
export const RADAR = {
  /** 1σ range error, m. */
  sigmaRange: 30,
  /** 1σ bearing error, rad (2 mrad). */
  sigmaBearing: 0.002,
} as const;

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export function eoReport(
  site: SensorSite,
  target: Target,
  truth: TargetState,
  time: number,
  normal: () => number,
  uniform: () => number,
): SensorReport {
  const p = offset(truth, EO.sigmaPos * normal(), EO.sigmaPos * normal());
  const v = target.velocity();
  const range = bearingDistance(site, truth).distance;
  let cue: CueComponent | undefined;
  if (range <= EO.cueRange) {
    const confidence = round(0.95 - 0.35 * (range / EO.cueRange), 3);
    cue =
      uniform() < EO.pUnsure
        ? { label: 'unknown', disposition: 'UNKNOWN', environment: target.identity.environment, confidence: 0.3 }
        : { ...target.identity, confidence };
  }
  const velocity = {
    east: round(v.east + EO.sigmaVel * normal(), 2),
    north: round(v.north + EO.sigmaVel * normal(), 2),
  };
  return {
    entity: trackId(site, target),
    truthId: target.id,
    time,
    components: {
      position: { lat: p.lat, lon: p.lon, alt: round(truth.alt + EO.sigmaAlt * normal(), 1), accuracy: EO.sigmaPos },
      velocity,
      ...(cue ? { cue } : {}),
      source: { sensorId: site.sensorId, sensorType: 'eo' },
    },
  };
}

export function radarReport(
  site: SensorSite,
  target: Target,
  truth: TargetState,
  time: number,
  normal: () => number,
): SensorReport {
  const { bearing, distance } = bearingDistance(site, truth);
  const sr = RADAR.sigmaRange;
  const sc = Math.max(distance, 1) * RADAR.sigmaBearing;
  // Error = range error along the line of sight + cross-range error perpendicular to it.
  const zr = sr * normal();
  const zc = sc * normal();
  const [sinB, cosB] = [Math.sin(bearing), Math.cos(bearing)];
  const east = zr * sinB + zc * cosB;
  const north = zr * cosB - zc * sinB;
  const p = offset(truth, east, north);
  return {
    entity: trackId(site, target),
    truthId: target.id,
    time,
    components: {
      position: { lat: p.lat, lon: p.lon, covariance: radarCovariance(bearing, distance) },
      source: { sensorId: site.sensorId, sensorType: 'radar' },
    },
  };
}

/** [varNorth, covNorthEast, varEast] in m² of the radar's error at this bearing (rad) and range (m). */
export function radarCovariance(bearing: number, distance: number): [number, number, number] {
  const r2 = RADAR.sigmaRange ** 2;
  const c2 = (Math.max(distance, 1) * RADAR.sigmaBearing) ** 2;
  const [s, c] = [Math.sin(bearing), Math.cos(bearing)];
  return [round(r2 * c * c + c2 * s * s, 3), round((r2 - c2) * s * c, 3), round(r2 * s * s + c2 * c * c, 3)];
}

/** A sensor's track of a target: `<sensorId>.<truth id>`, so scoring can pair tracks with truth. */
export function trackId(site: SensorSite, target: Target): EntityId {
  return `${site.sensorId}.${target.id}` as EntityId;
}
