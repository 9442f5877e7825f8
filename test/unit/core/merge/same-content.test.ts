import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import { canonicalContent, sameContent } from '../../../../src/core/merge/version-content';
import type { NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';

// sameContent answers member by member where it can (docs/architecture.md, "Identity"): it must
// agree with comparing the canonical texts on every pair, copies and near misses alike.
const leaf = fc.oneof(
  fc.constantFrom(0, -0, 1, NaN, Infinity, null, true, false, '', 'a', undefined),
  fc.double(),
  fc.string({ maxLength: 3 }),
);
const json = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.sparseArray(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const ts = fc.record({
  ms: fc.integer({ min: 0, max: 3 }),
  c: fc.integer({ min: 0, max: 2 }),
  node: fc.constantFrom('n1', 'n2') as fc.Arbitrary<NodeId>,
}) as fc.Arbitrary<Timestamp>;
type Content = Pick<Version, 'value' | 'seen'>;
const content = fc.record({ value: json, seen: fc.array(ts, { maxLength: 3 }) }) as fc.Arbitrary<Content>;
const copy = <T>(x: T): T => (x === undefined ? x : (JSON.parse(JSON.stringify(x)) as T));

describe('sameContent', () => {
  it('agrees with the canonical texts on random pairs and on copies', () => {
    fc.assert(
      fc.property(content, content, (a, b) => {
        expect(sameContent(a, b)).toBe(canonicalContent(a) === canonicalContent(b));
        const c: Content = { value: copy(a.value), seen: a.seen.map((s) => ({ ...s })) };
        expect(sameContent(a, c)).toBe(canonicalContent(a) === canonicalContent(c));
        const reordered: Content = { value: a.value, seen: [...a.seen].reverse() };
        expect(sameContent(a, reordered)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('tells a changed member, a member left out and another context apart', () => {
    const a = { value: { lat: 1, lon: 2 }, seen: [{ ms: 1, c: 0, node: 'n1' as NodeId }] };
    expect(sameContent(a, { value: { lon: 2, lat: 1 }, seen: [{ ms: 1, c: 0, node: 'n1' as NodeId }] })).toBe(true);
    expect(sameContent(a, { value: { lat: 1, lon: 3 }, seen: a.seen })).toBe(false);
    expect(sameContent(a, { value: { lat: 1 } as Content['value'], seen: a.seen })).toBe(false);
    expect(
      sameContent(a, { value: { lat: 1, lon: 2, x: undefined } as unknown as Content['value'], seen: a.seen }),
    ).toBe(true);
    expect(sameContent(a, { value: a.value, seen: [{ ms: 1, c: 1, node: 'n1' as NodeId }] })).toBe(false);
    expect(sameContent({ value: { x: [0] }, seen: [] }, { value: { x: [-0] }, seen: [] })).toBe(true);
  });

  it('tells a hole in an array from an item holding undefined, as their texts do', () => {
    /** `items` with a hole at each index in `holes`. */
    const sparse = (items: unknown[], holes: number[]): unknown[] => {
      const out = [...items];
      for (const i of holes) delete out[i];
      return out;
    };
    const holes = [sparse([1, 0, 2], [1]), sparse([0, 1], [0]), sparse([1, 0], [1])];
    const filled = [
      [1, undefined, 2],
      [undefined, 1],
      [1, undefined],
    ];
    holes.forEach((h, i) => {
      const a = { value: h as unknown as Content['value'], seen: [] };
      const b = { value: filled[i] as unknown as Content['value'], seen: [] };
      expect(canonicalContent(a) === canonicalContent(b)).toBe(false);
      expect(sameContent(a, b)).toBe(false);
      expect(sameContent(b, a)).toBe(false);
    });
  });
});
