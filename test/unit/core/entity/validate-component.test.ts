import { describe, expect, it } from 'vitest';
import { KNOWN_KINDS } from '../../../../src/core/entity/component-types';
import { MAX_OPAQUE_BYTES, validateComponent } from '../../../../src/core/entity/validate-component';
import { ValidationError } from '../../../../src/core/errors';
import { asEntityId, asNodeId, asUserKind, isEntityId } from '../../../../src/core/ids';

/** An encoded HLC timestamp (<ms hex 12><counter hex 4><node id>): what request ids are. */
const REQUEST = '018bcfe568000000node_1';

const good: Record<(typeof KNOWN_KINDS)[number], Record<string, unknown>> = {
  position: { lat: 51.5, lon: -0.12, alt: 35, accuracy: 12, covariance: [4, 0.5, 9] },
  velocity: { east: 10, north: -3, up: 0.5 },
  classification: { label: 'fast mover', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.8 },
  threat: { level: 'HIGH' },
  source: { sensorId: 'radar-1', sensorType: 'radar' },
  fusion: { sources: ['t1', 't2'], position: { lat: 1, lon: 2 }, confidence: 0.5 },
  approval: {
    requestId: REQUEST,
    state: 'approved',
    reason: 'HOSTILE 0.90, closing 150 m/s',
    requestedAt: 1_700_000_000_000,
    deadline: 1_700_000_030_000,
    decidedBy: 'operator_1',
    decidedOn: 'node_1',
    decidedAt: 1_700_000_010_000,
  },
  task: {
    task: 'intercept',
    requestId: REQUEST,
    status: 'created',
    assignedBy: 'node_1',
    updatedAt: 1_700_000_010_000,
  },
  expiry: { at: 1_700_000_000_000 },
};

function show(x: unknown): string {
  try {
    return String(JSON.stringify(x)).slice(0, 80);
  } catch {
    return typeof x;
  }
}

/** Expects a ValidationError whose message names `field`. */
function refuses(kind: string, value: unknown, field: string | RegExp): void {
  let error: unknown;
  try {
    validateComponent(kind, value);
  } catch (e) {
    error = e;
  }
  expect(error, `${kind} ${show(value)} should be refused`).toBeInstanceOf(ValidationError);
  const message = (error as Error).message;
  if (typeof field === 'string') expect(message).toContain(field);
  else expect(message).toMatch(field);
}

describe('validateComponent: known kinds', () => {
  it.each(KNOWN_KINDS)('accepts a good %s and returns an equal, fresh copy', (kind) => {
    const input = structuredClone(good[kind]);
    const out = validateComponent(kind, input);
    expect(out).toEqual(good[kind]);
    expect(out).not.toBe(input);
  });

  it.each(KNOWN_KINDS)('refuses an extra key on %s, naming it', (kind) => {
    refuses(kind, { ...good[kind], bogus: 1 }, '"bogus"');
  });

  it('drops undefined optional fields', () => {
    const p = validateComponent('position', {
      lat: 1,
      lon: 2,
      alt: undefined,
      accuracy: undefined,
      covariance: undefined,
    });
    expect(p).toEqual({ lat: 1, lon: 2 });
    expect(Object.keys(p)).toEqual(['lat', 'lon']);
    const v = validateComponent('velocity', { east: 1, north: 2, up: undefined });
    expect(Object.keys(v)).toEqual(['east', 'north']);
    const a = validateComponent('approval', { ...good.approval, decidedBy: undefined, decidedOn: undefined });
    expect(Object.keys(a)).toEqual(['requestId', 'state', 'reason', 'requestedAt', 'deadline', 'decidedAt']);
  });

  it('accepts the edges of every range', () => {
    expect(validateComponent('position', { lat: -90, lon: 180 })).toEqual({ lat: -90, lon: 180 });
    expect(validateComponent('position', { lat: 90, lon: -180 })).toEqual({ lat: 90, lon: -180 });
    expect(validateComponent('classification', { ...good.classification, confidence: 0 })).toMatchObject({
      confidence: 0,
    });
    expect(validateComponent('classification', { ...good.classification, confidence: 1 })).toMatchObject({
      confidence: 1,
    });
    for (const level of ['NONE', 'LOW', 'MEDIUM', 'HIGH'])
      expect(validateComponent('threat', { level })).toEqual({ level });
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['position', { lat: 91, lon: 0 }, 'position.lat'],
    ['position', { lat: -90.01, lon: 0 }, 'position.lat'],
    ['position', { lat: 0, lon: 180.5 }, 'position.lon'],
    ['position', { lat: Number.NaN, lon: 0 }, 'position.lat'],
    ['position', { lat: Infinity, lon: 0 }, 'position.lat'],
    ['position', { lat: '1', lon: 0 }, 'position.lat'],
    ['position', { lon: 0 }, 'position.lat'],
    ['position', { lat: 0 }, 'position.lon'],
    ['position', { lat: 0, lon: 0, alt: 1e9 }, 'position.alt'],
    ['position', { lat: 0, lon: 0, accuracy: -1 }, 'position.accuracy'],
    ['position', { lat: 0, lon: 0, covariance: [1, 2] }, 'position.covariance'],
    ['position', { lat: 0, lon: 0, covariance: 'x' }, 'position.covariance'],
    ['position', { lat: 0, lon: 0, covariance: [-1, 0, 1] }, 'position.covariance[0]'],
    ['position', { lat: 0, lon: 0, covariance: [1, 0, -1] }, 'position.covariance[2]'],
    ['velocity', { east: 30_000, north: 0 }, 'velocity.east'],
    ['velocity', { east: 0 }, 'velocity.north'],
    ['velocity', { east: 0, north: 0, up: null }, 'velocity.up'],
    ['classification', { ...good.classification, label: 7 }, 'classification.label'],
    ['classification', { ...good.classification, label: 'x'.repeat(65) }, 'classification.label'],
    ['classification', { ...good.classification, disposition: 'EVIL' }, 'classification.disposition'],
    ['classification', { ...good.classification, disposition: 'hostile' }, 'classification.disposition'],
    ['classification', { ...good.classification, environment: 'SEA' }, 'classification.environment'],
    ['classification', { ...good.classification, confidence: 1.01 }, 'classification.confidence'],
    ['classification', { ...good.classification, confidence: -0.1 }, 'classification.confidence'],
    ['classification', { label: 'x', disposition: 'HOSTILE', environment: 'AIR' }, 'classification.confidence'],
    ['threat', { level: 'CRITICAL' }, 'threat.level'],
    ['threat', { level: 3 }, 'threat.level'],
    ['threat', {}, 'threat.level'],
    ['source', { sensorId: '', sensorType: 'eo' }, 'source.sensorId'],
    ['source', { sensorId: 'x'.repeat(65), sensorType: 'eo' }, 'source.sensorId'],
    ['source', { sensorId: 's', sensorType: 'lidar' }, 'source.sensorType'],
    ['fusion', { ...good.fusion, sources: 't1' }, 'fusion.sources'],
    ['fusion', { ...good.fusion, sources: ['ok', '-bad'] }, 'fusion.sources[1]'],
    ['fusion', { ...good.fusion, sources: Array.from({ length: 65 }, (_, i) => `t${i}`) }, 'fusion.sources'],
    ['fusion', { ...good.fusion, position: { lat: 100, lon: 0 } }, 'fusion.position.lat'],
    ['fusion', { ...good.fusion, position: null }, 'fusion.position'],
    ['fusion', { ...good.fusion, position: { lat: 1, lon: 2, x: 1 } }, 'fusion.position'],
    ['fusion', { ...good.fusion, confidence: 2 }, 'fusion.confidence'],
    ['approval', { ...good.approval, state: 'maybe' }, 'approval.state'],
    ['approval', { ...good.approval, deadline: -1 }, 'approval.deadline'],
    ['approval', { ...good.approval, deadline: 2 ** 48 }, 'approval.deadline'],
    ['approval', { ...good.approval, decidedBy: 'not a node id!' }, 'approval.decidedBy'],
    ['approval', { ...good.approval, decidedBy: 42 }, 'approval.decidedBy'],
    ['approval', { ...good.approval, decidedOn: 'a b' }, 'approval.decidedOn'],
    ['approval', { ...good.approval, decidedAt: 1.5 }, 'approval.decidedAt'],
    ['approval', { ...good.approval, deadline: 1.5 }, 'approval.deadline'],
    ['approval', { ...good.approval, requestId: 'r1' }, 'approval.requestId'],
    // Upper-case hex decodes but is not the canonical form: string order would not be time order.
    ['approval', { ...good.approval, requestId: REQUEST.toUpperCase() }, 'approval.requestId'],
    ['approval', { ...good.approval, reason: 'x'.repeat(81) }, 'approval.reason'],
    ['approval', { ...good.approval, requestedAt: undefined }, 'approval.requestedAt'],
    ['approval', { ...good.approval, extra: 1 }, 'approval'],
    ['task', { ...good.task, status: 'running' }, 'task.status'],
    ['task', { ...good.task, status: 'idle' }, 'task.status'],
    ['task', { ...good.task, task: 1 }, 'task.task'],
    ['task', { ...good.task, requestId: undefined }, 'task.requestId'],
    ['task', { ...good.task, assignedBy: 'no way' }, 'task.assignedBy'],
    ['task', { ...good.task, updatedAt: -5 }, 'task.updatedAt'],
    ['expiry', { at: 'tomorrow' }, 'expiry.at'],
    ['expiry', {}, 'expiry.at'],
  ];
  it.each(bad)('%s %j is refused naming %s', (kind, value, field) => refuses(kind, value, field));

  it('refuses a "__proto__" key on a known kind (as JSON.parse makes it: an own key)', () => {
    refuses('threat', JSON.parse('{"level":"HIGH","__proto__":{"x":1}}'), '"__proto__"');
  });

  it.each([null, undefined, 5, 'str', [1, 2], true])('refuses a non-object value %j for a known kind', (value) => {
    refuses('position', value, 'position');
  });

  it('refuses a sparse fusion.sources array (a hole is not an entity id)', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [, 't1'];
    refuses('fusion', { ...good.fusion, sources: sparse }, 'fusion.sources[0]');
  });
});

describe('validateComponent: unknown kinds (opaque JSON)', () => {
  it('keeps an unknown kind as an equal JSON copy', () => {
    const value = { kts: 250, tags: ['a', 'b'], nested: { ok: true, n: null } };
    const out = validateComponent('speed', value);
    expect(out).toEqual(value);
    expect(out).not.toBe(value);
    expect((out as { tags: unknown }).tags).not.toBe(value.tags);
  });

  it('refuses non-object top-level values', () => {
    for (const v of [null, 3, 'x', [1], true]) refuses('speed', v, 'speed');
  });

  it('refuses values over the size limit and accepts one just under it', () => {
    const pad = (n: number) => ({ s: 'x'.repeat(n) });
    const overhead = JSON.stringify(pad(0)).length;
    expect(() => validateComponent('speed', pad(MAX_OPAQUE_BYTES - overhead))).not.toThrow();
    refuses('speed', pad(MAX_OPAQUE_BYTES - overhead + 1), /speed: \d+ bytes/);
  });

  it('measures the size limit in UTF-8 bytes, not UTF-16 code units', () => {
    // 2,000 euro signs are 2,000 code units but 6,000 bytes of UTF-8.
    refuses('speed', { s: '€'.repeat(2_000) }, /bytes/);
  });

  it('limits nesting depth', () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : { a: nest(n - 1) });
    expect(() => validateComponent('deep', nest(8) as object)).not.toThrow();
    refuses('deep', nest(9), 'nested deeper');
    const nestArr = (n: number): unknown => (n === 0 ? 1 : [nestArr(n - 1)]);
    refuses('deep', { a: nestArr(9) }, 'nested deeper');
  });

  it('refuses a "__proto__" key (from JSON.parse, where it is an own key)', () => {
    const value = JSON.parse('{"ok":1,"inner":{"__proto__":{"polluted":true}}}') as object;
    refuses('speed', value, '__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts ordinary keys named like Object.prototype members as plain data', () => {
    const out = validateComponent('speed', { constructor: 1, toString: 'x' }) as Record<string, unknown>;
    expect(Object.hasOwn(out, 'constructor')).toBe(true);
    expect(out.constructor).toBe(1);
  });

  it('refuses non-plain objects, functions, symbols, bigints, undefined and non-finite numbers', () => {
    class Thing {
      x = 1;
    }
    refuses('speed', new Thing(), 'not JSON');
    refuses('speed', new Date(0), 'not JSON');
    refuses('speed', new Map(), 'not JSON');
    refuses('speed', { d: new Date(0) }, 'speed.d');
    refuses('speed', { f: () => 1 }, 'speed.f');
    refuses('speed', { s: Symbol('x') }, 'speed.s');
    refuses('speed', { b: 10n }, 'speed.b');
    refuses('speed', { u: undefined }, 'speed.u');
    refuses('speed', { n: Number.NaN }, 'speed.n');
    refuses('speed', { n: [1, Infinity] }, 'speed.n[1]');
    refuses('speed', { t: new Uint8Array(2) }, 'speed.t');
  });

  it('refuses sparse arrays instead of storing holes', () => {
    // eslint-disable-next-line no-sparse-arrays
    refuses('speed', { a: [1, , 3] }, 'speed.a[1]');
  });
});

describe('validateComponent: text must be well-formed Unicode', () => {
  const lone = ['\uD800', 'a\uDC00b', 'x\uDBFF', '\uDC00\uD800'];

  it('refuses a lone surrogate in every text field of the known kinds, naming the field', () => {
    for (const s of lone) {
      refuses('classification', { ...good.classification, label: s }, 'classification.label');
      refuses('source', { ...good.source, sensorId: s }, 'source.sensorId');
      refuses('task', { ...good.task, task: s }, 'task.task');
      refuses('approval', { ...good.approval, reason: s }, 'approval.reason');
    }
  });

  it('refuses a lone surrogate in a value or a key of an unknown kind, naming the path', () => {
    for (const s of lone) {
      refuses('note', { text: s }, 'note.text: not well-formed Unicode');
      refuses('note', { list: ['ok', s] }, 'note.list[1]');
      refuses('note', { [s]: 1 }, 'note key');
    }
  });

  it('accepts surrogate pairs and other non-ASCII text', () => {
    const text = 'Ω 🛰️ 航迹 \uD83D\uDE80';
    expect(validateComponent('classification', { ...good.classification, label: text })).toMatchObject({ label: text });
    expect(validateComponent('note', { [text]: text })).toEqual({ [text]: text });
  });
});

describe('kind names and ids', () => {
  it.each(['', 'Position', '$deleted', '1abc', 'has space', 'a'.repeat(33), 'dash-ed', '__proto__'])(
    'refuses the kind name %j',
    (kind) => {
      expect(() => validateComponent(kind, { x: 1 })).toThrow(ValidationError);
      expect(() => asUserKind(kind)).toThrow(/invalid component kind/);
    },
  );

  it('refuses a non-string kind', () => {
    expect(() => validateComponent(7 as unknown as string, { x: 1 })).toThrow(ValidationError);
  });

  it('accepts good kind names', () => {
    for (const k of ['speed', 'a', 'x9_Y', 'a'.repeat(32)]) expect(asUserKind(k)).toBe(k);
  });

  it.each(['', '-x', '.x', 'a b', 'a/b', 'x'.repeat(129), 'é', 'a\n'])('refuses the entity id %j', (id) => {
    expect(isEntityId(id)).toBe(false);
    expect(() => asEntityId(id)).toThrow(/invalid entity id/);
  });

  it('accepts good entity ids and refuses non-strings', () => {
    for (const id of ['t1', 'track:radar-1@node.a', 'x'.repeat(128)]) expect(asEntityId(id)).toBe(id);
    expect(() => asEntityId(5)).toThrow(ValidationError);
    expect(() => asEntityId(null)).toThrow(/null/);
  });

  it('checks node ids', () => {
    expect(asNodeId('node_A-1')).toBe('node_A-1');
    expect(() => asNodeId('a.b')).toThrow(/invalid node id/);
    expect(() => asNodeId('x'.repeat(65))).toThrow(ValidationError);
  });
});
