import { ValidationError } from '../core/errors';
import { num, onlyKeys, record } from '../core/entity/validate-fields';
import { SIM_MAX_HZ, SIM_MAX_TRACKS } from '../core/sim/limits';
import type { FusionSettings, SimulatedSensor, SimulateOptions } from './c2-api';

/** The largest fusion gate the handle accepts, metres. */
export const MAX_GATE_METERS = 10_000;

/** Checks `simulate()`'s argument whole, naming the first bad field. */
export function checkSimulate(x: unknown): SimulateOptions {
  const v = record(x, 'simulate');
  onlyKeys(v, ['eo', 'radar', 'seed'], 'simulate');
  if (v.eo === undefined && v.radar === undefined) throw new ValidationError('simulate: expected eo and/or radar');
  const seed = v.seed === undefined ? undefined : num(v.seed, 'simulate.seed', 0, 2 ** 32 - 1);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new ValidationError('simulate.seed: expected a whole number');
  return {
    ...(v.eo === undefined ? {} : { eo: sensor(v.eo, 'simulate.eo') }),
    ...(v.radar === undefined ? {} : { radar: sensor(v.radar, 'simulate.radar') }),
    ...(seed === undefined ? {} : { seed }),
  };
}

function sensor(x: unknown, path: string): SimulatedSensor {
  const v = record(x, path);
  onlyKeys(v, ['tracks', 'hz'], path);
  const tracks = num(v.tracks, `${path}.tracks`, 1, SIM_MAX_TRACKS);
  if (!Number.isInteger(tracks)) throw new ValidationError(`${path}.tracks: expected a whole number`);
  const hz = num(v.hz, `${path}.hz`, 0, SIM_MAX_HZ);
  if (hz <= 0) throw new ValidationError(`${path}.hz: expected more than 0`);
  return { tracks, hz };
}

export function checkFusionSettings(x: unknown): FusionSettings {
  const v = record(x, 'setFusion');
  onlyKeys(v, ['enabled', 'gateMeters'], 'setFusion');
  if (typeof v.enabled !== 'boolean') throw new ValidationError('setFusion.enabled: expected true or false');
  if (v.gateMeters === undefined) return { enabled: v.enabled };
  return { enabled: v.enabled, gateMeters: num(v.gateMeters, 'setFusion.gateMeters', 1, MAX_GATE_METERS) };
}
