/** A small expect for browser tests (WTR runs mocha without an assertion library). */
export function expect<T>(actual: T) {
  return {
    toBe(expected: T): void {
      if (!Object.is(actual, expected)) throw new Error(`expected ${show(actual)} to be ${show(expected)}`);
    },
    toEqual(expected: unknown): void {
      if (canonical(actual) !== canonical(expected)) {
        throw new Error(`expected ${show(actual)} to equal ${show(expected)}`);
      }
    },
    toBeLessThan(bound: number): void {
      if (!(typeof actual === 'number' && actual < bound)) throw new Error(`expected ${show(actual)} < ${bound}`);
    },
    toBeGreaterThan(bound: number): void {
      if (!(typeof actual === 'number' && actual > bound)) throw new Error(`expected ${show(actual)} > ${bound}`);
    },
    toContain(part: string): void {
      if (typeof actual !== 'string' || !actual.includes(part))
        throw new Error(`expected ${show(actual)} to contain ${show(part)}`);
    },
  };
}

function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function show(x: unknown): string {
  const text = x === undefined ? 'undefined' : canonical(x);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
