import { zxyToTileId } from 'pmtiles';

/**
 * Writes a small PMTiles v3 archive in the test (the pmtiles package only reads them): header,
 * uncompressed root directory and metadata, then the tiles in tile-id order. Enough for basemap
 * tests without a committed binary fixture.
 */
export interface FixtureTile {
  readonly z: number;
  readonly x: number;
  readonly y: number;
  readonly data: Uint8Array;
}

const HEADER_BYTES = 127;

function varint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

export function buildPmtiles(
  tiles: readonly FixtureTile[],
  tileType: number,
  options: { version?: number } = {},
): Uint8Array<ArrayBuffer> {
  const sorted = tiles
    .map((t) => ({ id: zxyToTileId(t.z, t.x, t.y), z: t.z, data: t.data }))
    .sort((a, b) => a.id - b.id);
  let offset = 0;
  const entries = sorted.map((t) => {
    const e = { id: t.id, offset, length: t.data.length };
    offset += t.data.length;
    return e;
  });
  const dir: number[] = [];
  varint(dir, entries.length);
  let last = 0;
  for (const e of entries) {
    varint(dir, e.id - last);
    last = e.id;
  }
  for (let i = 0; i < entries.length; i++) varint(dir, 1);
  for (const e of entries) varint(dir, e.length);
  entries.forEach((e, i) =>
    varint(dir, i > 0 && e.offset === entries[i - 1]!.offset + entries[i - 1]!.length ? 0 : e.offset + 1),
  );
  const metadata = new TextEncoder().encode('{}');
  const rootOffset = HEADER_BYTES;
  const metaOffset = rootOffset + dir.length;
  const dataOffset = metaOffset + metadata.length;
  const out = new Uint8Array(dataOffset + offset);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode('PMTiles'), 0);
  out[7] = options.version ?? 3;
  const u64 = (at: number, n: number): void => view.setBigUint64(at, BigInt(n), true);
  u64(8, rootOffset);
  u64(16, dir.length);
  u64(24, metaOffset);
  u64(32, metadata.length);
  u64(40, dataOffset + offset);
  u64(48, 0);
  u64(56, dataOffset);
  u64(64, offset);
  u64(72, entries.length);
  u64(80, entries.length);
  u64(88, entries.length);
  out[96] = 1; // clustered
  out[97] = 1; // internal compression: none
  out[98] = 1; // tile compression: none
  out[99] = tileType;
  const zooms = sorted.map((t) => t.z);
  out[100] = Math.min(...zooms);
  out[101] = Math.max(...zooms);
  const e7 = (deg: number): number => Math.round(deg * 1e7);
  view.setInt32(102, e7(-180), true);
  view.setInt32(106, e7(-85), true);
  view.setInt32(110, e7(180), true);
  view.setInt32(114, e7(85), true);
  out[118] = 0;
  view.setInt32(119, 0, true);
  view.setInt32(123, 0, true);
  out.set(dir, rootOffset);
  out.set(metadata, metaOffset);
  let at = dataOffset;
  for (const t of sorted) {
    out.set(t.data, at);
    at += t.data.length;
  }
  return out;
}

/** A 256 px PNG tile painted by `paint` (in the test page's OffscreenCanvas). */
export async function pngTile(paint: (ctx: OffscreenCanvasRenderingContext2D) => void): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(256, 256);
  paint(canvas.getContext('2d')!);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

/** Protocol-buffer bytes: a varint, a length-delimited field, a packed field of varints. */
function pbVarint(n: number): number[] {
  const out: number[] = [];
  varint(out, n);
  return out;
}
const pbBytes = (field: number, bytes: readonly number[]): number[] => [
  ...pbVarint((field << 3) | 2),
  ...pbVarint(bytes.length),
  ...bytes,
];
const pbUint = (field: number, n: number): number[] => [...pbVarint(field << 3), ...pbVarint(n)];
const zigzag = (n: number): number => (n << 1) ^ (n >> 31);

/**
 * A Mapbox Vector Tile (spec 2.1) with one layer, `layerName`, holding one polygon over the tile's
 * western half: the smallest vector basemap whose drawing can be checked by pixels.
 */
export function mvtWesternHalf(layerName: string): Uint8Array {
  const extent = 4096;
  const moveTo = (1 & 7) | (1 << 3);
  const lineTo3 = (2 & 7) | (3 << 3);
  const close = (7 & 7) | (1 << 3);
  const half = extent / 2;
  const geometry = [
    moveTo,
    zigzag(0),
    zigzag(0),
    lineTo3,
    zigzag(half),
    zigzag(0),
    zigzag(0),
    zigzag(extent),
    zigzag(-half),
    zigzag(0),
    close,
  ];
  const packed = geometry.flatMap(pbVarint);
  const feature = [...pbUint(1, 1), ...pbUint(3, 3 /* POLYGON */), ...pbBytes(4, packed)];
  const layer = [
    ...pbUint(15, 2),
    ...pbBytes(1, [...new TextEncoder().encode(layerName)]),
    ...pbBytes(2, feature),
    ...pbUint(5, extent),
  ];
  return new Uint8Array(pbBytes(3, layer));
}
