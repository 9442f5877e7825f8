import type { Version } from '../../core/merge/version';
import { versionSigningBytes } from '../../core/signing/version-signing';
import type { Signer } from '../../ports/signer';

/**
 * Signs this node's fresh versions with its key (docs/security.md, "Signed versions"), setting
 * each one's `sig` on the object itself: the store already holds these very objects (a local write
 * is merged before it is signed, so nothing awaits between its checks and its merge), and storage
 * and the mesh read them from there. Called only on versions this node just stamped and nobody
 * else has seen yet; the signatures are made concurrently.
 */
export async function signInPlace(signer: Signer, versions: readonly Version[]): Promise<void> {
  const sigs = await Promise.all(versions.map((v) => signer.sign(versionSigningBytes(v))));
  for (let i = 0; i < versions.length; i++) (versions[i] as { sig?: Uint8Array }).sig = sigs[i];
}
