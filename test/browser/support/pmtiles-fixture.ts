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
): Uint8Array {
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
