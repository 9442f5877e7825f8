import type { EntityView } from '../node/node-api';

/** The entity form's fields as typed text; numbers are parsed only on submit. */
export interface FormFields {
  readonly id: string;
  readonly lat: string;
  readonly lon: string;
  readonly alt: string;
  readonly east: string;
  readonly north: string;
  readonly label: string;
  readonly disposition: string;
  readonly environment: string;
  readonly confidence: string;
  readonly threat: string;
  /** JSON object of every other component, keyed by kind. */
  readonly other: string;
}

export const EMPTY_FIELDS: FormFields = {
  id: '',
  lat: '',
  lon: '',
  alt: '',
  east: '',
  north: '',
  label: '',
  disposition: '',
  environment: '',
  confidence: '',
  threat: '',
  other: '',
};

/** Kinds edited through their own fields; everything else goes through the JSON box. */
export const FIELD_KINDS = ['position', 'velocity', 'classification', 'threat'] as const;

type Obj = Readonly<Record<string, unknown>>;
const text = (x: unknown): string => (x === undefined || x === null ? '' : String(x));

export function fieldsOf(view: EntityView): FormFields {
  const c = view.components as Readonly<Record<string, Obj | undefined>>;
  const other: Record<string, unknown> = {};
  for (const [kind, value] of Object.entries(view.components)) {
    if (!(FIELD_KINDS as readonly string[]).includes(kind)) other[kind] = value;
  }
  return {
    id: view.id,
    lat: text(c.position?.lat),
    lon: text(c.position?.lon),
    alt: text(c.position?.alt),
    east: text(c.velocity?.east),
    north: text(c.velocity?.north),
    label: text(c.classification?.label),
    disposition: text(c.classification?.disposition),
    environment: text(c.classification?.environment),
    confidence: text(c.classification?.confidence),
    threat: text(c.threat?.level),
    other: Object.keys(other).length === 0 ? '' : JSON.stringify(other, null, 2),
  };
}

/**
 * A number when the text is one; otherwise the text itself, so the node's validator (the only
 * judge of values) names the field and what was wrong with it.
 */
function numeric(s: string): number | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** Drops undefined fields: a blank optional field means "absent", not "undefined". */
function defined(obj: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k];
  return obj;
}

const allBlank = (...xs: string[]): boolean => xs.every((x) => x.trim() === '');

export type ParsedForm =
  | { readonly ok: true; readonly components: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly error: string };

/**
 * Turns the fields into a component map. Fields the form does not show (position accuracy,
 * covariance, velocity.up) are carried over from `base`, so editing never silently drops them.
 * Only the JSON box is checked here (it must parse); values are left to the node to validate.
 */
export function componentsOf(f: FormFields, base?: EntityView): ParsedForm {
  const prior = (base?.components ?? {}) as Readonly<Record<string, Obj | undefined>>;
  const out: Record<string, unknown> = {};
  if (!allBlank(f.lat, f.lon, f.alt)) {
    const { lat: _a, lon: _b, alt: _c, ...keep } = prior.position ?? {};
    out.position = defined({ ...keep, lat: numeric(f.lat), lon: numeric(f.lon), alt: numeric(f.alt) });
  }
  if (!allBlank(f.east, f.north)) {
    const { east: _a, north: _b, ...keep } = prior.velocity ?? {};
    out.velocity = defined({ ...keep, east: numeric(f.east), north: numeric(f.north) });
  }
  if (!allBlank(f.label, f.disposition, f.environment, f.confidence)) {
    out.classification = defined({
      label: f.label,
      disposition: f.disposition || undefined,
      environment: f.environment || undefined,
      confidence: numeric(f.confidence),
    });
  }
  if (f.threat !== '') out.threat = { level: f.threat };
  if (f.other.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(f.other);
    } catch (e) {
      return { ok: false, error: `Other components: not valid JSON (${(e as Error).message})` };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return {
        ok: false,
        error: 'Other components: expected a JSON object keyed by component kind, e.g. {"speed": {"kts": 250}}',
      };
    }
    for (const [kind, value] of Object.entries(parsed)) {
      if ((FIELD_KINDS as readonly string[]).includes(kind)) {
        return { ok: false, error: `Other components: edit ${kind} with its own fields, not in the JSON box` };
      }
      out[kind] = value;
    }
  }
  return { ok: true, components: out };
}

/** Stable text of a value for change detection (key order does not count). */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (typeof x === 'object' && x !== null) {
    const entries = Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(x);
}

export type EditPlan =
  | { readonly ok: true; readonly changed: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly error: string };

/**
 * The components an edit changes relative to the entity as it was when the form opened. Sending
 * only those keeps the write from conflicting with concurrent writers of other components.
 */
export function planEdit(next: Readonly<Record<string, unknown>>, base: EntityView): EditPlan {
  const removed = Object.keys(base.components).filter((k) => !(k in next));
  if (removed.length > 0) {
    return {
      ok: false,
      error: `Removing a component (${removed.join(', ')}) is not supported: fill its fields back in or delete the entity`,
    };
  }
  const changed: Record<string, unknown> = {};
  for (const [kind, value] of Object.entries(next)) {
    if (canonical(value) !== canonical(base.components[kind])) changed[kind] = value;
  }
  return { ok: true, changed };
}
