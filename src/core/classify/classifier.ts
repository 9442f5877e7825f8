import type { Classification, Disposition, Environment, ThreatLevel } from '../entity/component-types';
import { bearingDistance, type LatLon } from '../sim/geo';
import { threatLevel } from './threat-level';

/**
 * The classifier: from a track's identity cue, position and velocity, its classification
 * (disposition and confidence) and threat level. It needs only components, not who wrote them, so
 * it runs on any track (simulated, from a peer, imported); a track without a cue is UNKNOWN, one
 * without a velocity is judged on distance alone.
 *
 * score = hostility × urgency, where
 * - hostility blends the cue's disposition weight with UNKNOWN's by the cue's confidence, and the
 *   confidence fades to zero as the cue ages past `cueTimeoutMs`, so the threat falls when the cue
 *   goes away;
 * - urgency is the largest of: closing (1 − time-to-go / horizon, for a target closing on the
 *   defended point), inside the inner radius (1), and proximity (half of 1 − distance / range).
 * The level follows the score with hysteresis (threat-level.ts).
 */
/**
 * An identity cue as a sensor writes it: the `cue` component's value (an opaque kind to the store
 * until it is a known one; the EO simulator writes it, src/core/sim/sensors.ts).
 */
export interface CueComponent {
  readonly label: string;
  readonly disposition: Disposition;
  readonly environment: Environment;
  /** 0..1 */
  readonly confidence: number;
}

/** A cue as the classifier judges it: with its age. */
export interface Cue extends CueComponent {
  /** How long ago the cue was reported, ms. */
  readonly ageMs: number;
}

export interface ClassifierInput {
  readonly cue?: Cue;
  readonly position: LatLon & { readonly alt?: number };
  readonly velocity?: { readonly east: number; readonly north: number };
}

export interface ClassifierConfig {
  readonly defended: LatLon;
  readonly cueTimeoutMs: number;
  /** Within this distance (m) any hostile is urgent, whatever its heading. */
  readonly innerRadius: number;
  /** Time-to-go (s) at which closing starts to count. */
  readonly horizonS: number;
  /** Distance (m) at which proximity starts to count. */
  readonly proximityRange: number;
}

export const DEFAULT_CLASSIFIER: Omit<ClassifierConfig, 'defended'> = {
  cueTimeoutMs: 10_000,
  innerRadius: 3_000,
  horizonS: 300,
  proximityRange: 40_000,
};

export interface ClassifierOutput {
  readonly classification: Classification;
  readonly threat: ThreatLevel;
  readonly score: number;
  /** Why, in words an operator reads in the approval prompt. */
  readonly reason: string;
}

/** How much each disposition counts toward hostility. */
export const HOSTILITY: Readonly<Record<Disposition, number>> = {
  HOSTILE: 1,
  SUSPICIOUS: 0.6,
  UNKNOWN: 0.35,
  PENDING: 0.35,
  NEUTRAL: 0.1,
  ASSUMED_FRIENDLY: 0,
  FRIENDLY: 0,
};
/** Below this (faded) confidence the cue no longer decides the disposition. */
const MIN_CONFIDENCE = 0.2;
const clamp01 = (x: number): number => Math.max(0, Math.min(1, x));
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** A cue's confidence faded by its age: linearly to 0 at `cueTimeoutMs`. */
export function fadedConfidence(cue: Cue, cueTimeoutMs: number): number {
  return clamp01(cue.confidence) * clamp01(1 - Math.max(0, cue.ageMs) / cueTimeoutMs);
}

/** Whether a disposition names an identity: UNKNOWN and PENDING say "cannot tell" and name none. */
export function namesIdentity(disposition: Disposition): boolean {
  return disposition !== 'UNKNOWN' && disposition !== 'PENDING';
}

/**
 * The cue to judge a track by, given its latest cue and the last one that named an identity. A
 * sensor's "cannot tell" (an UNKNOWN or PENDING cue, such as the EO sensor's occasional unsure
 * report) is no evidence against an identity it reported a moment before: while the remembered
 * identity's faded confidence is at least the unsure cue's, the track keeps it, fading with its own
 * age, so one unsure frame neither drops a hostile's threat (which would cancel its approval
 * request and raise a new one a second later) nor flips its classification. A cue naming another
 * identity replaces it at once.
 */
export function identityCue(latest: Cue, remembered: Cue | undefined, cueTimeoutMs: number): Cue {
  if (remembered === undefined || namesIdentity(latest.disposition) || !namesIdentity(remembered.disposition)) {
    return latest;
  }
  return fadedConfidence(remembered, cueTimeoutMs) >= fadedConfidence(latest, cueTimeoutMs) ? remembered : latest;
}

export function classify(input: ClassifierInput, previous: ThreatLevel, cfg: ClassifierConfig): ClassifierOutput {
  const { cue, position, velocity } = input;
  const confidence = cue === undefined ? 0 : round2(fadedConfidence(cue, cfg.cueTimeoutMs));
  const known = cue !== undefined && confidence >= MIN_CONFIDENCE;
  const disposition: Disposition = known ? cue.disposition : 'UNKNOWN';
  const hostility = HOSTILITY[disposition] * confidence + HOSTILITY.UNKNOWN * (1 - confidence);

  const { bearing, distance } = bearingDistance(position, cfg.defended);
  const closing = velocity ? velocity.east * Math.sin(bearing) + velocity.north * Math.cos(bearing) : 0;
  const timeToGo = closing > 0.5 ? distance / closing : Infinity;
  const urgency = Math.max(
    Number.isFinite(timeToGo) ? clamp01(1 - timeToGo / cfg.horizonS) : 0,
    distance < cfg.innerRadius ? 1 : 0,
    0.5 * clamp01(1 - distance / cfg.proximityRange),
  );
  const score = round2(hostility * urgency);
  const threat = threatLevel(score, previous);

  const environment: Environment = cue?.environment ?? ((position.alt ?? 0) > 50 ? 'AIR' : 'SURFACE');
  const parts = [
    `${disposition} ${confidence.toFixed(2)}`,
    closing > 0.5 ? `closing ${Math.round(closing)} m/s` : 'not closing',
    `${(distance / 1_000).toFixed(1)} km`,
  ];
  if (Number.isFinite(timeToGo)) parts.push(`${Math.round(timeToGo)} s to go`);
  return {
    classification: { label: known ? cue.label : 'unknown', disposition, environment, confidence },
    threat,
    score,
    reason: parts.join(', '),
  };
}
