import type { Disposition, Environment } from './component-types';

/**
 * The one table from a classification to the MIL-STD-2525 letters (docs/ui.md, "SIDC from
 * classification"): the standard identity (affiliation) from the disposition, the battle dimension
 * from the environment. The same letters are Cursor-on-Target's affiliation and dimension
 * (`a-h-A` = hostile air), so the map's SIDC (src/ui/map/sidc.ts) and the CoT type
 * (src/core/interop/cot-type.ts) both read them from here.
 */
export const AFFILIATION: { readonly [D in Disposition]: string } = {
  HOSTILE: 'H',
  SUSPICIOUS: 'S',
  UNKNOWN: 'U',
  PENDING: 'P',
  NEUTRAL: 'N',
  ASSUMED_FRIENDLY: 'A',
  FRIENDLY: 'F',
};

export const DIMENSION: { readonly [E in Environment]: string } = {
  AIR: 'A',
  SURFACE: 'S',
  SUB_SURFACE: 'U',
  LAND: 'G',
  SPACE: 'P',
};

/** The table's value for `key`, or undefined for a key it does not hold (a newer node's value, a typo). */
export function lookup(table: Readonly<Record<string, string>>, key: unknown): string | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}
