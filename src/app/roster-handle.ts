import { ValidationError } from '../core/errors';
import { invitationUrl, parseInvitation } from '../core/roster/invitation-token';
import type { RosterApi } from '../node/lattice-api';
import type { RosterCalls } from '../node/roster-api';

/** How the page starts its node's roster, and where an invitation link points. */
export interface JoinOptions {
  /** The token from `?invite=`: this device joins with it instead of founding. */
  readonly invitation?: string;
  /** `?open=1`: found the lattice open (if this node founds it). */
  readonly open?: boolean;
  /** The app's address invitation links point at (the page's origin and path). */
  readonly base?: string;
  /** Opens the app at a URL (the page: location.assign). */
  readonly navigate?: (url: string) => void;
}

/**
 * The roster part of `window.lattice` over the worker's roster calls: `invite()` fills in the app's
 * address; `join()` reloads the page as the invitation's link, so the node starts as a joiner (the
 * handshake presents the token; docs/security.md, "Admission").
 */
export function createRosterHandle(worker: () => Promise<RosterCalls>, joining: JoinOptions): RosterApi {
  return {
    invite: async () => {
      if (joining.base === undefined) throw new Error('this page has no address to invite to');
      return (await worker()).invite(joining.base);
    },
    join: async (tokenOrUrl: string) => {
      const token = typeof tokenOrUrl === 'string' ? parseInvitation(tokenOrUrl) : undefined;
      if (token === undefined) throw new ValidationError('join: not an invitation (a link or token from invite())');
      if (joining.navigate === undefined || joining.base === undefined) throw new Error('this page cannot reload');
      joining.navigate(invitationUrl(joining.base, token));
    },
    members: async () => (await worker()).members(),
    removeMember: async (nodeId: string) => (await worker()).removeMember(nodeId),
  };
}
