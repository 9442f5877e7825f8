/**
 * The same value with every object's keys inserted in reverse order: a different JS object with
 * equal JSON, for tests that a canonical encoding does not depend on key order.
 */
export function reordered(x: unknown): unknown {
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) return x.map(reordered);
  const out: Record<string, unknown> = {};
  // defineProperty, not assignment: a JSON key "__proto__" is an own property (version-signing
  // test, seed 979113187), which `out[k] =` would turn into setting the prototype.
  for (const k of Object.keys(x).reverse()) {
    const v = reordered((x as Record<string, unknown>)[k]);
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
