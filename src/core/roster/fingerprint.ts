import type { NodeId } from '../ids';

/**
 * A short, human-checkable fingerprint of a node: its id is already the hash of its public key
 * (SHA-256, first 16 bytes), so the first 16 hex digits in groups of four name the key well enough
 * for two people to compare aloud (64 bits).
 */
export function fingerprint(id: NodeId): string {
  return (id.slice(0, 16).match(/.{1,4}/g) ?? [id]).join(' ');
}
