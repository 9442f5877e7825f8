import type { FeatureLike } from 'ol/Feature';
import LineString from 'ol/geom/LineString';
import type Point from 'ol/geom/Point';
import Polygon from 'ol/geom/Polygon';
import CircleStyle from 'ol/style/Circle';
import Fill from 'ol/style/Fill';
import Icon from 'ol/style/Icon';
import Stroke from 'ol/style/Stroke';
import Style from 'ol/style/Style';
import { THREAT_LEVELS, type ThreatLevel } from '../../core/entity/component-types';
import type { MapPalette } from './map-palette';
import { SYMBOL_SIZE, type SpriteAtlas } from './sprite-atlas';
import { ellipseRing, mercatorScale, type Ellipse, type XY } from './track-geometry';
import { RING_RADIUS, SELECTED_RING_GAP } from './symbol-sizes';
import { TRACK } from './track-props';

/** The HIGH-threat ring's red, the same in both themes (red keeps night vision). */
export const HIGH_RED = '#ef4444';
/** How much of a stale track shows through. */
export const STALE_OPACITY = 0.4;
export { RING_RADIUS, SELECTED_RING_GAP };

const rank = (t: ThreatLevel | undefined): number => (t === undefined ? 0 : THREAT_LEVELS.indexOf(t));

/** Below these sizes on screen an ellipse or a leader is hidden under its symbol: not drawn at all. */
const MIN_ELLIPSE_PX = SYMBOL_SIZE / 2;
const MIN_LEADER_PX = SYMBOL_SIZE * 0.6;

/**
 * Ellipse and leader geometries, built only for tracks drawn with them and only once per fix:
 * keyed by the (new per fix) parameter object the feature carries.
 */
const ellipses = new WeakMap<Ellipse, Polygon>();
const leaders = new WeakMap<XY, LineString>();

function centreOf(feature: FeatureLike): XY {
  const [x, y] = (feature.getGeometry() as Point).getCoordinates();
  return [x!, y!];
}

function ellipseGeometry(feature: FeatureLike): Polygon | undefined {
  const ellipse = feature.get(TRACK.ellipse) as Ellipse | undefined;
  if (ellipse === undefined) return undefined;
  let polygon = ellipses.get(ellipse);
  if (polygon === undefined) {
    const ring = ellipseRing(centreOf(feature), feature.get(TRACK.lat) as number, ellipse);
    polygon = new Polygon([ring.map(([x, y]) => [x, y])]);
    ellipses.set(ellipse, polygon);
  }
  return polygon;
}

function leaderGeometry(feature: FeatureLike): LineString | undefined {
  const end = feature.get(TRACK.leader) as XY | undefined;
  if (end === undefined) return undefined;
  let line = leaders.get(end);
  if (line === undefined) {
    line = new LineString([[...centreOf(feature)], [...end]]);
    leaders.set(end, line);
  }
  return line;
}

/** Whether the ellipse and the leader are big enough at this resolution (map units per pixel). */
function visibleParts(feature: FeatureLike, resolution: number): { ellipse: boolean; leader: boolean } {
  const ellipse = feature.get(TRACK.ellipse) as Ellipse | undefined;
  const end = feature.get(TRACK.leader) as XY | undefined;
  const lat = feature.get(TRACK.lat) as number;
  const showEllipse = ellipse !== undefined && (ellipse.major * mercatorScale(lat)) / resolution >= MIN_ELLIPSE_PX;
  let showLeader = false;
  if (end !== undefined) {
    const [x, y] = centreOf(feature);
    showLeader = Math.hypot(end[0] - x, end[1] - y) / resolution >= MIN_LEADER_PX;
  }
  return { ellipse: showEllipse, leader: showLeader };
}

/**
 * The detail of a track, drawn on a canvas layer for the tracks in TrackDetail's subset only:
 * uncertainty ellipse and heading leader. Styles are shared per (stale, threat, parts): the
 * geometries are kept on the feature, so one Style serves every track.
 */
export function detailStyle(palette: MapPalette): (feature: FeatureLike, resolution: number) => Style[] {
  const cache = new Map<string, Style[]>();
  return (feature, resolution) => {
    const stale = feature.get(TRACK.stale) === true;
    const threat = feature.get(TRACK.threat) as ThreatLevel | undefined;
    const parts = visibleParts(feature, resolution);
    const key = `${stale}|${threat}|${parts.ellipse}|${parts.leader}`;
    let styles = cache.get(key);
    if (styles === undefined) {
      styles = buildDetail(palette, stale, threat, parts);
      cache.set(key, styles);
    }
    return styles;
  };
}

function buildDetail(
  palette: MapPalette,
  stale: boolean,
  threat: ThreatLevel | undefined,
  parts: { readonly ellipse: boolean; readonly leader: boolean },
): Style[] {
  const z = zOf(threat, stale);
  const alpha = stale ? STALE_OPACITY : 1;
  const styles: Style[] = [];
  if (parts.ellipse) {
    styles.push(
      new Style({
        geometry: ellipseGeometry,
        stroke: new Stroke({ color: `rgba(${palette.ellipse}, ${0.9 * alpha})`, width: 1.5, lineDash: [6, 4] }),
        fill: new Fill({ color: `rgba(${palette.ellipse}, ${0.12 * alpha})` }),
        zIndex: z,
      }),
    );
  }
  if (parts.leader) {
    styles.push(
      new Style({
        geometry: leaderGeometry,
        stroke: new Stroke({ color: `rgba(${palette.leader}, ${alpha})`, width: 2.5 }),
        zIndex: z,
      }),
    );
  }
  return styles;
}

/** Higher threats are drawn above lower ones, fresh tracks above stale ones. */
export function zOf(threat: ThreatLevel | undefined, stale: boolean): number {
  return rank(threat) * 2 + (stale ? 0 : 1);
}

/**
 * The canvas fallback's symbol style (no WebGL): the symbol's cell of the sprite, then the rings
 * (HIGH threat, selection), shared per (SIDC, stale, threat, selected).
 */
export function symbolStyle(atlas: SpriteAtlas, palette: MapPalette): (feature: FeatureLike) => Style[] {
  const cache = new Map<string, Style[]>();
  return (feature) => {
    const sidc = feature.get(TRACK.sidc) as string;
    const stale = feature.get(TRACK.stale) === true;
    const threat = feature.get(TRACK.threat) as ThreatLevel | undefined;
    const selected = feature.get(TRACK.selected) === true;
    const key = `${sidc}|${stale}|${threat}|${selected}`;
    let styles = cache.get(key);
    if (styles === undefined) {
      styles = buildSymbol(atlas, palette, sidc, stale, threat, selected);
      cache.set(key, styles);
    }
    return styles;
  };
}

function buildSymbol(
  atlas: SpriteAtlas,
  palette: MapPalette,
  sidc: string,
  stale: boolean,
  threat: ThreatLevel | undefined,
  selected: boolean,
): Style[] {
  const z = zOf(threat, stale);
  const cell = atlas.cellOf(sidc);
  const r = atlas.ratio;
  const styles: Style[] = [
    new Style({
      image: new Icon({
        img: atlas.canvas,
        offset: [cell.x * r, cell.y * r],
        size: [atlas.cell * r, atlas.cell * r],
        scale: 1 / r,
        opacity: stale ? STALE_OPACITY : 1,
      }),
      zIndex: z,
    }),
  ];
  if (threat === 'HIGH') {
    styles.push(
      new Style({
        image: new CircleStyle({ radius: RING_RADIUS, stroke: new Stroke({ color: HIGH_RED, width: 4 }) }),
        zIndex: z,
      }),
    );
  }
  if (selected) {
    styles.push(
      new Style({
        image: new CircleStyle({
          radius: RING_RADIUS + SELECTED_RING_GAP,
          stroke: new Stroke({ color: palette.selection, width: 3, lineDash: [8, 5] }),
        }),
        zIndex: 100,
      }),
    );
  }
  return styles;
}
