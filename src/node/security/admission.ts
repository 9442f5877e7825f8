import type { NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import {
  MAX_REFUSAL_PROOF_BYTES,
  MAX_REFUSAL_PROOF_VERSIONS,
  type AdmitVerdict,
  type RefusalProof,
} from '../../core/sync';
import { encodeVersions, WireError } from '../../core/wire';
import type { Admission, AdmissionVerdict } from '../mesh/mesh-types';
import type { MeshSecurity } from './mesh-security';

/** Everyone proven is admitted: the default, an open lattice (the roster will narrow it). */
export const ADMIT_ALL: Admission = () => ({ ok: true });

/**
 * The session host's `admit` (core/sync SessionHost.admit) over an Admission hook: a hook that
 * answers now settles at once (the in-memory simulations), a promise when it resolves; a hook that
 * throws or rejects refuses (never admits by accident). Refusals are counted and logged by
 * MeshSecurity.refused; a refusal naming a removal's versions carries them (refusalProof).
 */
export function admitting(
  hook: Admission,
  security: Pick<MeshSecurity, 'refused' | 'keys'>,
  now: () => number,
  log: (message: string, detail?: unknown) => void,
): (peer: NodeId, invitation: string | undefined, done: (verdict: AdmitVerdict, now: number) => void) => void {
  return (peer, invitation, done) => {
    const settle = (verdict: AdmissionVerdict): void => {
      if (verdict.ok) return done(verdict, now());
      security.refused(peer, verdict.reason, verdict.removal !== undefined);
      const proof =
        verdict.removal === undefined ? undefined : refusalProof(verdict.removal, (id) => security.keys.keyOf(id));
      done(
        proof === undefined ? { ok: false, reason: verdict.reason } : { ok: false, reason: verdict.reason, proof },
        now(),
      );
    };
    const failed = (error: unknown): void => {
      log(`admitting ${peer} failed`, error);
      settle({ ok: false, reason: 'admission failed' });
    };
    let verdict: AdmissionVerdict | Promise<AdmissionVerdict>;
    try {
      verdict = hook(peer, invitation);
    } catch (error) {
      return failed(error);
    }
    if (verdict instanceof Promise) verdict.then(settle, failed);
    else settle(verdict);
  };
}

/**
 * The versions a refusal carries (ByeMessage.proof), within the refused side's bounds: the first
 * MAX_REFUSAL_PROOF_VERSIONS of them (the remove first: RosterService.removalProof), fewer while
 * their batch is over MAX_REFUSAL_PROOF_BYTES, with the keys of their authors we hold. Undefined
 * when none fits or none encodes.
 */
export function refusalProof(
  versions: readonly Version[],
  keyOf: (id: NodeId) => Uint8Array | undefined,
): RefusalProof | undefined {
  for (let n = Math.min(versions.length, MAX_REFUSAL_PROOF_VERSIONS); n > 0; n--) {
    const chosen = versions.slice(0, n);
    let batch: Uint8Array;
    try {
      batch = encodeVersions(chosen);
    } catch (error) {
      if (error instanceof WireError) return undefined;
      throw error;
    }
    if (batch.length > MAX_REFUSAL_PROOF_BYTES) continue;
    const keys: Uint8Array[] = [];
    for (const author of new Set(chosen.map((v) => v.ts.node))) {
      const key = keyOf(author);
      if (key !== undefined) keys.push(key);
    }
    return { keys, batch };
  }
  return undefined;
}
