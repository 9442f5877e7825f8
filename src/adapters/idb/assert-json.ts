/**
 * Throws unless `x` is plain JSON. Values are stored as JSON text, and JSON.stringify would quietly
 * drop functions and undefined and turn NaN into null: storage must refuse, never alter, a value.
 */
export function assertJson(x: unknown, what: () => string): void {
  const problem = findNonJson(x, '');
  if (problem !== undefined) throw new TypeError(`${what()} is not JSON: ${problem}`);
}

/**
 * Where `x` stops being plain JSON, or undefined when it is JSON. Runs once per stored version on
 * the commit path, so the path text is only built on the way out of a failure.
 */
export function findNonJson(x: unknown, path: string): string | undefined {
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(x) ? undefined : `${String(x)} at ${path || '(root)'}`;
    case 'object': {
      if (x === null) return undefined;
      if (Array.isArray(x)) {
        for (let i = 0; i < x.length; i++) {
          const item: unknown = x[i];
          if (isScalarJson(item)) continue;
          const p = findNonJson(item, `${path}[${i}]`);
          if (p !== undefined) return p;
        }
        return undefined;
      }
      const proto = Object.getPrototypeOf(x) as unknown;
      if (proto !== Object.prototype && proto !== null) return `a non-plain object at ${path || '(root)'}`;
      const record = x as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const item = record[key];
        if (isScalarJson(item)) continue;
        const p = findNonJson(item, `${path}.${key}`);
        if (p !== undefined) return p;
      }
      return undefined;
    }
    case 'undefined':
    case 'function':
    case 'symbol':
    case 'bigint':
      return `a ${typeof x} at ${path || '(root)'}`;
  }
}

/** The common leaves, checked without building a path string. */
function isScalarJson(x: unknown): boolean {
  const t = typeof x;
  return t === 'string' || t === 'boolean' || x === null || (t === 'number' && Number.isFinite(x));
}
