import { ValidationError } from '../core/errors';
import { num, onlyKeys, record } from '../core/entity/validate-fields';
import type { FusionSettings, SimulatedSensor, SimulateOptions } from './c2-api';

/** Bounds at the handle: enough for the 1,000-track benchmark with room, not enough to drown the worker. */
export const SIM_MAX_TRACKS = 10_000;
export const SIM_MAX_HZ = 10;
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
