import { describe, expect, it } from 'vitest';
import { BasemapError, describeBasemap, openBasemap } from '../../../../src/ui/map/basemap';
import { buildPmtiles } from '../../../browser/support/pmtiles-fixture';

const PNG = 2;
const tile = new Uint8Array([137, 80, 78, 71]);
const archive = (tileType = PNG, version = 3): Blob =>
  new Blob([
    buildPmtiles(
      [
        { z: 0, x: 0, y: 0, data: tile },
        { z: 3, x: 4, y: 2, data: tile },
      ],
      tileType,
      { version },
    ),
  ]);

describe('openBasemap', () => {
  it('opens a raster PMTiles v3 archive and reads its tiles by z/x/y', async () => {
    const b = await openBasemap(archive(), 'ao.pmtiles');
    expect({ name: b.name, kind: b.kind, minZoom: b.minZoom, maxZoom: b.maxZoom }).toEqual({
      name: 'ao.pmtiles',
      kind: 'raster',
      minZoom: 0,
      maxZoom: 3,
    });
    expect(new Uint8Array((await b.archive.getZxy(3, 4, 2))!.data)).toEqual(tile);
    expect(await b.archive.getZxy(3, 4, 3)).toBe(undefined);
  });

  it('opens an MVT archive as vector', async () => {
    expect((await openBasemap(archive(1), 'v.pmtiles')).kind).toBe('vector');
  });

  it.each([
    ['a short file', new Blob(['PMTiles']), '"f.pmtiles" is not a PMTiles archive: it is only 7 bytes long.'],
    [
      'another format',
      new Blob(['x'.repeat(200)]),
      '"f.pmtiles" is not a PMTiles archive (it does not start with "PMTiles").',
    ],
    ['version 2', archive(PNG, 2), 'only version 3 can be loaded'],
    ['MLT tiles', archive(6), 'holds tiles the map cannot draw (tile type 6)'],
  ])('refuses %s with a sentence that says why', async (_what, blob, message) => {
    const refused = openBasemap(blob, 'f.pmtiles');
    await expect(refused).rejects.toBeInstanceOf(BasemapError);
    await expect(refused).rejects.toThrow(message);
  });
});

describe('describeBasemap', () => {
  it('names the file, its kind, size and zooms', () => {
    expect(
      describeBasemap({ name: 'a.pmtiles', kind: 'raster', bytes: 2.5 * 1024 * 1024, minZoom: 0, maxZoom: 14 }),
    ).toBe('a.pmtiles, raster, 2.5 MB, zoom 0–14');
    expect(describeBasemap({ name: 'b.pmtiles', kind: 'vector', bytes: 3000, minZoom: 2, maxZoom: 9 })).toBe(
      'b.pmtiles, vector, 3 kB, zoom 2–9',
    );
    expect(describeBasemap({ name: 'c.pmtiles', kind: 'raster', bytes: 900, minZoom: 0, maxZoom: 0 })).toBe(
      'c.pmtiles, raster, 1 kB, zoom 0',
    );
  });
});
