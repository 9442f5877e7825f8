import { decodeTs, encodeTs } from '../../core/clock/timestamp';
import type { JsonValue } from '../../core/entity/component-types';
import { isNodeId, type NodeId } from '../../core/ids';
import { emptyLedger, type InvitationLedger } from '../../core/roster/invitation-ledger';
import { decodeToken, encodeToken } from '../../core/roster/invitation-token';

/** The storage meta key the member's invitation ledger is kept under (its node's own storage). */
export const LEDGER_META = 'invitationLedger';

/** The ledger as storage keeps it: each issued token (encoded), who used it and when it was issued (HLC, encoded). */
export function ledgerToJson(ledger: InvitationLedger): JsonValue {
  return [...ledger.issued.values()].map((e): JsonValue => {
    const token = encodeToken(e.token);
    return {
      token,
      ...(e.usedBy === undefined ? {} : { usedBy: e.usedBy }),
      ...(e.issuedAt === undefined ? {} : { issuedAt: encodeTs(e.issuedAt) }),
    };
  });
}

/**
 * The ledger back from storage; entries that do not decode, or are not this owner's for this
 * lattice, are left out (a damaged record costs invitations, never admits anyone).
 */
export function ledgerFromJson(json: unknown, owner: NodeId, lattice: string): InvitationLedger {
  const ledger = emptyLedger(owner, lattice);
  if (!Array.isArray(json)) return ledger;
  const issued = new Map(ledger.issued);
  for (const entry of json as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { token: text, usedBy, issuedAt: at } = entry as { token?: unknown; usedBy?: unknown; issuedAt?: unknown };
    const token = typeof text === 'string' ? decodeToken(text) : undefined;
    if (token === undefined || token.inviter !== owner || token.lattice !== lattice) continue;
    // A damaged or missing issue time only makes the token useless to a removed node (the ledger's rule).
    const issuedAt = typeof at === 'string' ? decodeTs(at) : undefined;
    issued.set(token.nonce, {
      token,
      ...(isNodeId(usedBy) ? { usedBy } : {}),
      ...(issuedAt === undefined ? {} : { issuedAt }),
    });
  }
  return { ...ledger, issued };
}
