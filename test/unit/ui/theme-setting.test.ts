import { describe, expect, it } from 'vitest';
import { loadTheme, otherTheme, saveTheme, THEME_KEY } from '../../../src/ui/theme-setting';

/** The part of Storage the setting uses, in memory. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
  } as Storage;
}

describe('theme setting', () => {
  it('starts at day with nothing stored (no dark preference in Node) and keeps what is saved', () => {
    const storage = memoryStorage();
    expect(loadTheme(storage)).toBe('day');
    saveTheme('night', storage);
    expect(storage.getItem(THEME_KEY)).toBe('night');
    expect(loadTheme(storage)).toBe('night');
  });

  it('ignores a stored value that is not a theme', () => {
    const storage = memoryStorage();
    storage.setItem(THEME_KEY, 'sepia');
    expect(loadTheme(storage)).toBe('day');
  });

  it('toggles between the two themes', () => {
    expect(otherTheme('day')).toBe('night');
    expect(otherTheme('night')).toBe('day');
  });
});
