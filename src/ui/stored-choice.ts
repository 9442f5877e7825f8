/**
 * A setting of this browser kept in localStorage as one of a fixed set of words (theme, coordinate
 * format): a stored value that is not one of them (an older version's, a hand edit) reads as unset.
 */
export function loadChoice<T extends string>(
  key: string,
  choices: readonly T[],
  storage: Storage | undefined = globalThis.localStorage,
): T | undefined {
  const stored = storage?.getItem(key);
  return (choices as readonly (string | null | undefined)[]).includes(stored) ? (stored as T) : undefined;
}

export function saveChoice(key: string, value: string, storage: Storage | undefined = globalThis.localStorage): void {
  storage?.setItem(key, value);
}
