/**
 * The bytes of a signed proof (docs/security.md): the domain, then each field, one per line, as
 * UTF-8. Every proof of key possession in the protocol (the signaling server's, the link
 * handshake's) is built here, so they share one encoding: unambiguous because no field may
 * contain a newline (lattice names, node ids and base64url nonces cannot), and domain-separated
 * because each proof names its own domain first, so a signature made for one is never valid as
 * another (or as a version signature, `lattice-mesh version v1`).
 */
const utf8 = new TextEncoder();

export function signedText(domain: string, fields: readonly string[]): Uint8Array {
  for (const f of [domain, ...fields]) {
    if (f.includes('\n')) throw new Error('a signed field cannot contain a newline');
  }
  return utf8.encode([domain, ...fields].join('\n'));
}
