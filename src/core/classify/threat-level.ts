import { THREAT_LEVELS, type ThreatLevel } from '../entity/component-types';

/**
 * Threat level from a score in [0, 1], with hysteresis: a level is entered at its `up` threshold
 * and kept until the score falls below `up - margin`, so a score wobbling around a threshold (noisy
 * closing speed, a cue flickering) does not make the level, and with it the approval prompt,
 * flap.
 */
export const THREAT_UP: Readonly<Record<ThreatLevel, number>> = { NONE: 0, LOW: 0.15, MEDIUM: 0.35, HIGH: 0.6 };
export const HYSTERESIS_MARGIN = 0.1;

export function threatLevel(score: number, previous: ThreatLevel): ThreatLevel {
  const rank = (l: ThreatLevel): number => THREAT_LEVELS.indexOf(l);
  let entered: ThreatLevel = 'NONE';
  for (const l of THREAT_LEVELS) if (score >= THREAT_UP[l]) entered = l;
  if (rank(entered) >= rank(previous)) return entered;
  // Falling: stay at the highest level not above the previous one whose exit threshold still holds.
  for (let i = rank(previous); i > rank(entered); i--) {
    const l = THREAT_LEVELS[i]!;
    if (score >= THREAT_UP[l] - HYSTERESIS_MARGIN) return l;
  }
  return entered;
}
