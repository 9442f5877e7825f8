import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '../errors';
import type { Classification, Position, Velocity } from '../entity/component-types';
import { describe } from '../ids';
import { cotTypeOf, parseCotType } from './cot-type';
import { isoOf, msOfIso } from './iso-time';
import { checkSize, collect, exportedComponents, type ImportResult, type PictureEntity } from './picture-item';

/**
 * Cursor-on-Target events (CoT 2.0 event schema), docs/ui.md "Export and import" has the field
 * table. The XML text is read and written by fast-xml-parser; this file only maps fields.
 */

/** CoT's "unknown" for hae, ce and le. */
export const COT_UNKNOWN = 9_999_999;
/** `stale` of a track that has no expiry: the time of export plus this (marked `expiry="none"`). */
export const DEFAULT_STALE_MS = 5 * 60_000;
/** Our own detail element: the components CoT has no field for. Other CoT readers ignore it. */
export const LATTICE_DETAIL = '__lattice';
/** How a track came to be: machine, fused (the node's picture). */
const HOW = 'm-f';
const A = '@_';
const FILE_ROOT = 'lattice-file';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: A,
  format: true,
  suppressEmptyNode: true,
});

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: A,
  parseAttributeValue: false,
  parseTagValue: false,
  // A callsign's spaces are its own.
  trimValues: false,
  isArray: (name) => name === 'event',
});

type Attrs = Record<string, string | number>;

/** The picture as CoT events in one `<events>` element (a file of many events needs one root). */
export function toCot(entities: readonly PictureEntity[], now: number): string {
  const events = [];
  for (const e of entities) {
    const c = exportedComponents(e);
    const position = c.position as Position | undefined;
    if (position === undefined) continue;
    const classification = c.classification as Classification | undefined;
    const velocity = c.velocity as Velocity | undefined;
    const expiry = c.expiry as { at: number } | undefined;
    const threat = c.threat as { level: string } | undefined;
    const source = c.source as { sensorId: string; sensorType: string } | undefined;
    const lattice: Attrs = {};
    if (classification !== undefined) lattice[`${A}confidence`] = classification.confidence;
    if (threat !== undefined) lattice[`${A}threat`] = threat.level;
    if (source !== undefined) {
      lattice[`${A}sensorId`] = source.sensorId;
      lattice[`${A}sensorType`] = source.sensorType;
    }
    if (velocity?.up !== undefined) lattice[`${A}up`] = velocity.up;
    if (position.covariance !== undefined) lattice[`${A}covariance`] = position.covariance.join(',');
    if (expiry === undefined) lattice[`${A}expiry`] = 'none';
    const detail: Record<string, Attrs> = {};
    if (classification !== undefined) detail.contact = { [`${A}callsign`]: classification.label };
    if (velocity !== undefined) {
      const course = (Math.atan2(velocity.east, velocity.north) * 180) / Math.PI;
      detail.track = {
        [`${A}course`]: course < 0 ? course + 360 : course,
        [`${A}speed`]: Math.hypot(velocity.east, velocity.north),
      };
    }
    detail[LATTICE_DETAIL] = lattice;
    events.push({
      [`${A}version`]: '2.0',
      [`${A}uid`]: e.id,
      [`${A}type`]: cotTypeOf(classification),
      [`${A}how`]: HOW,
      [`${A}time`]: isoOf(now),
      [`${A}start`]: isoOf(e.updatedAt ?? now),
      [`${A}stale`]: isoOf(expiry?.at ?? now + DEFAULT_STALE_MS),
      point: {
        [`${A}lat`]: position.lat,
        [`${A}lon`]: position.lon,
        [`${A}hae`]: position.alt ?? COT_UNKNOWN,
        [`${A}ce`]: position.accuracy ?? COT_UNKNOWN,
        [`${A}le`]: COT_UNKNOWN,
      },
      detail,
    });
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ events: { event: events } }) as string}`;
}

/**
 * CoT XML back into items: `<event>` elements, one after another or under one root element. A file that is not
 * well-formed XML, or declares a DOCTYPE (entity expansion), is refused as a whole with the line;
 * an event that does not map is rejected alone.
 */
export function parseCot(text: string): ImportResult {
  checkSize(text);
  if (/<!DOCTYPE/i.test(text)) throw new ValidationError('not CoT: the file declares a DOCTYPE, which CoT never needs');
  // Wrapped in one root, so a stream of concatenated events (as TAK servers send them) parses too.
  const wrapped = `<${FILE_ROOT}>${text.replace(/^\uFEFF?\s*<\?xml[^>]*\?>/, '')}</${FILE_ROOT}>`;
  const valid = XMLValidator.validate(wrapped);
  if (valid !== true) throw new ValidationError(`not well-formed XML (line ${valid.err.line}): ${valid.err.msg}`);
  const file = element((parser.parse(wrapped) as Record<string, unknown>)[FILE_ROOT]);
  const roots = Object.keys(file).filter((k) => k !== '#text');
  let events: unknown[] | undefined;
  if (file.event !== undefined) events = file.event as unknown[];
  else if (roots.length === 1) {
    // An empty picture exports as an empty <events/>: nothing to import, not an error.
    events = (element(file[roots[0]!]).event as unknown[] | undefined) ?? (roots[0] === 'events' ? [] : undefined);
  }
  if (events === undefined) throw new ValidationError('not CoT: no <event> elements, alone or under one root');
  const list = events;
  return collect(
    list.length,
    (i) => {
      const uid = element(list[i])[`${A}uid`];
      return typeof uid === 'string' ? uid : undefined;
    },
    (i) => event(element(list[i])),
  );
}

function event(e: Record<string, unknown>): Record<string, unknown> {
  const type = e[`${A}type`];
  if (typeof type !== 'string') throw new ValidationError('event: no type');
  if (e.point === undefined) throw new ValidationError('event: no <point>');
  const point = element(e.point);
  const detail = element(e.detail);
  const lattice = element(detail[LATTICE_DETAIL]);
  const contact = element(detail.contact);
  const track = element(detail.track);
  const attr = (el: Record<string, unknown>, name: string): unknown => el[`${A}${name}`];
  const out: Record<string, unknown> = {};

  const hae = number(attr(point, 'hae'));
  const ce = number(attr(point, 'ce'));
  const covariance = attr(lattice, 'covariance');
  out.position = {
    lat: number(attr(point, 'lat')) ?? 'missing',
    lon: number(attr(point, 'lon')) ?? 'missing',
    ...(hae === undefined || hae === COT_UNKNOWN ? {} : { alt: hae }),
    ...(ce === undefined || ce === COT_UNKNOWN ? {} : { accuracy: ce }),
    ...(typeof covariance === 'string' ? { covariance: covariance.split(',').map(number) } : {}),
  };

  const identity = parseCotType(type);
  if (identity !== undefined) {
    out.classification = {
      ...identity,
      label: attr(contact, 'callsign') ?? '',
      // A CoT sender states its type; it has no confidence field, so one that did not come from a
      // lattice node is taken as stated.
      confidence: number(attr(lattice, 'confidence')) ?? 1,
    };
  }

  const course = number(attr(track, 'course'));
  const speed = number(attr(track, 'speed'));
  const up = number(attr(lattice, 'up'));
  if (course !== undefined || speed !== undefined) {
    if (typeof course !== 'number' || typeof speed !== 'number') {
      throw new ValidationError('track: course and speed must both be numbers');
    }
    const rad = (course * Math.PI) / 180;
    out.velocity = {
      east: nano(speed * Math.sin(rad)),
      north: nano(speed * Math.cos(rad)),
      ...(up === undefined ? {} : { up }),
    };
  }

  const threat = attr(lattice, 'threat');
  if (threat !== undefined) out.threat = { level: threat };
  const sensorId = attr(lattice, 'sensorId');
  const sensorType = attr(lattice, 'sensorType');
  if (sensorId !== undefined || sensorType !== undefined) out.source = { sensorId, sensorType };

  if (attr(lattice, 'expiry') !== 'none') {
    const stale = attr(e, 'stale');
    const at = typeof stale === 'string' ? msOfIso(stale) : NaN;
    if (!Number.isFinite(at)) throw new ValidationError(`stale: expected an ISO 8601 time, got ${describe(stale)}`);
    out.expiry = { at };
  }
  return out;
}

/**
 * East and north from course and speed, rounded to 1 nm/s: the trigonometry's last-bit error is
 * dropped, so a component at its bound (MAX_SPEED) comes back at it, not a hair over.
 */
function nano(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** An element as the parser gives it: attributes and children, or '' when empty, or absent. */
function element(x: unknown): Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

/**
 * A numeric attribute as a number; text that is not a number stays text, so the component's own
 * validation names the field ("position.lat: expected a finite number, got "north"").
 */
function number(x: unknown): number | string | undefined {
  if (x === undefined) return undefined;
  if (typeof x !== 'string') return describe(x);
  const n = Number(x);
  return x.trim() !== '' && Number.isFinite(n) ? n : x;
}
