import { LitElement, html, type PropertyValues } from 'lit';
import { defaults as defaultControls } from 'ol/control/defaults';
import ScaleLine from 'ol/control/ScaleLine';
import type BaseLayer from 'ol/layer/Base';
import Graticule from 'ol/layer/Graticule';
import VectorLayer from 'ol/layer/Vector';
import OlMap from 'ol/Map';
import { fromLonLat } from 'ol/proj';
import Fill from 'ol/style/Fill';
import Stroke from 'ol/style/Stroke';
import Text from 'ol/style/Text';
import View from 'ol/View';
import { emit } from '../events';
import { Picture, type PictureFrame } from '../picture';
import type { PaintSite } from './sprite-painters';
import type { Theme } from '../theme-setting';
import { basemapLayer, type Basemap } from './basemap';
import { FusedIndex } from './fused-index';
import { MAP_PALETTES, type MapPalette } from './map-palette';
import { MapAnnotations, annotationStyle, type SourceReader } from './map-annotations';
import { mapStyles } from './map-styles';
import { RangeRings } from './range-rings';
import { SYMBOL_SIZE, SpriteAtlas } from './sprite-atlas';
import { ThreatPulse } from './threat-pulse';
import { DETAIL_LIMIT, TrackDetail, detailIds } from './track-detail';
import { TrackFeatures } from './track-features';
import { trackLayer, type TrackLayer, type TrackRenderer } from './track-layer';
import { detailStyle } from './track-style';

/** How often stale flags are re-evaluated when no batch arrives. */
const STALE_TICK_MS = 5000;
/** Moved pending marks are placed at most this often (4 Hz; the sensors report at about 1 Hz). */
const MARK_MOVE_MS = 250;
/** Tap tolerance around a symbol's centre, in CSS pixels: half a symbol and a margin, for a gloved finger. */
const HIT_TOLERANCE_PX = SYMBOL_SIZE / 2 + 12;
/** Where the view opens before the first fix: the whole world, zoomed out. */
const WORLD_ZOOM = 2;
const FIT_MAX_ZOOM = 13;

/**
 * The tactical map, the main view: every positioned track as its MIL-STD-2525 symbol, drawn from
 * one sprite by the map's own instanced WebGL layer (a 2D canvas layer without WebGL), with uncertainty
 * ellipses and heading leaders for the tracks in view when they are few enough to read (and the
 * selected one), a pulsing ring on HIGH threats and stale tracks dimmed. A graticule, range rings and a
 * scale bar give position and distance without any basemap; the operator's offline basemap (a
 * PMTiles file kept in the browser, basemap.ts) is drawn under them when there is one. Nothing is fetched. Tapping a
 * symbol emits `entity-select`, so the shell opens the inspector.
 */
export class LatticeMap extends LitElement {
  static override properties = {
    picture: { attribute: false },
    selectedId: { attribute: false },
    theme: { reflect: true },
    pendingIds: { attribute: false },
    readSource: { attribute: false },
    basemap: { attribute: false },
  };

  /**
   * The picture (picture.ts): each frame takes the ids changed since the revision it last drew,
   * so its cost follows what changed, not the picture's size.
   */
  declare picture: PictureFrame;
  declare selectedId: string | null;
  /** The page's theme: the map's own canvas colours follow it (map-palette.ts). */
  declare theme: Theme;
  /** Tracks with a pending approval request (from the prompt's feed): drawn with the amber marker. */
  declare pendingIds: ReadonlySet<string>;
  /** Reads a track by id, also a source hidden under its fused view: for the fusion links. */
  declare readSource: SourceReader | undefined;
  /** The operator's offline basemap (settings), drawn under everything; none: graticule and rings only. */
  declare basemap: Basemap | undefined;

  /** One sprite per theme, drawn when the theme is first shown (the cells sit at the same places in each). */
  private readonly atlases = new Map<Theme, SpriteAtlas>();
  private readonly tracks = new TrackFeatures((sidc) => this.atlasOf(this.theme).cellOf(sidc));
  private readonly detail = new TrackDetail();
  private readonly annotations = new MapAnnotations(undefined);
  private readonly fused = new FusedIndex();
  private annotationLayer: VectorLayer | undefined;
  private drawnBy: TrackRenderer | undefined;
  private details: VectorLayer | undefined;
  private symbols: TrackLayer | undefined;
  private map: OlMap | undefined;
  private grid: Graticule | undefined;
  private basemapDrawn: BaseLayer | undefined;
  private rings: RangeRings | undefined;
  /** The view frames the tracks as they come, until the operator pans or zooms it. */
  private following = true;
  private framed = 0;
  private tick: ReturnType<typeof setInterval> | undefined;
  private resize: ResizeObserver | undefined;
  /**
   * What changed since the map last drew, applied once at the next animation frame (`flush`): the
   * shell hands over a new picture per change batch, and several batches a frame cost one pass.
   */
  private readonly dirty = { tracks: false, pending: false, fused: false };
  private frame: number | undefined;
  private drawnRevision = -1;
  /** The picture last brought in: its views and revision (another views map: read it whole). */
  private taken: { views: PictureFrame['views'] | undefined; revision: number } = { views: undefined, revision: 0 };
  private readonly flushes = { count: 0, ms: 0 };
  /**
   * Marked tracks moved since their marks were last placed. Moving a mark has OpenLayers draw the
   * whole map again (graticule labels and all), so moves are placed at most every MARK_MOVE_MS; a
   * mark added or removed (the pending ids, the fused tracks) is placed at the next frame.
   */
  private marksMoved = false;
  private marksAt = -Infinity;
  private marksTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.picture = EMPTY;
    this.selectedId = null;
    this.theme = 'day';
    this.pendingIds = new Set();
    this.readSource = undefined;
    this.basemap = undefined;
  }

  static override styles = mapStyles;

  /** The SIDC of every track drawn on the map, by entity id (for tests and diagnostics). */
  renderedSidcs(): Record<string, string> {
    this.flush();
    return this.tracks.sidcs();
  }

  /**
   * How many times the map brought its tracks in step with the picture, and the main-thread
   * milliseconds that took in all, drawing the symbols included (for the benchmark's split of a
   * frame: two numbers, no history).
   */
  get updateTime(): { readonly count: number; readonly ms: number } {
    return this.flushes;
  }

  /** How many times the GPU layer drew the symbols (for the benchmark: redraws are spaced when the GPU is slow). */
  get symbolDraws(): number {
    return this.symbols?.draws() ?? 0;
  }

  /** Where the GPU layer draws the symbols: in a worker (OffscreenCanvas) or on the page (for tests and the benchmark). */
  get symbolSite(): PaintSite | undefined {
    return this.symbols?.site();
  }

  /** Where a track's symbol is, in CSS pixels from the element's top left, after a synchronous render. */
  pixelOf(id: string): [number, number] | undefined {
    this.flush();
    const track = this.tracks.state(id);
    if (this.map === undefined || track === undefined) return undefined;
    this.map.renderSync();
    const pixel = this.map.getPixelFromCoordinate([track.x, track.y]);
    return pixel === null ? undefined : [pixel[0]!, pixel[1]!];
  }

  /** Fused tracks' links as drawn: fused id → the ids of the sources a line goes to (for tests). */
  renderedLinks(): Record<string, string[]> {
    this.flush();
    return this.annotations.drawnLinks();
  }

  /** The ids of the tracks drawn with their uncertainty ellipse and heading leader, sorted (for tests). */
  renderedDetail(): string[] {
    this.flush();
    return this.detail.ids();
  }

  /** The ids of the tracks drawn with the pending-approval marker (for tests). */
  renderedPending(): string[] {
    this.flush();
    return this.annotations.drawnPending();
  }

  /** The name of the basemap the map draws, if any (for tests). */
  renderedBasemap(): string | undefined {
    return this.basemapDrawn === undefined ? undefined : this.basemap?.name;
  }

  /** Which engine draws the symbols (undefined before the first render). */
  get renderer(): TrackRenderer | undefined {
    return this.drawnBy;
  }

  /** The OpenLayers map, for the benchmark's frame timing. */
  get olMap(): OlMap | undefined {
    return this.map;
  }

  protected override render(): unknown {
    return html`<div class="map" data-testid="map" role="application" aria-label="Tactical map"></div>`;
  }

  protected override firstUpdated(): void {
    const target = this.renderRoot.querySelector<HTMLElement>('.map')!;
    const palette = MAP_PALETTES[this.theme];
    const symbols = trackLayer(this.tracks, this.atlasOf(this.theme), palette);
    symbols.layer.set('name', 'tracks');
    this.drawnBy = symbols.renderer;
    this.symbols = symbols;
    const details = new VectorLayer({
      source: this.detail.source,
      style: detailStyle(palette),
      updateWhileAnimating: true,
      updateWhileInteracting: true,
    });
    const map = new OlMap({
      target,
      controls: defaultControls({ attribution: false, rotate: false }).extend([
        new ScaleLine({ units: 'metric', minWidth: 120 }),
      ]),
      layers: [],
      view: new View({ center: [0, 0], zoom: WORLD_ZOOM, constrainResolution: false }),
    });
    this.grid = graticule(palette);
    map.addLayer(this.grid);
    this.rings = new RangeRings(map);
    this.rings.setPalette(palette);
    this.details = details;
    map.addLayer(this.rings.layer);
    map.addLayer(details);
    this.annotationLayer = new VectorLayer({ source: this.annotations.source, style: annotationStyle(palette) });
    map.addLayer(this.annotationLayer);
    map.addLayer(symbols.layer);
    // The GPU layer pulses the HIGH threats itself; the 2D fallback draws the pulse on the detail layer.
    if (symbols.renderer === 'canvas') new ThreatPulse(map, details, this.tracks.high);
    // A frame of the map (a pan, a zoom, the pulse) that comes first shows the picture's changes too.
    map.on('precompose', () => this.flush());
    map.on('click', (e) => {
      this.flush();
      const hit = this.tracks.nearest(e.coordinate, HIT_TOLERANCE_PX * map.getView().getResolution()!);
      emit(this, 'entity-select', { id: hit ?? null });
    });
    map.on('moveend', () => this.refreshDetail());
    const takeView = (): void => {
      this.following = false;
    };
    target.addEventListener('pointerdown', takeView);
    target.addEventListener('wheel', takeView, { passive: true });
    this.map = map;
    this.showBasemap();
    // A turned tablet or a resized window: until the operator takes the view, it frames the tracks again.
    this.resize = new ResizeObserver(() => {
      map.updateSize();
      if (this.following) this.fitToTracks();
    });
    this.resize.observe(target);
    this.dirty.tracks = true;
    this.flush();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.tick = setInterval(() => this.restale(), STALE_TICK_MS);
    const target = this.renderRoot.querySelector<HTMLElement>('.map');
    if (this.map !== undefined && target !== null) {
      this.map.setTarget(target);
      this.resize?.observe(target);
    }
  }

  /** Detached, the map lets go of its element: no render loop (the pulse) keeps running for a removed map. */
  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.tick);
    clearTimeout(this.marksTimer);
    this.marksTimer = undefined;
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    this.resize?.disconnect();
    this.map?.setTarget(undefined);
    this.symbols?.suspend();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('readSource')) this.annotations.setReader(this.readSource);
    const dirty = this.dirty;
    if (changed.has('picture')) dirty.tracks = true;
    if (changed.has('pendingIds')) dirty.pending = true;
    if (changed.has('readSource')) dirty.fused = true;
    this.schedule();
    if (changed.has('theme') && changed.get('theme') !== undefined) this.applyPalette(MAP_PALETTES[this.theme]);
    if (changed.has('basemap')) this.showBasemap();
    if (changed.has('selectedId')) {
      this.flush();
      this.tracks.select(this.selectedId);
      this.redraw();
      this.refreshDetail();
    }
  }

  /** Asks for a flush at the next animation frame when anything waits for one. */
  private schedule(): void {
    const dirty = this.dirty;
    if ((dirty.tracks || dirty.pending || dirty.fused) && this.frame === undefined) {
      this.frame = requestAnimationFrame(() => {
        this.frame = undefined;
        this.flush();
      });
    }
  }

  /** Applies what changed since the last frame (the picture, the pending marks, the fused links). */
  private flush(): void {
    const dirty = this.dirty;
    if (this.map === undefined || !(dirty.tracks || dirty.pending || dirty.fused)) return;
    const t0 = performance.now();
    const views = this.picture.views;
    if (dirty.tracks) {
      dirty.tracks = false;
      const ids = this.changedIds();
      this.syncTracks(ids);
      if (this.fused.update(this.picture, ids)) dirty.fused = dirty.pending = true;
      if (ids === undefined) dirty.pending = true;
      else
        for (const id of ids) {
          const concern = this.annotations.concerns(id, this.pendingIds);
          // A marked track moved: its mark follows with the next placing; one gone or newly marked now.
          if (concern === 'moved' && views.has(id)) this.marksMoved = true;
          else if (concern !== false) dirty.pending = true;
        }
    }
    if (this.marksMoved && !dirty.pending) {
      const wait = this.marksAt + MARK_MOVE_MS - t0;
      if (wait <= 0) dirty.pending = true;
      else
        this.marksTimer ??= setTimeout(() => {
          this.marksTimer = undefined;
          this.dirty.pending = true;
          this.schedule();
        }, wait);
    }
    if (dirty.pending) {
      dirty.pending = false;
      this.marksMoved = false;
      this.marksAt = t0;
      this.annotations.setPending(views, this.pendingIds, this.fused);
    }
    if (dirty.fused) {
      dirty.fused = false;
      this.annotations.setFused(views, this.fused);
    }
    this.flushes.count++;
    this.flushes.ms += performance.now() - t0;
  }

  /**
   * The ids changed since the picture last brought in, and moves the mark to this one; undefined
   * (read every view) for the first picture, another picture, or one whose journal no longer reaches back.
   */
  private changedIds(): readonly string[] | undefined {
    const picture = this.picture;
    const taken = this.taken;
    const ids = taken.views === picture.views ? picture.changedSince(taken.revision) : undefined;
    this.taken = { views: picture.views, revision: picture.revision };
    return ids;
  }

  /** Brings the tracks in step: the changed `ids`, or every view (undefined). */
  private syncTracks(ids: readonly string[] | undefined): void {
    if (this.map === undefined) return;
    const cameOrWent = this.tracks.sync(this.picture, ids, Date.now());
    this.afterSync(cameOrWent);
  }

  /** Re-evaluates the stale flags (the clock moved, the views did not). */
  private restale(): void {
    if (this.map === undefined) return;
    this.flush();
    this.tracks.restale(Date.now());
    this.afterSync(false);
  }

  private afterSync(cameOrWent: boolean): void {
    this.tracks.select(this.selectedId);
    this.redraw();
    if (this.following && this.tracks.size !== this.framed) this.fitToTracks();
    if (cameOrWent) this.refreshDetail();
  }

  /** Draws the symbols again when what they show changed (the 2D fallback's source asks the map for a frame itself). */
  private redraw(): void {
    const revision = this.tracks.buffer.revision;
    if (revision === this.drawnRevision) return;
    this.drawnRevision = revision;
    this.symbols?.redraw();
  }

  /** Redraws what the map draws itself in the theme's colours: graticule, rings, ellipses and leaders. */
  private applyPalette(palette: MapPalette): void {
    const map = this.map;
    if (map === undefined) return;
    const layers = map.getLayers();
    const grid = graticule(palette);
    if (this.grid !== undefined) layers.setAt(layers.getArray().indexOf(this.grid), grid);
    this.grid = grid;
    if (this.basemap?.kind === 'vector') this.showBasemap();
    this.rings?.setPalette(palette);
    this.details?.setStyle(detailStyle(palette));
    this.annotationLayer?.setStyle(annotationStyle(palette));
    this.symbols?.setPalette(palette, this.atlasOf(this.theme));
  }

  private atlasOf(theme: Theme): SpriteAtlas {
    let atlas = this.atlases.get(theme);
    if (atlas === undefined) {
      atlas = new SpriteAtlas(undefined, MAP_PALETTES[theme].symbols);
      this.atlases.set(theme, atlas);
    }
    return atlas;
  }

  /** Puts the basemap (or none) under every other layer. */
  private showBasemap(): void {
    const map = this.map;
    if (map === undefined) return;
    if (this.basemapDrawn !== undefined) map.removeLayer(this.basemapDrawn);
    this.basemapDrawn = undefined;
    if (this.basemap === undefined) return;
    this.basemapDrawn = basemapLayer(this.basemap, MAP_PALETTES[this.theme]);
    map.getLayers().insertAt(0, this.basemapDrawn);
  }

  /** Which tracks get ellipse and leader: worked out when the view settles or the set of tracks changes. */
  private refreshDetail(): void {
    const map = this.map;
    if (map === undefined) return;
    const size = map.getSize();
    const extent = size === undefined ? undefined : map.getView().calculateExtent(size);
    const inView = extent === undefined ? [] : this.tracks.idsIn(extent, DETAIL_LIMIT);
    this.detail.show(this.tracks.keepFeatures(detailIds(inView, this.selectedId)));
  }

  /** Frames every track whenever tracks come or go, until the operator's first pan or zoom. */
  private fitToTracks(): void {
    const map = this.map!;
    const extent = this.tracks.extent();
    if (map.getSize() === undefined || extent === undefined) return;
    this.framed = this.tracks.size;
    // More room on the left: the zoom buttons stand there, and a symbol under them cannot be tapped.
    map.getView().fit(extent, { padding: [64, 64, 64, 96], maxZoom: FIT_MAX_ZOOM });
  }

  /** Frames every track again and follows them as they come and go, as before the operator's first pan. */
  followTracks(): void {
    this.following = true;
    this.framed = 0;
    this.fitToTracks();
  }

  /** Centres the range rings on a defended point [lon, lat], or back on the view centre. */
  setDefendedPoint(lonLat: readonly [number, number] | undefined): void {
    this.rings?.setCentre(lonLat === undefined ? undefined : (fromLonLat([...lonLat]) as [number, number]));
  }
}

/** Degrees-and-minutes grid lines with labels, in the palette's ink. */
function graticule(p: MapPalette): Graticule {
  const halo = new Stroke({ color: p.labelHalo, width: 3 });
  const fill = new Fill({ color: p.label });
  const font = '12px system-ui, sans-serif';
  return new Graticule({
    strokeStyle: new Stroke({ color: p.grid, width: 1 }),
    showLabels: true,
    wrapX: false,
    lonLabelStyle: new Text({ font, textBaseline: 'bottom', fill, stroke: halo }),
    latLabelStyle: new Text({ font, textAlign: 'end', fill, stroke: halo }),
  });
}

/** The picture before the shell hands one over. */
const EMPTY: PictureFrame = new Picture().frame();

if (!customElements.get('lattice-map')) customElements.define('lattice-map', LatticeMap);

declare global {
  interface HTMLElementTagNameMap {
    'lattice-map': LatticeMap;
  }
}
