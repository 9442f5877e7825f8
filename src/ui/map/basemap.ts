import MVT from 'ol/format/MVT';
import type { FeatureLike } from 'ol/Feature';
import TileLayer from 'ol/layer/Tile';
import VectorTileLayer from 'ol/layer/VectorTile';
import type BaseLayer from 'ol/layer/Base';
import { get as getProjection } from 'ol/proj';
import ImageTileSource from 'ol/source/ImageTile';
import VectorTileSource from 'ol/source/VectorTile';
import Fill from 'ol/style/Fill';
import Stroke from 'ol/style/Stroke';
import Style from 'ol/style/Style';
import TileState from 'ol/TileState';
import type VectorTile from 'ol/VectorTile';
import { PMTiles, TileType, type Header, type RangeResponse, type Source } from 'pmtiles';
import type { MapPalette } from './map-palette';

/** The first bytes of every PMTiles archive: "PMTiles" and the spec version. */
const MAGIC = 'PMTiles';
const SPEC_VERSION = 3;
const HEADER_BYTES = 127;

/** Raster tile types the browser decodes itself, with their media types. */
const RASTER_TYPES: ReadonlyMap<TileType, string> = new Map([
  [TileType.Png, 'image/png'],
  [TileType.Jpeg, 'image/jpeg'],
  [TileType.Webp, 'image/webp'],
  [TileType.Avif, 'image/avif'],
]);

/** A basemap file the map cannot use, with the sentence the operator reads. */
export class BasemapError extends Error {
  override readonly name = 'BasemapError';
}

/**
 * A PMTiles archive read from a Blob in the browser's storage: ranges are slices of the blob, so
 * nothing is read into memory but the header, the directories and the tiles in view, and nothing
 * is ever fetched.
 */
class BlobSource implements Source {
  constructor(
    private readonly blob: Blob,
    private readonly key: string,
  ) {}

  getKey(): string {
    return this.key;
  }

  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    return { data: await this.blob.slice(offset, offset + length).arrayBuffer() };
  }
}

/** An opened offline basemap: what the settings show and what the map draws. */
export interface Basemap {
  readonly name: string;
  readonly bytes: number;
  readonly kind: 'raster' | 'vector';
  readonly minZoom: number;
  readonly maxZoom: number;
  readonly archive: PMTiles;
  readonly header: Header;
}

/**
 * Opens a PMTiles archive (v3, raster PNG/JPEG/WebP/AVIF or MVT vector tiles) and checks it can be
 * drawn; anything else is rejected with a BasemapError that says what is wrong with the file.
 */
export async function openBasemap(blob: Blob, name: string): Promise<Basemap> {
  if (blob.size < HEADER_BYTES) {
    throw new BasemapError(`"${name}" is not a PMTiles archive: it is only ${blob.size} bytes long.`);
  }
  const head = new Uint8Array(await blob.slice(0, MAGIC.length + 1).arrayBuffer());
  if (new TextDecoder().decode(head.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new BasemapError(`"${name}" is not a PMTiles archive (it does not start with "${MAGIC}").`);
  }
  if (head[MAGIC.length] !== SPEC_VERSION) {
    throw new BasemapError(
      `"${name}" is a PMTiles version ${head[MAGIC.length]} archive; only version ${SPEC_VERSION} can be loaded (convert it with the pmtiles tool).`,
    );
  }
  const archive = new PMTiles(new BlobSource(blob, `basemap:${name}:${blob.size}`));
  let header: Header;
  try {
    header = await archive.getHeader();
  } catch (err) {
    throw new BasemapError(`"${name}" is a damaged PMTiles archive: ${err instanceof Error ? err.message : err}`);
  }
  const kind = header.tileType === TileType.Mvt ? 'vector' : RASTER_TYPES.has(header.tileType) ? 'raster' : undefined;
  if (kind === undefined) {
    throw new BasemapError(
      `"${name}" holds tiles the map cannot draw (tile type ${header.tileType}); use raster (PNG, JPEG, WebP) or MVT vector tiles.`,
    );
  }
  if (header.numAddressedTiles === 0 || header.maxZoom < header.minZoom) {
    throw new BasemapError(`"${name}" holds no tiles.`);
  }
  return {
    name,
    bytes: blob.size,
    kind,
    minZoom: header.minZoom,
    maxZoom: header.maxZoom,
    archive,
    header,
  };
}

/** "ao-north.pmtiles, raster, 2.4 MB, zoom 0–14": the basemap as the settings describe it. */
export function describeBasemap(b: Pick<Basemap, 'name' | 'bytes' | 'kind' | 'minZoom' | 'maxZoom'>): string {
  const size =
    b.bytes >= 1024 * 1024 ? `${(b.bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(b.bytes / 1024)} kB`;
  const zooms = b.minZoom === b.maxZoom ? `zoom ${b.minZoom}` : `zoom ${b.minZoom}–${b.maxZoom}`;
  return `${b.name}, ${b.kind}, ${size}, ${zooms}`;
}

/** A tile the archive does not hold: nothing drawn there (and no error state to retry). */
function emptyTile(): OffscreenCanvas {
  return new OffscreenCanvas(1, 1);
}

/**
 * The layer that draws the basemap under everything else, in its own canvas (class `basemap`; a
 * raster one is turned dark red by the night theme's CSS, a vector one takes the palette). Tiles are read from the archive on demand; zooming past the
 * archive's deepest level enlarges its last tiles.
 */
export function basemapLayer(basemap: Basemap, palette: MapPalette): BaseLayer {
  const layer: BaseLayer = basemap.kind === 'raster' ? rasterLayer(basemap) : vectorLayer(basemap, palette);
  layer.set('name', 'basemap');
  return layer;
}

function rasterLayer(b: Basemap): TileLayer {
  const type = RASTER_TYPES.get(b.header.tileType)!;
  const source = new ImageTileSource({
    minZoom: b.minZoom,
    maxZoom: b.maxZoom,
    wrapX: true,
    transition: 0,
    loader: async (z, x, y, { signal }) => {
      const tile = await b.archive.getZxy(z, x, y, signal);
      if (tile === undefined) return emptyTile();
      return createImageBitmap(new Blob([tile.data], { type }));
    },
  });
  return new TileLayer({ source, className: 'basemap basemap-raster', preload: 1 });
}

function vectorLayer(b: Basemap, palette: MapPalette): VectorTileLayer {
  const format = new MVT();
  const source = new VectorTileSource({
    format,
    minZoom: b.minZoom,
    maxZoom: b.maxZoom,
    wrapX: true,
    // The tile's "URL" is only its key: the loader below reads the archive, never the network.
    tileUrlFunction: ([z, x, y]) => `${z}/${x}/${y}`,
    tileLoadFunction: (tile, key) => {
      const vt = tile as VectorTile<FeatureLike>;
      const [z, x, y] = key.split('/').map(Number);
      vt.setLoader((extent, _resolution, projection) => {
        b.archive
          .getZxy(z!, x!, y!)
          .then((r) => {
            const features =
              r === undefined
                ? []
                : format.readFeatures(r.data, { extent, featureProjection: projection ?? getProjection('EPSG:3857')! });
            vt.setFeatures(features as never);
          })
          .catch(() => vt.setState(TileState.ERROR));
      });
    },
  });
  return new VectorTileLayer({
    source,
    className: 'basemap basemap-vector',
    style: vectorStyle(palette),
    declutter: false,
  });
}

/**
 * A plain vector basemap in the palette's muted colours: water filled, land areas faint, lines
 * (roads, boundaries, rivers) thin. Points and labels stay off: the symbols are what is read.
 */
export function vectorStyle(p: MapPalette): (feature: FeatureLike) => Style | undefined {
  const water = new Style({ fill: new Fill({ color: p.basemapWater }) });
  const area = new Style({
    fill: new Fill({ color: p.basemapArea }),
    stroke: new Stroke({ color: p.basemapLine, width: 0.5 }),
  });
  const line = new Style({ stroke: new Stroke({ color: p.basemapLine, width: 1 }) });
  return (feature) => {
    const type = feature.getGeometry()?.getType();
    const layerName = String(feature.get('layer') ?? '');
    if (type === 'Polygon' || type === 'MultiPolygon') return /water|ocean|lake/i.test(layerName) ? water : area;
    if (type === 'LineString' || type === 'MultiLineString') return line;
    return undefined;
  };
}
