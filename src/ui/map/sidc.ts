import { DISPOSITIONS, ENVIRONMENTS, type Classification } from '../../core/entity/component-types';
import { AFFILIATION, DIMENSION, lookup } from '../../core/entity/identity-codes';

/**
 * A track's MIL-STD-2525C symbol identification code (SIDC, 15 characters): position 2 is the
 * standard identity (affiliation), taken from the disposition; position 3 the battle dimension,
 * taken from the environment, both by the one table in src/core/entity/identity-codes.ts (shared
 * with the CoT export). docs/ui.md shows it as a table; test/unit/ui/map/sidc.test.ts checks every row.
 */
export { AFFILIATION, DIMENSION };

/** No classification yet: unknown identity, unknown dimension (2525C `Z`), drawn as the unknown frame. */
export const UNCLASSIFIED_SIDC = 'SUZP-----------';

/** A classification as it may arrive: from this version's nodes, a newer one's, or a hand-written entity. */
export type ClassificationLike = { readonly [K in keyof Classification]?: unknown };

/**
 * The SIDC of a track: warfighting scheme `S`, identity, dimension, status `P` (present), no
 * function ID or modifiers. A value that is not a known disposition or environment (a newer node's
 * value, a hand-written entity) falls back to unknown rather than to a wrong frame.
 */
export function sidcOf(classification: ClassificationLike | undefined): string {
  if (classification === undefined) return UNCLASSIFIED_SIDC;
  const affiliation = lookup(AFFILIATION, classification.disposition) ?? 'U';
  const dimension = lookup(DIMENSION, classification.environment) ?? 'Z';
  return `S${affiliation}${dimension}P-----------`;
}

/** sidcOf by a row's codes (src/core/feed/track-row.ts: k + 1 is DISPOSITIONS[k], ENVIRONMENTS[k]; 0 none). */
const BY_CODES: readonly (readonly string[])[] = [undefined, ...DISPOSITIONS].map((disposition) =>
  [undefined, ...ENVIRONMENTS].map((environment) => sidcOf({ disposition, environment })),
);

/** The SIDC of a track from its row's disposition and environment codes (no string made per call). */
export function sidcOfCodes(disposition: number, environment: number): string {
  return BY_CODES[disposition]?.[environment] ?? UNCLASSIFIED_SIDC;
}

/**
 * Every SIDC sidcOf can return: each identity (and the unknown fallback) with each dimension (and
 * the unknown `Z`). The sprite atlas draws exactly these, once, so no track ever waits for a symbol.
 */
export const ALL_SIDCS: readonly string[] = [
  ...new Set(
    [...Object.values(AFFILIATION), 'U'].flatMap((a) =>
      [...Object.values(DIMENSION), 'Z'].map((d) => `S${a}${d}P-----------`),
    ),
  ),
];
