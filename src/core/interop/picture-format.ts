import { parseCot, toCot } from './cot';
import { parseGeoJson, toGeoJson } from './geojson';
import { isoOf } from './iso-time';
import type { ImportResult, PictureEntity, PictureFormat } from './picture-item';

export type { ImportResult, PictureEntity, PictureFormat };

/** The picture as a file's text: GeoJSON or CoT (docs/ui.md, "Export and import"). */
export function exportPicture(entities: readonly PictureEntity[], format: PictureFormat, now: number): string {
  return format === 'geojson' ? toGeoJson(entities) : toCot(entities, now);
}

/**
 * The picture to export: each fused view (a `fusion` component) replaced by its sources, which
 * `sourceOf` finds (hidden from the picture while fused), each entity once. A fused view is
 * derived on every node from its sources; exported, it would be imported as a stored entity
 * beside them (docs/ui.md, "Export and import").
 */
export function withSources(
  entities: readonly PictureEntity[],
  sourceOf: (id: string) => PictureEntity | undefined,
): PictureEntity[] {
  const out = new Map<string, PictureEntity>();
  for (const e of entities) {
    const sources = fusedSources(e);
    if (sources.length === 0) {
      out.set(e.id, e);
      continue;
    }
    for (const id of sources) {
      const s = sourceOf(id);
      if (s !== undefined) out.set(s.id, s);
    }
  }
  return [...out.values()];
}

/** The source ids of a fused view; none for any other entity. */
export function fusedSources(e: PictureEntity): readonly string[] {
  const fusion = e.components.fusion as { sources?: unknown } | undefined;
  return Array.isArray(fusion?.sources) ? fusion.sources.filter((s): s is string => typeof s === 'string') : [];
}

/** A file's text back into good and rejected items; a file that is not the format at all throws. */
export function importPicture(text: string, format: PictureFormat): ImportResult {
  return format === 'geojson' ? parseGeoJson(text) : parseCot(text);
}

/** The format of a file by its name (.geojson/.json, .cot/.xml), else by its first character. */
export function formatOf(name: string, text: string): PictureFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.geojson') || lower.endsWith('.json')) return 'geojson';
  if (lower.endsWith('.cot') || lower.endsWith('.xml')) return 'cot';
  return text.trimStart().startsWith('<') ? 'cot' : 'geojson';
}

/** The file name and MIME type of an export. */
export function fileOf(format: PictureFormat, now: number): { name: string; type: string } {
  const stamp = isoOf(now).slice(0, 19).replace(/[:]/g, '');
  return format === 'geojson'
    ? { name: `picture-${stamp}.geojson`, type: 'application/geo+json' }
    : { name: `picture-${stamp}.cot`, type: 'application/xml' };
}
