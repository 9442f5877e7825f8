import { ValidationError } from '../errors';
import {
  DISPOSITIONS,
  ENVIRONMENTS,
  type Classification,
  type Disposition,
  type Environment,
} from '../entity/component-types';
import { AFFILIATION, DIMENSION, lookup } from '../entity/identity-codes';

/** The CoT type of a track without a classification: an atom of unknown affiliation and dimension. */
export const UNCLASSIFIED_COT_TYPE = 'a-u-Z';

/**
 * A track's CoT type, `a-<affiliation>-<dimension>`: an atom (`a`), the MIL-STD-2525 standard
 * identity in lower case and the battle dimension, both from the one table the map's SIDC uses
 * (src/core/entity/identity-codes.ts). Hostile air is `a-h-A`, friendly ground `a-f-G`.
 */
export function cotTypeOf(classification: Partial<Classification> | undefined): string {
  if (classification === undefined) return UNCLASSIFIED_COT_TYPE;
  const affiliation = lookup(AFFILIATION, classification.disposition)?.toLowerCase() ?? 'u';
  const dimension = lookup(DIMENSION, classification.environment) ?? 'Z';
  return `a-${affiliation}-${dimension}`;
}

const BY_AFFILIATION = new Map<string, Disposition>(DISPOSITIONS.map((d) => [AFFILIATION[d].toLowerCase(), d]));
const BY_DIMENSION = new Map<string, Environment>(ENVIRONMENTS.map((e) => [DIMENSION[e], e]));

/**
 * The disposition and environment a CoT type names, or undefined for `a-u-Z` (nothing known). Only
 * atoms are tracks; CoT's joker, faker and none affiliations and the SOF and other dimensions have
 * no disposition or environment here, so such an event is rejected with that said, not guessed at.
 * Function codes after the dimension (`a-h-A-M-F`) are accepted and not kept.
 */
export function parseCotType(type: string): { disposition: Disposition; environment: Environment } | undefined {
  const [atom, affiliation, dimension] = type.split('-');
  if (atom !== 'a' || affiliation === undefined || dimension === undefined) {
    throw new ValidationError(`type ${JSON.stringify(type)}: not an atom (a-<affiliation>-<dimension>…)`);
  }
  if (affiliation === 'u' && dimension === 'Z') return undefined;
  const disposition = BY_AFFILIATION.get(affiliation);
  if (disposition === undefined) {
    throw new ValidationError(`type ${JSON.stringify(type)}: affiliation "${affiliation}" has no disposition here`);
  }
  const environment = BY_DIMENSION.get(dimension);
  if (environment === undefined) {
    throw new ValidationError(`type ${JSON.stringify(type)}: dimension "${dimension}" has no environment here`);
  }
  return { disposition, environment };
}
