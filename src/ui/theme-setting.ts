import { loadChoice, saveChoice } from './stored-choice';

/**
 * The operator's theme: `day`, high contrast for a tablet in sunlight (dark ink on white), or
 * `night`, dark and red (long wavelengths keep the eyes' night adaptation). Kept in localStorage,
 * a setting of this browser rather than of the picture: each tablet is used where it is.
 */
export const THEMES = ['day', 'night'] as const;
export type Theme = (typeof THEMES)[number];

/** The localStorage key; one definition, read by the tests too. */
export const THEME_KEY = 'lattice-mesh:theme';

/** The stored theme; with none stored, the browser's colour-scheme preference (dark means night). */
export function loadTheme(storage: Storage | undefined = globalThis.localStorage): Theme {
  const stored = loadChoice(THEME_KEY, THEMES, storage);
  if (stored !== undefined) return stored;
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches === true ? 'night' : 'day';
}

export function saveTheme(theme: Theme, storage: Storage | undefined = globalThis.localStorage): void {
  saveChoice(THEME_KEY, theme, storage);
}

/** The other theme: the header's toggle switches between the two. */
export function otherTheme(theme: Theme): Theme {
  switch (theme) {
    case 'day':
      return 'night';
    case 'night':
      return 'day';
    default: {
      const never: never = theme;
      return never;
    }
  }
}
