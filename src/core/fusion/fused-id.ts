import type { EntityId } from '../ids';

/**
 * The fused entity's id, a function of its sorted source ids only: every node that fuses the same
 * sources names the result the same, whatever order the tracks arrived in. Two 32-bit FNV-1a
 * lanes with different offsets make 64 bits, so two different source sets collide about once in
 * 2⁶⁴ (the ids themselves could be long, and an entity id is at most 128 characters).
 */
/** Every fused id starts so: such ids are fusion's derived views, never stored (docs/fusion.md). */
export const FUSED_ID_PREFIX = 'fused:';

/**
 * Whether `id` is in fusion's namespace: no write (local or a peer's) may take such an id, or the
 * stored entity would stand beside, or hide, the fused view every node derives under it
 * (docs/security.md, "Fused ids"). Refused by checkWrite, at ingest and at import.
 */
export function isFusedId(id: string): boolean {
  return id.startsWith(FUSED_ID_PREFIX);
}

export function fusedId(sources: readonly string[]): EntityId {
  const key = [...sources].sort().join('\n');
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x01000193) >>> 0;
    h2 = (h2 ^ (h1 >>> 7)) >>> 0;
  }
  return `${FUSED_ID_PREFIX}${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}` as EntityId;
}
