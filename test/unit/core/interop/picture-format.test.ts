/** Export and import of the picture (docs/ui.md, "Export and import"): round trips, bad items, bounds. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISPOSITIONS, ENVIRONMENTS } from '../../../../src/core/entity/component-types';
import { MAX_EPOCH_MS, MAX_SPEED } from '../../../../src/core/entity/bounds';
import { AFFILIATION, DIMENSION } from '../../../../src/core/entity/identity-codes';
import { validateComponent } from '../../../../src/core/entity/validate-component';
import { cotTypeOf, parseCotType, UNCLASSIFIED_COT_TYPE } from '../../../../src/core/interop/cot-type';
import { exportPicture, formatOf, importPicture } from '../../../../src/core/interop/picture-format';
import {
  exportedComponents,
  MAX_IMPORT_CHARS,
  MAX_IMPORT_ITEMS,
  type PictureEntity,
  type PictureFormat,
} from '../../../../src/core/interop/picture-item';
import { MAX_WRITE_MANY_ITEMS } from '../../../../src/node/write-many';
import { openTestNode } from '../../support/test-node';

const T0 = 1_700_000_000_000;
const FORMATS: readonly PictureFormat[] = ['geojson', 'cot'];

const full: PictureEntity = {
  id: 'radar-1:track.7',
  updatedAt: T0 - 5000,
  components: {
    position: { lat: 59.3293, lon: 18.0686, alt: 42.5, accuracy: 30, covariance: [900, 12.5, 400] },
    velocity: { east: 3, north: -4, up: 0.5 },
    classification: { label: 'Gun & "boat" <1>', disposition: 'HOSTILE', environment: 'SURFACE', confidence: 0.7 },
    threat: { level: 'HIGH' },
    source: { sensorId: 'radar-1', sensorType: 'radar' },
    expiry: { at: T0 + 600_000 },
  },
};
const bare: PictureEntity = { id: 'b2', components: { position: { lat: -33.9, lon: 151.2 } } };

/** Same components, numbers equal to 1e-9 (the velocity passes through course and speed in CoT). */
function expectSame(actual: unknown, expected: unknown, path = ''): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(Math.abs((actual as number) - expected), path).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else if (typeof expected === 'object' && expected !== null) {
    expect(typeof actual, path).toBe('object');
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected))
      expectSame((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

describe('CoT type', () => {
  it('is a-<identity>-<dimension> from the same table as the SIDC, and reads back', () => {
    expect(cotTypeOf({ disposition: 'HOSTILE', environment: 'AIR' })).toBe('a-h-A');
    expect(cotTypeOf({ disposition: 'FRIENDLY', environment: 'LAND' })).toBe('a-f-G');
    for (const disposition of DISPOSITIONS) {
      for (const environment of ENVIRONMENTS) {
        const type = cotTypeOf({ disposition, environment });
        expect(type).toBe(`a-${AFFILIATION[disposition].toLowerCase()}-${DIMENSION[environment]}`);
        expect(parseCotType(type)).toEqual({ disposition, environment });
      }
    }
    expect(cotTypeOf(undefined)).toBe(UNCLASSIFIED_COT_TYPE);
    expect(parseCotType(UNCLASSIFIED_COT_TYPE)).toBeUndefined();
    expect(parseCotType('a-h-A-M-F-Q')).toEqual({ disposition: 'HOSTILE', environment: 'AIR' });
  });

  it('refuses what has no disposition or environment here rather than guessing', () => {
    expect(() => parseCotType('b-m-p-w')).toThrow(/not an atom/);
    expect(() => parseCotType('a-j-A')).toThrow(/affiliation "j"/);
    expect(() => parseCotType('a-f-F')).toThrow(/dimension "F"/);
  });
});

describe('round trip', () => {
  for (const format of FORMATS) {
    it(`${format}: export then import gives the same components`, () => {
      const text = exportPicture([full, bare], format, T0);
      const { imported, rejected } = importPicture(text, format);
      expect(rejected).toEqual([]);
      expect(imported.map((i) => i.id)).toEqual([full.id, bare.id]);
      expectSame(imported[0]!.components, full.components);
      expectSame(imported[1]!.components, bare.components);
    });
  }

  it('writes CoT events with the schema fields (point, time/start/stale, track, contact)', () => {
    const text = exportPicture([full], 'cot', T0);
    expect(text).toContain('uid="radar-1:track.7" type="a-h-S"');
    expect(text).toContain(`time="${new Date(T0).toISOString()}" start="${new Date(T0 - 5000).toISOString()}"`);
    expect(text).toContain(`stale="${new Date(T0 + 600_000).toISOString()}"`);
    expect(text).toContain('<point lat="59.3293" lon="18.0686" hae="42.5" ce="30" le="9999999"/>');
    expect(text).toContain('<contact callsign="Gun &amp; &quot;boat&quot; &lt;1&gt;"/>');
    expect(text).toMatch(/<track course="143\.1301\d*" speed="5"\/>/);
  });

  it('writes GeoJSON Points as [lon, lat, alt] with the other components as properties', () => {
    const doc = JSON.parse(exportPicture([full], 'geojson', T0)) as {
      features: { id: string; geometry: unknown; properties: Record<string, unknown> }[];
    };
    expect(doc.features[0]!.geometry).toEqual({ type: 'Point', coordinates: [18.0686, 59.3293, 42.5] });
    expect(doc.features[0]!.properties.position).toEqual({ accuracy: 30, covariance: [900, 12.5, 400] });
    expect(doc.features[0]!.properties.threat).toEqual({ level: 'HIGH' });
  });

  it('leaves out tracks without a position and the kinds that are the node workflow (fusion, approval, task)', () => {
    const withWorkflow: PictureEntity = {
      id: 'f1',
      components: {
        ...bare.components,
        fusion: { sources: ['a', 'b'], position: { lat: 0, lon: 0 }, confidence: 1 },
        approval: { requestId: 'x', state: 'pending', reason: 'r', requestedAt: 1, deadline: 2 },
      },
    };
    for (const format of FORMATS) {
      const text = exportPicture(
        [withWorkflow, { id: 'nowhere', components: { threat: { level: 'LOW' } } }],
        format,
        T0,
      );
      const { imported } = importPicture(text, format);
      expect(imported.map((i) => i.id)).toEqual(['f1']);
      expect(Object.keys(imported[0]!.components)).toEqual(['position']);
    }
  });

  const text = fc.string({ maxLength: 64 });
  const entity = fc.record(
    {
      id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,20}$/),
      position: fc.record(
        {
          lat: fc.double({ min: -90, max: 90, noNaN: true }),
          lon: fc.double({ min: -180, max: 180, noNaN: true }),
          alt: fc.double({ min: -1e4, max: 1e6, noNaN: true }),
          // Below CoT's 9 999 999, which means "unknown".
          accuracy: fc.double({ min: 0, max: 1e6, noNaN: true }),
          covariance: fc.tuple(
            fc.double({ min: 0, max: 1e6, noNaN: true }),
            fc.double({ min: -1e6, max: 1e6, noNaN: true }),
            fc.double({ min: 0, max: 1e6, noNaN: true }),
          ),
        },
        { requiredKeys: ['lat', 'lon'] },
      ),
      velocity: fc.record(
        {
          east: fc.double({ min: -MAX_SPEED, max: MAX_SPEED, noNaN: true }),
          north: fc.double({ min: -MAX_SPEED, max: MAX_SPEED, noNaN: true }),
          up: fc.double({ min: -MAX_SPEED, max: MAX_SPEED, noNaN: true }),
        },
        { requiredKeys: ['east', 'north'] },
      ),
      classification: fc.record({
        label: text,
        disposition: fc.constantFrom(...DISPOSITIONS),
        environment: fc.constantFrom(...ENVIRONMENTS),
        confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      threat: fc.record({ level: fc.constantFrom('NONE', 'LOW', 'MEDIUM', 'HIGH') }),
      source: fc.record({
        sensorId: fc.string({ minLength: 1, maxLength: 64 }),
        sensorType: fc.constantFrom('eo', 'radar'),
      }),
      expiry: fc.record({ at: fc.integer({ min: 0, max: MAX_EPOCH_MS }) }),
    },
    { requiredKeys: ['id', 'position'] },
  );

  for (const format of FORMATS) {
    it(`${format}: any valid entity comes back with the same components (property)`, () => {
      fc.assert(
        fc.property(fc.uniqueArray(entity, { selector: (e) => e.id, maxLength: 5 }), (raw) => {
          const entities: PictureEntity[] = raw.map(({ id, ...components }) => ({
            id,
            // As the store holds them: validated and normalised (-0 is kept as the user wrote it).
            components: Object.fromEntries(Object.entries(components).map(([k, v]) => [k, validateComponent(k, v)])),
          }));
          const { imported, rejected } = importPicture(exportPicture(entities, format, T0), format);
          expect(rejected).toEqual([]);
          expect(imported.map((i) => i.id)).toEqual(entities.map((e) => e.id));
          imported.forEach((item, i) => expectSame(item.components, entities[i]!.components));
        }),
        { numRuns: 200 },
      );
    });
  }

  it('imports into a node with one writeMany and the picture matches', async () => {
    const node = await openTestNode({
      now: () => T0,
    });
    const { imported } = importPicture(exportPicture([full, bare], 'cot', T0), 'cot');
    await node.writeMany(imported);
    // The imported HIGH threat raises an approval request, as any such write does: not exported.
    const exported = async (id: string) => exportedComponents({ id, components: (await node.get(id))!.components });
    expectSame(await exported(full.id), full.components);
    expectSame(await exported(bare.id), bare.components);
    expect((await node.get(full.id))?.components.approval).toMatchObject({ state: 'pending' });
  });
});

describe('import of bad input', () => {
  const event = (uid: string, type: string, point: string, extra = '') =>
    `<event version="2.0" uid="${uid}" type="${type}" time="2026-01-01T00:00:00Z" start="2026-01-01T00:00:00Z" stale="2026-01-01T00:05:00Z">${point}${extra}</event>`;

  it('CoT: keeps the good events and rejects each bad one by index, uid and reason', () => {
    const text = [
      '<?xml version="1.0"?>',
      '<events>',
      event('good-1', 'a-h-A', '<point lat="10" lon="20" hae="100" ce="5" le="9999999"/>'),
      event('bad-lat', 'a-h-A', '<point lat="95" lon="20"/>'),
      event('bad-type', 'a-f-F', '<point lat="1" lon="2"/>'),
      event('no point', 'a-u-G', '<point lat="1" lon="2"/>'),
      event('good-2', 'a-f-G', '<point lat="north" lon="2"/>').replace('good-2', 'bad-number'),
      event('good-2', 'a-f-G', '<point lat="1" lon="2"/>', '<detail><contact callsign="Blue 1"/></detail>'),
      event('good-1', 'a-f-G', '<point lat="1" lon="2"/>'),
      '</events>',
    ].join('\n');
    const { imported, rejected } = importPicture(text, 'cot');
    expect(imported.map((i) => i.id)).toEqual(['good-1', 'good-2']);
    expect(imported[0]!.components.position).toEqual({ lat: 10, lon: 20, alt: 100, accuracy: 5 });
    expect(imported[1]!.components.classification).toEqual({
      label: 'Blue 1',
      disposition: 'FRIENDLY',
      environment: 'LAND',
      confidence: 1,
    });
    expect(rejected).toEqual([
      { index: 1, uid: 'bad-lat', reason: expect.stringMatching(/^position\.lat: 95 is out of range/) as unknown },
      { index: 2, uid: 'bad-type', reason: expect.stringMatching(/dimension "F"/) as unknown },
      { index: 3, uid: 'no point', reason: expect.stringMatching(/invalid entity id "no point"/) as unknown },
      { index: 4, uid: 'bad-number', reason: 'position.lat: expected a finite number, got "north"' },
      { index: 6, uid: 'good-1', reason: 'id "good-1" appears earlier in the file' },
    ]);
  });

  it('an empty picture exports and imports as nothing', () => {
    for (const format of FORMATS)
      expect(importPicture(exportPicture([], format, T0), format)).toEqual({ imported: [], rejected: [] });
  });

  it('CoT: reads a stream of events with no common root', () => {
    const text = event('s1', 'a-n-S', '<point lat="1" lon="2"/>') + event('s2', 'a-n-S', '<point lat="3" lon="4"/>');
    expect(importPicture(text, 'cot').imported.map((i) => i.id)).toEqual(['s1', 's2']);
  });

  it('CoT: refuses a file that is not well-formed XML or declares a DOCTYPE, with a clear message', () => {
    expect(() => importPicture('<events><event uid="a">\n<point></events>', 'cot')).toThrow(
      /^not well-formed XML \(line 2\)/,
    );
    expect(() => importPicture('<!DOCTYPE x [<!ENTITY a "aaaa">]><event/>', 'cot')).toThrow(/DOCTYPE/);
    expect(() => importPicture('<kml><Placemark/></kml>', 'cot')).toThrow(/no <event> elements/);
  });

  it('GeoJSON: keeps the good features and rejects each bad one by index, id and reason', () => {
    const point = (lon: unknown, lat: unknown) => ({ type: 'Point', coordinates: [lon, lat] });
    const text = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', id: 'ok', geometry: point(18, 59), properties: { threat: { level: 'LOW' } } },
        { type: 'Feature', id: 'line', geometry: { type: 'LineString', coordinates: [] }, properties: {} },
        { type: 'Feature', geometry: point(1, 2), properties: {} },
        { type: 'Feature', id: 'lvl', geometry: point(1, 2), properties: { threat: { level: 'SEVERE' } } },
        { type: 'Feature', id: 'extra', geometry: point(1, 2), properties: { name: 'x' } },
        'not a feature',
      ],
    });
    const { imported, rejected } = importPicture(text, 'geojson');
    expect(imported).toEqual([{ id: 'ok', components: { threat: { level: 'LOW' }, position: { lat: 59, lon: 18 } } }]);
    expect(rejected.map((r) => [r.index, r.uid])).toEqual([
      [1, 'line'],
      [2, undefined],
      [3, 'lvl'],
      [4, 'extra'],
      [5, undefined],
    ]);
    expect(rejected[0]!.reason).toBe('geometry.type: expected "Point", got "LineString"');
    expect(rejected[1]!.reason).toBe('feature.id: expected the entity id, got undefined');
    expect(rejected[2]!.reason).toMatch(/^threat\.level: expected one of/);
    expect(rejected[3]!.reason).toMatch(/^properties: unknown field "name"/);
    expect(rejected[4]!.reason).toMatch(/^feature: expected an object/);
  });

  it('GeoJSON: refuses text that is not JSON or not GeoJSON', () => {
    expect(() => importPicture('{"type": "Feature"', 'geojson')).toThrow(/^not JSON/);
    expect(() => importPicture('{"type": "Topology"}', 'geojson')).toThrow(/^not GeoJSON/);
  });
});

describe('bounds', () => {
  it('an import is at most one writeMany call', () => {
    expect(MAX_IMPORT_ITEMS).toBeLessThanOrEqual(MAX_WRITE_MANY_ITEMS);
  });

  it('refuses a file with more items than the bound, whole, before reading any', () => {
    const feature = { type: 'Feature', id: 'x', geometry: { type: 'Point', coordinates: [0, 0] }, properties: {} };
    const over = JSON.stringify({ type: 'FeatureCollection', features: Array(MAX_IMPORT_ITEMS + 1).fill(feature) });
    expect(() => importPicture(over, 'geojson')).toThrow(`the file has ${MAX_IMPORT_ITEMS + 1} items, at most`);
    const at = JSON.stringify({
      type: 'FeatureCollection',
      features: Array.from({ length: MAX_IMPORT_ITEMS }, (_, i) => ({ ...feature, id: `x${i}` })),
    });
    expect(importPicture(at, 'geojson').imported).toHaveLength(MAX_IMPORT_ITEMS);
  });

  it('refuses text longer than the bound before parsing it', () => {
    const long = ' '.repeat(MAX_IMPORT_CHARS + 1);
    for (const format of FORMATS) expect(() => importPicture(long, format)).toThrow(/characters, at most/);
  });
});

describe('formatOf', () => {
  it('goes by the extension, else by the first character', () => {
    expect(formatOf('a.geojson', '<')).toBe('geojson');
    expect(formatOf('a.JSON', '<')).toBe('geojson');
    expect(formatOf('a.cot', '{')).toBe('cot');
    expect(formatOf('a.xml', '{')).toBe('cot');
    expect(formatOf('a', '  <event/>')).toBe('cot');
    expect(formatOf('a', '{}')).toBe('geojson');
  });
});
