import Feature from 'ol/Feature';
import Circle from 'ol/geom/Circle';
import Point from 'ol/geom/Point';
import VectorLayer from 'ol/layer/Vector';
import type OlMap from 'ol/Map';
import { getPointResolution, toLonLat } from 'ol/proj';
import VectorSource from 'ol/source/Vector';
import Fill from 'ol/style/Fill';
import Stroke from 'ol/style/Stroke';
import Style from 'ol/style/Style';
import Text from 'ol/style/Text';
import { MAP_PALETTES, type MapPalette } from './map-palette';
import { distanceLabel, mercatorScale, niceStep } from './track-geometry';

/** How many rings fit between the centre and the nearest edge of the view. */
const RINGS = 4;

function labelStyle(text: string, p: MapPalette): Style {
  return new Style({
    text: new Text({
      text,
      font: '600 13px system-ui, sans-serif',
      fill: new Fill({ color: p.label }),
      stroke: new Stroke({ color: p.labelHalo, width: 4 }),
      offsetX: 4,
      textAlign: 'left',
    }),
  });
}

/**
 * Range rings around the view's centre (or a defended point, when one is set), at round
 * distances chosen for the zoom: with no basemap they give the operator distances at a glance.
 */
export class RangeRings {
  readonly layer: VectorLayer<VectorSource>;
  private readonly source = new VectorSource();
  /** A fixed centre in map coordinates, or undefined to follow the view. */
  private centre: [number, number] | undefined;
  private palette: MapPalette = MAP_PALETTES.day;
  private ringStyle = ringStyleOf(this.palette);

  constructor(private readonly map: OlMap) {
    this.layer = new VectorLayer({ source: this.source, updateWhileInteracting: true, updateWhileAnimating: true });
    map.on('moveend', () => this.draw());
  }

  setCentre(centre: [number, number] | undefined): void {
    this.centre = centre;
    this.draw();
  }

  setPalette(palette: MapPalette): void {
    this.palette = palette;
    this.ringStyle = ringStyleOf(palette);
    this.draw();
  }

  /** The rings' step in metres, as last drawn. */
  step = 0;

  draw(): void {
    const view = this.map.getView();
    const size = this.map.getSize();
    const centre = this.centre ?? (view.getCenter() as [number, number] | undefined);
    const resolution = view.getResolution();
    this.source.clear();
    if (size === undefined || centre === undefined || resolution === undefined) return;
    const metresPerPixel = getPointResolution(view.getProjection(), resolution, centre);
    const reach = (Math.min(size[0], size[1]) / 2) * metresPerPixel;
    this.step = niceStep(reach / RINGS);
    const k = mercatorScale(toLonLat(centre)[1]!);
    const features: Feature[] = [];
    for (let i = 1; i <= RINGS; i++) {
      const metres = this.step * i;
      const ring = new Feature(new Circle(centre, metres * k));
      ring.setStyle(this.ringStyle);
      const label = new Feature(
        new Point([centre[0] + metres * k * Math.SQRT1_2, centre[1] + metres * k * Math.SQRT1_2]),
      );
      label.setStyle(labelStyle(distanceLabel(metres), this.palette));
      features.push(ring, label);
    }
    this.source.addFeatures(features);
  }
}

function ringStyleOf(p: MapPalette): Style {
  return new Style({ stroke: new Stroke({ color: p.ring, width: 1.5 }) });
}
