/** A few assertions for the UI tests; each failure says what was expected and what was found. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function ok(value: unknown, message: string): asserts value {
  if (!value) throw new AssertionError(message);
}

export function equal<T>(actual: T, expected: T, message = ''): void {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
  }
}

export function includes(haystack: string | null | undefined, needle: string, message = ''): void {
  if (typeof haystack !== 'string' || !haystack.includes(needle)) {
    throw new AssertionError(`${message ? `${message}: ` : ''}expected ${show(haystack)} to contain ${show(needle)}`);
  }
}

/** Polls until `check` stops throwing (rendering is async), then returns its result. */
export async function eventually<T>(check: () => T, timeoutMs = 2000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function show(x: unknown): string {
  return typeof x === 'string' ? JSON.stringify(x) : String(x);
}
