import type { ContractExpectation } from '../contract/storage-contract';

/** The few matchers the shared suites use, for mocha in the browser (vitest's expect is Node-only). */
export function expect(actual: unknown): ContractExpectation {
  const fail = (what: string, expected: unknown): never => {
    throw new Error(`expected ${show(actual)} ${what} ${show(expected)}`);
  };
  return {
    toBe: (expected) => void (Object.is(actual, expected) || fail('to be', expected)),
    toEqual: (expected) => void (deepEqual(actual, expected) || fail('to equal', expected)),
    toBeInstanceOf: (ctor) => void (actual instanceof ctor || fail('to be an instance of', ctor.name)),
    toMatch: (re) => void ((typeof actual === 'string' && re.test(actual)) || fail('to match', String(re))),
  };
}

/** Structural equality as vitest's toEqual: undefined properties count as absent; typed arrays by bytes. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.length === y.length && x.every((byte, i) => byte === y[i]);
  }
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const defined = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  const [ka, kb] = [defined(a), defined(b)];
  const bb = b as Record<string, unknown>;
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], bb[k]));
}

function show(x: unknown): string {
  const text =
    JSON.stringify(x, (_, v: unknown) => (ArrayBuffer.isView(v) ? `<${v.byteLength} bytes>` : v)) ?? String(x);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
