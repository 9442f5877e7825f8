import { ValidationError } from '../errors';
import type { Position } from '../entity/component-types';
import { onlyKeys, record } from '../entity/validate-fields';
import { describe } from '../ids';
import {
  EXPORTED_KINDS,
  checkSize,
  collect,
  exportedComponents,
  type ImportResult,
  type PictureEntity,
} from './picture-item';

/**
 * GeoJSON (RFC 7946), docs/ui.md "Export and import": a FeatureCollection, one Point Feature per
 * track with a position. `id` is the entity id; the geometry is [lon, lat] or [lon, lat, alt] (alt
 * in metres above the WGS84 ellipsoid, as `position.alt`); `properties` holds the other exported
 * components by kind, and `position` there keeps only what a Point cannot (accuracy, covariance).
 */
export function toGeoJson(entities: readonly PictureEntity[]): string {
  const features = [];
  for (const e of entities) {
    const { position, ...rest } = exportedComponents(e);
    if (position === undefined) continue;
    const { lat, lon, alt, ...extra } = position as Position;
    const properties: Record<string, unknown> = { ...rest };
    if (Object.keys(extra).length > 0) properties.position = extra;
    features.push({
      type: 'Feature',
      id: e.id,
      geometry: { type: 'Point', coordinates: alt === undefined ? [lon, lat] : [lon, lat, alt] },
      properties,
    });
  }
  return JSON.stringify({ type: 'FeatureCollection', features }, null, 1);
}

/** A FeatureCollection (or one Feature) back into items; each bad feature is rejected alone. */
export function parseGeoJson(text: string): ImportResult {
  checkSize(text);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`not JSON: ${(error as Error).message}`);
  }
  const root = record(doc, 'GeoJSON');
  let features: unknown[];
  if (root.type === 'FeatureCollection' && Array.isArray(root.features)) features = root.features as unknown[];
  else if (root.type === 'Feature') features = [root];
  else throw new ValidationError('not GeoJSON: expected a FeatureCollection with a features array, or a Feature');
  return collect(
    features.length,
    (i) => {
      const id = (features[i] as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? id : undefined;
    },
    (i) => feature(features[i]),
  );
}

function feature(raw: unknown): Record<string, unknown> {
  const f = record(raw, 'feature');
  onlyKeys(f, ['type', 'id', 'geometry', 'properties', 'bbox'], 'feature');
  if (f.type !== 'Feature') throw new ValidationError(`feature.type: expected "Feature", got ${describe(f.type)}`);
  if (typeof f.id !== 'string') throw new ValidationError(`feature.id: expected the entity id, got ${describe(f.id)}`);
  const g = record(f.geometry, 'geometry');
  if (g.type !== 'Point') throw new ValidationError(`geometry.type: expected "Point", got ${describe(g.type)}`);
  const c = g.coordinates;
  if (!Array.isArray(c) || c.length < 2 || c.length > 3) {
    throw new ValidationError('geometry.coordinates: expected [lon, lat] or [lon, lat, alt]');
  }
  const properties = f.properties === undefined || f.properties === null ? {} : record(f.properties, 'properties');
  onlyKeys(properties, EXPORTED_KINDS, 'properties');
  const extra = properties.position === undefined ? {} : record(properties.position, 'properties.position');
  onlyKeys(extra, ['accuracy', 'covariance'], 'properties.position');
  const [lon, lat, alt] = c as unknown[];
  return { ...properties, position: { ...extra, lat, lon, ...(alt === undefined ? {} : { alt }) } };
}
