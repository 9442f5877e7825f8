import type { NodeId } from '../../core/ids';
import type { AdmitVerdict } from '../../core/sync';
import type { Admission } from '../mesh/mesh-types';
import type { MeshSecurity } from './mesh-security';

/** Everyone proven is admitted: the default, an open lattice (the roster will narrow it). */
export const ADMIT_ALL: Admission = () => ({ ok: true });

/**
 * The session host's `admit` (core/sync SessionHost.admit) over an Admission hook: a hook that
 * answers now settles at once (the in-memory simulations), a promise when it resolves; a hook that
 * throws or rejects refuses (never admits by accident). Refusals are counted and logged by
 * MeshSecurity.refused.
 */
export function admitting(
  hook: Admission,
  security: Pick<MeshSecurity, 'refused'>,
  now: () => number,
  log: (message: string, detail?: unknown) => void,
): (peer: NodeId, invitation: string | undefined, done: (verdict: AdmitVerdict, now: number) => void) => void {
  return (peer, invitation, done) => {
    const settle = (verdict: AdmitVerdict): void => {
      if (!verdict.ok) security.refused(peer, verdict.reason);
      done(verdict, now());
    };
    const failed = (error: unknown): void => {
      log(`admitting ${peer} failed`, error);
      settle({ ok: false, reason: 'admission failed' });
    };
    let verdict: AdmitVerdict | Promise<AdmitVerdict>;
    try {
      verdict = hook(peer, invitation);
    } catch (error) {
      return failed(error);
    }
    if (verdict instanceof Promise) verdict.then(settle, failed);
    else settle(verdict);
  };
}
