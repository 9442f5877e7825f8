import fc from 'fast-check';
import { encodeTs, type Timestamp } from '../../../../src/core/clock/timestamp';
import { MAX_LONG_TEXT, MAX_TEXT } from '../../../../src/core/entity/bounds';
import {
  APPROVAL_STATES,
  DISPOSITIONS,
  ENVIRONMENTS,
  SENSOR_TYPES,
  TASK_STATUSES,
  THREAT_LEVELS,
  isKnownKind,
  type ComponentValue,
} from '../../../../src/core/entity/component-types';
import { validateComponent } from '../../../../src/core/entity/validate-component';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import { isWellFormed } from '../../../../src/core/bytes/utf8';

/** Random valid versions for round-trip and fuzz tests, reaching every bound the validator allows. */

export const nodeId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((s) => s as NodeId);
export const entityId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/).map((s) => s as EntityId);

export const timestamp = (nodes: fc.Arbitrary<NodeId> = nodeId): fc.Arbitrary<Timestamp> =>
  fc.record({ ms: fc.integer({ min: 0, max: 2 ** 48 - 1 }), c: fc.integer({ min: 0, max: 0xffff }), node: nodes });

const num = (min: number, max: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.double({ min, max, noNaN: true }),
    fc.constantFrom(min, max, 0, -0).filter((x) => x >= min),
  );

const text = (minLength = 0, maxLength = MAX_TEXT): fc.Arbitrary<string> =>
  fc
    .oneof(fc.string({ minLength, maxLength }), fc.string({ minLength, maxLength, unit: 'binary' }))
    .filter((s) => s.length >= minLength && s.length <= maxLength && isWellFormed(s));

const epoch = fc.oneof(num(0, 2 ** 47), fc.integer({ min: 0, max: 2 ** 47 }));
const wholeEpoch = fc.integer({ min: 0, max: 2 ** 47 });
/** A request id: an HLC timestamp in its canonical text form. */
const requestId = timestamp().map((ts) => encodeTs(ts));

const position = fc.record(
  {
    lat: num(-90, 90),
    lon: num(-180, 180),
    alt: num(-1e8, 1e8),
    accuracy: num(0, 1e7),
    covariance: fc.tuple(num(0, 1e12), num(-1e12, 1e12), num(0, 1e12)),
  },
  { requiredKeys: ['lat', 'lon'] },
);

const known: Record<string, fc.Arbitrary<unknown>> = {
  position,
  velocity: fc.record(
    { east: num(-20_000, 20_000), north: num(-20_000, 20_000), up: num(-20_000, 20_000) },
    { requiredKeys: ['east', 'north'] },
  ),
  classification: fc.record({
    label: text(),
    disposition: fc.constantFrom(...DISPOSITIONS),
    environment: fc.constantFrom(...ENVIRONMENTS),
    confidence: num(0, 1),
  }),
  threat: fc.record({ level: fc.constantFrom(...THREAT_LEVELS) }),
  source: fc.record({ sensorId: text(1), sensorType: fc.constantFrom(...SENSOR_TYPES) }),
  fusion: fc.record({ sources: fc.array(entityId, { maxLength: 64 }), position, confidence: num(0, 1) }),
  approval: fc.record(
    {
      requestId,
      state: fc.constantFrom(...APPROVAL_STATES),
      reason: text(0, MAX_LONG_TEXT),
      requestedAt: wholeEpoch,
      deadline: wholeEpoch,
      decidedBy: nodeId,
      decidedOn: nodeId,
      decidedAt: wholeEpoch,
    },
    { requiredKeys: ['requestId', 'state', 'reason', 'requestedAt', 'deadline'] },
  ),
  task: fc.record({
    task: text(),
    requestId,
    status: fc.constantFrom(...TASK_STATUSES),
    assignedBy: nodeId,
    updatedAt: wholeEpoch,
  }),
  // A floor of 0 is none (written without one), so an arbitrary floor is above it.
  expiry: fc.record({ at: epoch, floor: epoch.filter((x) => x > 0) }, { requiredKeys: ['at'] }),
};

const unknownKind = fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,31}$/).filter((k) => !isKnownKind(k));
// Through JSON so objects have Object.prototype, as values from a parser or a literal do.
const opaqueValue = fc
  .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })
  .map((v) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>);

/** A kind and a value normalised by validateComponent, as the store holds them. */
export const kindValue: fc.Arbitrary<{ kind: ComponentKind; value: ComponentValue | null }> = fc.oneof(
  ...Object.entries(known).map(([kind, arb]) =>
    arb.map((raw) => ({ kind: kind as ComponentKind, value: validateComponent(kind, raw) })),
  ),
  fc
    .tuple(unknownKind, opaqueValue)
    .filter(([, v]) => JSON.stringify(v).length <= 4096 && !JSON.stringify(v).includes('"__proto__"'))
    .map(([kind, raw]) => ({ kind: kind as ComponentKind, value: validateComponent(kind, raw) })),
  fc.constant({ kind: DELETED, value: null }),
);

export interface VersionOptions {
  readonly nodes?: fc.Arbitrary<NodeId>;
  readonly entities?: fc.Arbitrary<EntityId>;
}

export const version = (o: VersionOptions = {}): fc.Arbitrary<Version> =>
  fc
    .record({
      entity: o.entities ?? entityId,
      kv: kindValue,
      ts: timestamp(o.nodes),
      seen: fc.array(timestamp(o.nodes), { maxLength: 32 }),
      sig: fc.option(fc.uint8Array({ minLength: 64, maxLength: 64 }), { nil: undefined }),
    })
    .map(({ entity, kv, ts, seen, sig }) =>
      sig === undefined ? { entity, ...kv, ts, seen } : { entity, ...kv, ts, seen, sig },
    );

/** Batches that share a few nodes and entities, as real ones do, so the same-entity and same-clock paths run. */
export const batch: fc.Arbitrary<Version[]> = fc
  .tuple(
    fc.uniqueArray(nodeId, { minLength: 1, maxLength: 4 }),
    fc.uniqueArray(entityId, { minLength: 1, maxLength: 6 }),
  )
  .chain(([nodes, entities]) =>
    fc.array(version({ nodes: fc.constantFrom(...nodes), entities: fc.constantFrom(...entities) }), { maxLength: 24 }),
  )
  .chain((vs) =>
    // Sometimes give consecutive versions the same clock (one write of several components).
    fc
      .array(fc.boolean(), { minLength: vs.length, maxLength: vs.length })
      .map((same) => vs.map((v, i) => (i > 0 && same[i] ? { ...v, ts: vs[i - 1]!.ts } : v)))
      // A batch never repeats a version's (entity, kind, clock): the encoder writes one once.
      .map((out) => {
        const keys = new Set<string>();
        return out.filter((v) => {
          const key = JSON.stringify([v.entity, v.kind, v.ts]);
          return !keys.has(key) && Boolean(keys.add(key));
        });
      }),
  );
