import type { ComponentValue } from '../entity/component-types';
import { validateComponent } from '../entity/validate-component';
import { ValidationError } from '../errors';
import { isUserKind } from '../ids';
import type { DecodeContext, EncodeContext } from './context';
import { WireError } from './errors';
import { isKnownTagKind } from './kinds';
import { readUtf8 } from '../bytes/utf8';

const encoder = new TextEncoder();

/**
 * Kinds this node does not know travel as their name (string table) and UTF-8 JSON, so newer
 * peers' components are kept and relayed (docs/requirements.md §2: forward compatible). Exact, except -0 → 0.
 */
export function encodeOpaque(ctx: EncodeContext, kind: string, value: ComponentValue): void {
  if (!isUserKind(kind)) throw new WireError(`cannot encode kind ${JSON.stringify(kind)}`);
  ctx.w.writeVarUint(ctx.strings.add(kind));
  const bytes = encoder.encode(JSON.stringify(value));
  ctx.w.writeVarUint(bytes.length);
  ctx.w.writeBytes(bytes);
}

export function decodeOpaque(ctx: DecodeContext): { kind: string; value: ComponentValue } {
  const r = ctx.r;
  const idx = r.readVarUint();
  const kind = ctx.strings[idx];
  if (kind === undefined) return r.fail(`kind string index ${idx} out of range`);
  if (!isUserKind(kind)) r.fail(`invalid component kind ${JSON.stringify(kind.slice(0, 40))}`);
  // A known kind has one encoding, its own tag; accepting it as JSON would skip its quantisation.
  if (isKnownTagKind(kind)) r.fail(`known kind "${kind}" sent as opaque JSON`);
  const n = r.readVarUint();
  if (n > ctx.limits.maxOpaqueBytes)
    r.fail(`${kind}: ${n} bytes of JSON exceeds the limit of ${ctx.limits.maxOpaqueBytes}`);
  const text = readUtf8(r, n, `${kind} JSON`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return r.fail(`${kind}: value is not JSON`);
  }
  return { kind, value: validated(kind, parsed) };
}

/** validateComponent, with its ValidationError turned into a WireError. */
export function validated(kind: string, value: unknown): ComponentValue {
  try {
    return validateComponent(kind, value);
  } catch (e) {
    if (e instanceof ValidationError) throw new WireError(`wire: invalid ${kind} value: ${e.message}`);
    throw e;
  }
}
