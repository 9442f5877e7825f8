import type { FeatureLike } from 'ol/Feature';
import CircleStyle from 'ol/style/Circle';
import Fill from 'ol/style/Fill';
import Icon from 'ol/style/Icon';
import Stroke from 'ol/style/Stroke';
import Style from 'ol/style/Style';
import { THREAT_LEVELS, type ThreatLevel } from '../../core/entity/component-types';
import { SYMBOL_SIZE, type SymbolAtlas } from './symbol-atlas';
import { TRACK } from './track-props';

/** Ring colours, as the palette's: HIGH red, the selection in the accent blue. */
export const HIGH_RED = '#ef4444';
const ACCENT = '#38bdf8';
const STALE_OPACITY = 0.4;
/** The radius of the rings drawn around a symbol, in CSS pixels. */
export const RING_RADIUS = SYMBOL_SIZE * 0.95;

const rank = (t: ThreatLevel | undefined): number => (t === undefined ? 0 : THREAT_LEVELS.indexOf(t));

/**
 * The style of a track: uncertainty ellipse, heading leader, symbol from the atlas, then the
 * rings (HIGH threat, selection). Styles are shared per (SIDC, stale, threat, selected): the
 * ellipse and the leader are geometries kept on the feature, so one Style serves every track.
 */
export function trackStyle(atlas: SymbolAtlas): (feature: FeatureLike) => Style[] {
  const cache = new Map<string, Style[]>();
  return (feature) => {
    const sidc = feature.get(TRACK.sidc) as string;
    const stale = feature.get(TRACK.stale) === true;
    const threat = feature.get(TRACK.threat) as ThreatLevel | undefined;
    const selected = feature.get(TRACK.selected) === true;
    const key = `${sidc}|${stale}|${threat}|${selected}`;
    let styles = cache.get(key);
    if (styles === undefined) {
      styles = build(atlas, sidc, stale, threat, selected);
      cache.set(key, styles);
    }
    return styles;
  };
}

function build(
  atlas: SymbolAtlas,
  sidc: string,
  stale: boolean,
  threat: ThreatLevel | undefined,
  selected: boolean,
): Style[] {
  const image = atlas.get(sidc);
  // Higher threats are drawn above lower ones, fresh tracks above stale ones.
  const z = rank(threat) * 2 + (stale ? 0 : 1);
  const alpha = stale ? STALE_OPACITY : 1;
  const styles = [
    new Style({
      geometry: TRACK.ellipse,
      stroke: new Stroke({ color: `rgba(125, 211, 252, ${0.9 * alpha})`, width: 1.5, lineDash: [6, 4] }),
      fill: new Fill({ color: `rgba(125, 211, 252, ${0.1 * alpha})` }),
      zIndex: z,
    }),
    new Style({
      geometry: TRACK.leader,
      stroke: new Stroke({ color: `rgba(241, 245, 249, ${alpha})`, width: 2.5 }),
      zIndex: z,
    }),
    new Style({
      image: new Icon({
        img: image.canvas,
        anchor: [image.anchor[0] * image.ratio, image.anchor[1] * image.ratio],
        anchorXUnits: 'pixels',
        anchorYUnits: 'pixels',
        scale: 1 / image.ratio,
        opacity: alpha,
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
          radius: RING_RADIUS + 6,
          stroke: new Stroke({ color: ACCENT, width: 3, lineDash: [8, 5] }),
        }),
        zIndex: 100,
      }),
    );
  }
  return styles;
}
