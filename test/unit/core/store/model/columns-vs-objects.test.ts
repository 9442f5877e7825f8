/**
 * The columnar store (lean registers of the fixed kinds held in typed arrays, lean-columns.ts)
 * against the same store keeping every register as Version objects (`columns: false`, the
 * representation before the columns), over random operation sequences: writes by several authors
 * with and without contexts (conflicts), values of every shape (exact float64 numbers, -0, NaN,
 * strings, keys in any order, optional fields, values that do not fit a column), signed versions
 * and versions signed after the merge, re-deliveries, same-timestamp equivocation (other values and
 * other contexts: twins kept as evidence), deletes, expiry and purge, restart from a snapshot. After
 * every step both give the same outcome, the same heads (values bit for bit, keys in the same
 * order), the same views, versions, evidence, contexts and snapshot.
 * Replay a failure with SEED=<printed seed> (NUM_RUNS=... for more or fewer sequences).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../../src/core/clock/timestamp';
import type { ComponentValue } from '../../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../../src/core/ids';
import { DELETED, type Version } from '../../../../../src/core/merge/version';
import { FIXED_KINDS, type ApplyOutcome } from '../../../../../src/core/store/entity-state';
import type { Evidence } from '../../../../../src/core/store/evidence';
import { EntityStore } from '../../../../../src/core/store/entity-store';
import { expectNumbered } from './numbers';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 500);

const ENTITIES = ['e1', 'e2', 'e3'] as EntityId[];
const AUTHORS = ['a', 'b', 'c'] as NodeId[];
// The fixed kinds the columns hold, one kind they do not, and the tombstone.
const KINDS = [...FIXED_KINDS, 'speed', DELETED] as ComponentKind[];
const T0 = 1_700_000_000_000;

/** The grids the columns hold numbers on (lean-columns.ts, SCALES): 1e-7, 0.1, 0.01, 1e-4, 1. */
const GRIDS = [1e7, 10, 100, 10_000, 1] as const;
const num = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, 1.5, Number.NaN, Number.MAX_VALUE, -1e-300, 51.477928, -0.001545),
  // On a grid (as the wire decodes and writers quantise), and at the int32 edges of each grid:
  // inside they are held as int32, one step out (or off the grid) the head stays in the side table.
  fc.tuple(fc.integer({ min: -(2 ** 31) - 2, max: 2 ** 31 + 1 }), fc.constantFrom(...GRIDS)).map(([q, s]) => q / s),
  fc.constantFrom(...GRIDS.flatMap((s) => [(2 ** 31 - 1) / s, 2 ** 31 / s, -(2 ** 31) / s, (-(2 ** 31) - 1) / s])),
  fc.constantFrom(51.4779281, 51.47792811, 0.1234, 0.12345, 12.3, 12.34, 7.25, 7.255),
);
const str = fc.constantFrom('HOSTILE', 'UNKNOWN', 'radar', 'eo', '', 'ω-17', 'sensor-1');
/** Values of many shapes: what fits a column and what does not (nested, too wide, other types). */
const arbValue: fc.Arbitrary<ComponentValue> = fc.oneof(
  fc.record({ lat: num, lon: num }),
  fc.record({ lat: num, lon: num, alt: num }),
  fc.record({ lat: num, lon: num, alt: num, accuracy: num }),
  fc.record({ lon: num, lat: num }),
  fc.record({ lat: num, lon: num, covariance: fc.tuple(num, num, num) }),
  fc.record({ east: num, north: num, up: num }),
  fc.record({ label: str, disposition: str, environment: str, confidence: num }),
  fc.record({ level: fc.constantFrom('NONE', 'LOW', 'MEDIUM', 'HIGH') }),
  fc.record({ sensorId: str, sensorType: str }),
  fc.record({ at: fc.integer({ min: T0, max: T0 + 200 }) }),
  // Deadlines are held as an int32 offset from the columns' epoch (the first head's ms, about T0).
  fc.record({
    at: fc.oneof(
      fc.constantFrom(T0 + 2 ** 31 - 1, T0 + 2 ** 31, T0 - 2 ** 31, T0 - 2 ** 31 - 1, T0 + 0.5, 1e300),
      fc.integer({ min: -(2 ** 31) - 300, max: 2 ** 31 + 300 }).map((d) => T0 + d),
    ),
  }),
  fc.record({ a: num, b: num, c: num, d: num, e: num }),
  // Numbers and strings are held in separate fields per kind (lean-columns.ts, NUMBERS and
  // STRINGS): shapes with more of either than a kind holds, though no more keys in all.
  fc.record({ label: str, confidence: num, at: num }),
  fc.record({ level: str, sensorId: str, sensorType: str }),
  fc.record({ level: str, at: num }),
  fc.record({ sensorId: str, lat: num, lon: num, alt: num }),
  fc.record({ flag: fc.boolean() }),
  fc.record({ note: fc.constant(null) }),
  fc.constant({}),
) as fc.Arbitrary<ComponentValue>;

type Step =
  | {
      readonly t: 'write';
      readonly author: number;
      readonly entity: number;
      readonly kind: number;
      readonly value: ComponentValue;
      readonly context: boolean;
      readonly signed: 'no' | 'sig' | 'proof';
      readonly dt: number;
    }
  | { readonly t: 'again'; readonly pick: number }
  | { readonly t: 'equivocate'; readonly pick: number; readonly value: ComponentValue; readonly context: number }
  | { readonly t: 'signLater'; readonly pick: number }
  | { readonly t: 'purge'; readonly dt: number }
  | { readonly t: 'restart' };

const nat = (max: number) => fc.integer({ min: 0, max });
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant('write' as const),
      author: nat(AUTHORS.length - 1),
      entity: nat(ENTITIES.length - 1),
      kind: nat(KINDS.length - 1),
      value: arbValue,
      context: fc.boolean(),
      signed: fc.constantFrom('no' as const, 'no' as const, 'sig' as const, 'proof' as const),
      // Now and then a jump near or past the ±2^31 ms the columns hold around their epoch.
      dt: fc.oneof(
        { weight: 20, arbitrary: fc.constantFrom(0, 0, 1, 7) },
        { weight: 1, arbitrary: fc.constantFrom(2 ** 31 - 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32) },
      ),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('again' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('equivocate' as const), pick: fc.nat(), value: arbValue, context: nat(3) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('signLater' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('purge' as const), dt: fc.integer({ min: 0, max: 120 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const) }) },
);

/** Exact text of any value: key order kept, -0 and NaN told apart, typed arrays by their bytes. */
function exact(x: unknown): string {
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (x === undefined) return 'undefined';
  if (x === null || typeof x !== 'object') return JSON.stringify(x);
  if (x instanceof Uint8Array) return `bytes(${Array.from(x).join(',')})`;
  if (Array.isArray(x)) return `[${x.map(exact).join(',')}]`;
  return `{${Object.entries(x as Record<string, unknown>)
    .map(([k, v]) => `${k}:${exact(v)}`)
    .join(',')}}`;
}

const tsText = (t: Timestamp): string => `${t.ms}.${t.c}.${t.node}`;
const versionText = (v: Version): string =>
  exact({
    entity: v.entity,
    kind: v.kind,
    value: v.value,
    ts: tsText(v.ts),
    seen: v.seen.map(tsText),
    sig: v.sig,
    proof: v.proof,
  });
const evidenceText = (items: readonly Evidence[] | undefined): string =>
  (items ?? [])
    .map((e) => `${e.by}:${versionText(e.version)}`)
    .sort()
    .join('|');
const outcomeText = (o: ApplyOutcome): string =>
  o.kind === 'duplicate'
    ? 'duplicate'
    : `${o.kind}:${(o.removed ?? []).map(versionText).sort().join('|')} kept ${evidenceText(o.kept)} released ${evidenceText(o.released)} twin ${o.twin}`;

/** Everything observable of a store at `now`. */
function observe(store: EntityStore, now: number): string {
  const out: string[] = [`size ${store.size}`, `entities ${store.entityCount}`];
  for (const e of ENTITIES) {
    const s = store.state(e);
    out.push(`${e} live ${s?.live} versions ${s?.versionCount} restored ${s?.restoredByVersions}`);
    out.push(`expiresAt ${s?.expiresAt} fired ${exact(s?.firedBy(now) && versionText(s.firedBy(now)!))}`);
    for (const k of KINDS) {
      out.push(`${e}/${k} heads ${store.heads(e, k).map(versionText).join(' ; ')}`);
      for (const a of AUTHORS) out.push(`ctx ${a} ${store.contextFor(e, k, a).map(tsText).join(',')}`);
      out.push(`knowledge ${exact(s?.knowledgeOf(k))}`);
    }
    out.push(`view ${exact(store.view(e, now))} visible ${store.visible(e, now)}`);
  }
  out.push(`versions ${[...store.versions()].map(versionText).sort().join('\n')}`);
  out.push(`evidence ${[...store.evidence()].map(versionText).sort().join('\n')} ${exact(store.evidenceStats())}`);
  const snap = store.snapshot();
  out.push(`metas ${exact(snap.entities)}`);
  out.push(`list ${exact(store.list(now))} ${exact(store.countShown(now))}`);
  return out.join('\n');
}

const proofOf = (n: number) =>
  ({ kind: 'path', form: 2, sig: new Uint8Array([n, 1]), count: 2, index: 0, path: [new Uint8Array([n])] }) as const;

function run(steps: readonly Step[]): void {
  let cols = new EntityStore();
  let objs = new EntityStore({ columns: false });
  let now = T0;
  const counters = new Map<NodeId, number>();
  const written: Version[] = [];
  const apply = (v: Version): void => {
    const a = cols.apply(v);
    const b = objs.apply(v);
    expect(outcomeText(a)).toBe(outcomeText(b));
  };
  for (const step of steps) {
    switch (step.t) {
      case 'write': {
        now += step.dt;
        const author = AUTHORS[step.author]!;
        const entity = ENTITIES[step.entity]!;
        const kind = KINDS[step.kind]!;
        // Author `c` counts from just below the clock's bound (0xffff): the columns hold a counter
        // as a uint16, so its later writes must stay in the side table and read back the same.
        const c = (counters.get(author) ?? (author === 'c' ? 0xfffd : 0)) + 1;
        counters.set(author, c);
        const ts = { ms: now, c, node: author };
        const seen = step.context ? objs.contextFor(entity, kind, author) : [];
        const value = kind === DELETED ? null : step.value;
        const v: Version = {
          entity,
          kind,
          value,
          ts,
          seen,
          ...(step.signed === 'sig' ? { sig: new Uint8Array([c, 7]) } : {}),
          ...(step.signed === 'proof' ? { proof: proofOf(c) } : {}),
        };
        written.push(v);
        apply(v);
        break;
      }
      case 'again':
        if (written.length > 0) apply(written[step.pick % written.length]!);
        break;
      case 'equivocate': {
        // Another content under a timestamp written: another value, and maybe another context
        // (the one the register would give now, none, or a rest marker), kept as evidence or not.
        if (written.length === 0) break;
        const w = written[step.pick % written.length]!;
        if (w.kind === DELETED) break;
        const author = w.ts.node;
        const now = objs.contextFor(w.entity, w.kind, author).filter((t) => t.ms < w.ts.ms);
        const seen =
          step.context === 0
            ? w.seen
            : step.context === 1
              ? now
              : step.context === 2
                ? []
                : [...w.seen.filter((t) => t.node !== author), { ms: w.ts.ms - 1, c: 0, node: author }];
        const v: Version = { entity: w.entity, kind: w.kind, value: step.value, ts: w.ts, seen };
        written.push(v);
        apply(v);
        break;
      }
      case 'signLater': {
        // A local write is signed in place after the merge (src/node/local-writes.ts).
        if (written.length === 0) break;
        const w = written[step.pick % written.length]!;
        if (w.proof !== undefined || w.sig !== undefined) break;
        (w as { proof?: unknown }).proof = proofOf(200);
        cols.adopt([w]);
        objs.adopt([w]);
        break;
      }
      case 'purge': {
        now += step.dt;
        const a = cols.purgeExpired(now).map(versionText).sort();
        const b = objs.purgeExpired(now).map(versionText).sort();
        expect(a).toEqual(b);
        break;
      }
      case 'restart': {
        cols = EntityStore.restore(cols.snapshot());
        objs = EntityStore.restore(objs.snapshot(), { columns: false });
        break;
      }
    }
    expect(observe(cols, now)).toBe(observe(objs, now));
    expectNumbered(cols);
    expectNumbered(objs);
    if (objs.evidenceCount > 0) withEvidence.add(steps);
  }
}

/** Sequences that kept evidence at some step: the comparison must cover it. */
const withEvidence = new Set<readonly Step[]>();

describe('the columnar store against Version objects (lean-columns.ts)', () => {
  it(`gives the same outcomes, heads, views, versions and snapshots on random sequences (seed ${seed})`, () => {
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 1, maxLength: 40 }), (steps) => run(steps)),
      { seed, numRuns },
    );
    console.log(`columns-vs-objects: ${withEvidence.size} of ${numRuns} sequences kept evidence`);
    if (numRuns >= 100) expect(withEvidence.size).toBeGreaterThan(0);
  });

  /**
   * The edges of the compact forms (lean-columns.ts: an ms as a uint32 offset from the epoch, a
   * number as an int32 on its key's grid, a deadline as an int32 offset): each value is written by
   * one author, updated in place, to both stores; whether the columns hold it (a head made anew at
   * each read) or the side table (the Version written) is checked, and everything observable is the same.
   */
  it('holds in the columns what reads back exactly, and leaves the rest in the side table', () => {
    const cols = new EntityStore();
    const objs = new EntityStore({ columns: false });
    let c = 0;
    const check = (kind: string, value: ComponentValue, ms: number, held: boolean, e = 'e1' as EntityId): void => {
      const v: Version = {
        entity: e,
        kind: kind as ComponentKind,
        value,
        ts: { ms, c: ++c, node: 'a' as NodeId },
        seen: [],
      };
      expect(outcomeText(cols.apply(v))).toBe(outcomeText(objs.apply(v)));
      const [a, b] = [cols.heads(e, v.kind)[0], cols.heads(e, v.kind)[0]];
      expect({ kind, value: exact(value), ms, held: a !== v && a !== b }).toEqual({
        kind,
        value: exact(value),
        ms,
        held,
      });
      expect(versionText(a!)).toBe(versionText(v));
      expect(observe(cols, T0)).toBe(observe(objs, T0));
    };
    // The first head sets the epoch: T0.
    check('position', { lat: 51.4779281, lon: -0.0015453, alt: 12.3 }, T0, true);
    // ms: ±2^31 around the epoch, one step out each way (another entity: e1's heads stay older).
    const e2 = 'e2' as EntityId;
    check('position', { lat: 1, lon: 2 }, T0 + 2 ** 31 - 1, true, e2);
    check('position', { lat: 1, lon: 2 }, T0 + 2 ** 31, false, e2);
    check('velocity', { east: 1, north: 2 }, T0 - 2 ** 31, true, e2);
    check('velocity', { east: 1, north: 2 }, T0 + 2 ** 31 + 5, false, e2);
    check(
      'classification',
      { label: 'x', disposition: 'y', environment: 'z', confidence: 0.5 },
      T0 - 2 ** 31 - 1,
      false,
      e2,
    );
    check('classification', { label: 'x', disposition: 'y', environment: 'z', confidence: 0.5 }, T0 + 0.5, false, e2);
    check('classification', { label: 'x', disposition: 'y', environment: 'z', confidence: 0.5 }, T0 + 1, true, e2);
    // Numbers: on the grid of their key up to the int32 edge; off the grid, one step past it, -0, NaN: out.
    let ms = T0 + 10;
    const pos = (value: Record<string, number>, held: boolean) => check('position', value, ms++, held);
    pos({ lat: 214.7483647, lon: -214.7483648 }, true);
    pos({ lat: 214.7483648, lon: 0 }, false);
    pos({ lat: 0, lon: -214.7483649 }, false);
    pos({ lat: 51.47792811, lon: 0 }, false);
    pos({ lat: 51.4779281, lon: 0, alt: 0.1, accuracy: 214748364.7 }, true);
    pos({ lat: 51.4779281, lon: 0, alt: 0.15 }, false);
    pos({ lat: -0, lon: 0 }, false);
    pos({ lat: 0, lon: Number.NaN }, false);
    pos({ lat: 0, lon: 0, alt: Number.POSITIVE_INFINITY }, false);
    pos({ lat: 1e-7, lon: -1e-7 }, true);
    // A key with no grid: integers only.
    pos({ lat: 0, lon: 0, fix: 3 }, true);
    pos({ lat: 0, lon: 0, fix: 3.5 }, false);
    pos({ lat: 0, lon: 0, fix: 2 ** 31 }, false);
    check('velocity', { east: 0.01, north: -21474836.48, up: 21474836.47 }, ms++, true);
    check('velocity', { east: 0.015, north: 0 }, ms++, false);
    check('classification', { label: 'x', disposition: 'y', environment: 'z', confidence: 0.1234 }, ms++, true);
    check('classification', { label: 'x', disposition: 'y', environment: 'z', confidence: 0.12345 }, ms++, false);
    // Deadlines: an int32 offset from the epoch, integers only.
    const at = (value: number, held: boolean) => check('expiry', { at: value }, ms++, held);
    at(T0 + 2 ** 31 - 1, true);
    at(T0 + 2 ** 31, false);
    at(T0 + 1_000_000.5, false);
    at(T0 + 30_000, true);
    // A deadline before the epoch: only with a write before it (a deadline not after its own write
    // is refused, expiryRefusal), on another entity so that its heads are the newest.
    const e3 = 'e3' as EntityId;
    check('expiry', { at: T0 - 2 ** 31 + 1 }, T0 - 2 ** 31, true, e3);
    check('expiry', { at: T0 - 2 ** 31 - 1 }, T0 - 2 ** 31 - 2, false, 'e4' as EntityId);
    // Purged at its deadline in both, read from the columns.
    expect(cols.purgeExpired(T0 + 30_000).map(versionText)).toEqual(objs.purgeExpired(T0 + 30_000).map(versionText));
    expect(observe(cols, T0 + 30_000)).toBe(observe(objs, T0 + 30_000));
  });
});
