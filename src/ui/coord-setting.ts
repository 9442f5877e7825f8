import { loadChoice, saveChoice } from './stored-choice';

/** How the inspector writes a position: degrees of latitude and longitude, or an MGRS grid reference. */
export const COORD_FORMATS = ['latlon', 'mgrs'] as const;
export type CoordFormat = (typeof COORD_FORMATS)[number];

export const COORD_KEY = 'lattice-mesh:coords';

export function loadCoordFormat(storage: Storage | undefined = globalThis.localStorage): CoordFormat {
  return loadChoice(COORD_KEY, COORD_FORMATS, storage) ?? 'latlon';
}

export function saveCoordFormat(format: CoordFormat, storage: Storage | undefined = globalThis.localStorage): void {
  saveChoice(COORD_KEY, format, storage);
}

/** What the toggle button reads for each format. */
export const COORD_FORMAT_TEXT: { readonly [F in CoordFormat]: string } = { latlon: 'Lat/Lon', mgrs: 'MGRS' };
