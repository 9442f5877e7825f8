import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SKEW_MS, Hlc, MAX_COUNTER } from '../../../../src/core/clock/hlc';
import { compareTs, decodeTs, encodeTs, type Timestamp } from '../../../../src/core/clock/timestamp';
import type { NodeId } from '../../../../src/core/ids';

const A = 'nodeA' as NodeId;
const B = 'nodeB' as NodeId;

/** A wall clock the test moves by hand. */
function manualClock(start: number): { now: () => number; set: (t: number) => void } {
  let t = start;
  return { now: () => t, set: (x) => (t = x) };
}

const ts = (ms: number, c: number, node: NodeId = B): Timestamp => ({ ms, c, node });

describe('Hlc', () => {
  it('uses the injected wall clock and starts the counter at 0', () => {
    const wall = manualClock(1_000);
    const hlc = new Hlc({ node: A, now: wall.now });
    expect(hlc.now()).toEqual({ ms: 1_000, c: 0, node: A });
    wall.set(1_005.9);
    expect(hlc.now()).toEqual({ ms: 1_005, c: 0, node: A });
    expect(hlc.maxSkewMs).toBe(DEFAULT_MAX_SKEW_MS);
  });

  it('increments the counter within one millisecond', () => {
    const wall = manualClock(5_000);
    const hlc = new Hlc({ node: A, now: wall.now });
    const got = [hlc.now(), hlc.now(), hlc.now()];
    expect(got.map((t) => [t.ms, t.c])).toEqual([
      [5_000, 0],
      [5_000, 1],
      [5_000, 2],
    ]);
    wall.set(5_001);
    expect(hlc.now()).toMatchObject({ ms: 5_001, c: 0 });
  });

  it('stays monotonic when the wall clock steps backwards', () => {
    const wall = manualClock(10_000);
    const hlc = new Hlc({ node: A, now: wall.now });
    const first = hlc.now();
    wall.set(2_000); // NTP step back by 8 s
    const second = hlc.now();
    const third = hlc.now();
    expect(compareTs(second, first)).toBeGreaterThan(0);
    expect(compareTs(third, second)).toBeGreaterThan(0);
    expect(second.ms).toBe(10_000);
    wall.set(10_001);
    expect(hlc.now()).toMatchObject({ ms: 10_001, c: 0 });
  });

  it('on counter overflow borrows a millisecond and stays strictly increasing (maxCounter 3)', () => {
    const wall = manualClock(100);
    const hlc = new Hlc({ node: A, now: wall.now, maxCounter: 3 });
    const seq = Array.from({ length: 12 }, () => hlc.now());
    for (let i = 1; i < seq.length; i++) expect(compareTs(seq[i]!, seq[i - 1]!)).toBeGreaterThan(0);
    for (const t of seq) expect(t.c).toBeLessThanOrEqual(3);
    expect(seq.map((t) => `${t.ms}.${t.c}`).slice(0, 6)).toEqual([
      '100.0',
      '100.1',
      '100.2',
      '100.3',
      '101.0',
      '101.1',
    ]);
    // the wall clock catching up with the borrowed time does not go back
    wall.set(101);
    expect(compareTs(hlc.now(), seq.at(-1)!)).toBeGreaterThan(0);
  });

  it('random wall-clock walks (incl. backwards steps) give strictly increasing timestamps (property)', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log('hlc monotonic seed', seed);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: -5_000, max: 5_000 })), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 5 }),
        (steps, maxCounter) => {
          const wall = manualClock(1_000_000);
          const hlc = new Hlc({ node: A, now: wall.now, maxCounter });
          let prev: Timestamp | undefined;
          for (const d of steps) {
            wall.set(wall.now() + d);
            const t = hlc.now();
            if (prev !== undefined && compareTs(t, prev) <= 0) return false;
            if (t.c > maxCounter) return false;
            prev = t;
          }
          return true;
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('observe() of a remote ahead by less than maxSkew advances the clock so next now() orders after it', () => {
    const wall = manualClock(50_000);
    const hlc = new Hlc({ node: A, now: wall.now, maxSkewMs: 1_000 });
    hlc.now();
    const remote = ts(50_900, 7);
    expect(hlc.observe(remote)).toEqual({ ok: true });
    expect(hlc.last).toEqual({ ms: 50_900, c: 7, node: A });
    const next = hlc.now();
    expect(compareTs(next, remote)).toBeGreaterThan(0);
    expect(next).toEqual({ ms: 50_900, c: 8, node: A });
  });

  it('observe() of a remote behind us keeps our clock and still orders next now() after it', () => {
    const wall = manualClock(50_000);
    const hlc = new Hlc({ node: A, now: wall.now });
    const mine = hlc.now();
    expect(hlc.observe(ts(40_000, 99))).toEqual({ ok: true });
    expect(hlc.last).toEqual(mine);
    // same ms, higher counter: adopt the counter
    expect(hlc.observe(ts(50_000, 4))).toEqual({ ok: true });
    const next = hlc.now();
    expect(compareTs(next, ts(50_000, 4))).toBeGreaterThan(0);
  });

  it('observe() of a remote exactly maxSkew ahead is accepted, one ms more is refused', () => {
    const wall = manualClock(0);
    const hlc = new Hlc({ node: A, now: wall.now, maxSkewMs: 500 });
    expect(hlc.observe(ts(500, 0))).toEqual({ ok: true });
    expect(hlc.observe(ts(501, 0))).toEqual({ ok: false, skewMs: 501 });
  });

  it('observe() of a remote more than maxSkewMs ahead returns {ok:false, skewMs} and leaves the clock untouched', () => {
    const wall = manualClock(1_000_000);
    const hlc = new Hlc({ node: A, now: wall.now }); // default 60 s
    const before = hlc.now();
    const res = hlc.observe(ts(1_000_000 + 3_600_000, 0));
    expect(res).toEqual({ ok: false, skewMs: 3_600_000 });
    expect(hlc.last).toEqual(before);
    const next = hlc.now();
    expect(next).toEqual({ ms: 1_000_000, c: 1, node: A });
    expect(hlc.leadOf(ts(1_000_000 + 3_600_000, 0))).toBe(3_600_000);
    // once local time has caught up the same timestamp is accepted
    wall.set(1_000_000 + 3_600_000 - 60_000);
    expect(hlc.observe(ts(1_000_000 + 3_600_000, 0))).toEqual({ ok: true });
  });

  it('force() folds in a skewed timestamp the operator accepted', () => {
    const wall = manualClock(1_000);
    const hlc = new Hlc({ node: A, now: wall.now, maxSkewMs: 10 });
    const far = ts(999_999, 3);
    expect(hlc.observe(far).ok).toBe(false);
    hlc.force(far);
    expect(hlc.last).toEqual({ ms: 999_999, c: 3, node: A });
    expect(compareTs(hlc.now(), far)).toBeGreaterThan(0);
    // forcing an older timestamp never moves the clock back
    hlc.force(ts(5, 0));
    expect(hlc.last.ms).toBe(999_999);
  });

  it('restored from `last` never issues a timestamp at or before it, even with a wall clock behind', () => {
    const wall = manualClock(1_000);
    const last: Timestamp = { ms: 9_000, c: 12, node: A };
    const hlc = new Hlc({ node: A, now: wall.now, last });
    expect(hlc.last).toEqual(last);
    const t = hlc.now();
    expect(compareTs(t, last)).toBeGreaterThan(0);
    expect(t).toEqual({ ms: 9_000, c: 13, node: A });
    // restoring at the counter ceiling borrows a millisecond
    const full = new Hlc({ node: A, now: wall.now, last: { ms: 9_000, c: MAX_COUNTER, node: A } });
    expect(full.now()).toEqual({ ms: 9_001, c: 0, node: A });
  });

  it('a remote counter above our maxCounter does not break monotonicity', () => {
    const wall = manualClock(100);
    const hlc = new Hlc({ node: A, now: wall.now, maxCounter: 3 });
    hlc.observe(ts(100, 9));
    const t = hlc.now();
    expect(compareTs(t, ts(100, 9))).toBeGreaterThan(0);
  });
});

describe('Timestamp helpers', () => {
  it('compareTs orders by ms, then counter, then node id', () => {
    expect(compareTs(ts(1, 9, A), ts(2, 0, A))).toBeLessThan(0);
    expect(compareTs(ts(2, 1, A), ts(2, 0, B))).toBeGreaterThan(0);
    expect(compareTs(ts(2, 1, A), ts(2, 1, B))).toBeLessThan(0);
    expect(compareTs(ts(2, 1, A), ts(2, 1, A))).toBe(0);
  });

  it('encodeTs gives each timestamp its own text through its cache: more timestamps than slots, copies, same ms and counter on two nodes', () => {
    const plain = (t: Timestamp): string =>
      t.ms.toString(16).padStart(12, '0') + t.c.toString(16).padStart(4, '0') + t.node;
    const all: Timestamp[] = [];
    for (let i = 0; i < 20_000; i++) all.push(ts(1_700_000_000_000 + (i >> 1), i % 3, i % 2 === 0 ? A : B));
    for (let round = 0; round < 2; round++)
      for (let i = round; i < all.length; i += 1 + round) expect(encodeTs({ ...all[i]! })).toBe(plain(all[i]!));
    expect(encodeTs(ts(2 ** 47, 65_535, A))).toBe(plain(ts(2 ** 47, 65_535, A)));
  });

  it('encodeTs has the documented fixed-width form', () => {
    expect(encodeTs(ts(1, 2, A))).toBe('0000000000010002nodeA');
  });

  it('decodeTs refuses malformed text', () => {
    for (const bad of [
      '',
      '0000000000010002',
      'zz00000000010002nodeA',
      '000000000001000GnodeA',
      '0000000000010002no de',
      '0000000000010002' + 'x'.repeat(65),
    ]) {
      expect(decodeTs(bad)).toBeUndefined();
    }
  });

  const arbNode = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((s) => s as NodeId);
  const arbTs = fc.record({
    ms: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
    c: fc.integer({ min: 0, max: MAX_COUNTER }),
    node: arbNode,
  });
  /** Timestamps that share parts often, so ties on ms/counter/node prefixes are exercised. */
  const arbCloseTs = fc.record({
    ms: fc.integer({ min: 0, max: 3 }),
    c: fc.integer({ min: 0, max: 3 }),
    node: fc.constantFrom('a', 'a_', 'aB', 'A', 'b', 'a-', 'a0', 'ab').map((s) => s as NodeId),
  });

  it('encodeTs/decodeTs round-trip and string order equals compareTs order (property)', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log('timestamp encoding seed', seed);
    const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);
    fc.assert(
      fc.property(fc.oneof(arbTs, arbCloseTs), fc.oneof(arbTs, arbCloseTs), (a, b) => {
        expect(decodeTs(encodeTs(a))).toEqual(a);
        const ea = encodeTs(a);
        const eb = encodeTs(b);
        expect(sign(ea < eb ? -1 : ea > eb ? 1 : 0)).toBe(sign(compareTs(a, b)));
      }),
      { seed, numRuns: 2_000 },
    );
  });
});
