/** What the indicator is told: the browser's network flag, the signaling paths, the connected peers. */
export interface LinkFacts {
  /** navigator.onLine: false means surely offline; true only means a network interface is up. */
  readonly online: boolean;
  /** Signaling paths open now, and how many there are (undefined: this page runs no mesh). */
  readonly signalingOpen: number | undefined;
  readonly signalingPaths: number | undefined;
  /** Peers with a connected data channel (undefined: no mesh). */
  readonly peers: number | undefined;
  /**
   * This device stands removed from its lattice (members().selfRemoved): no member syncs with it,
   * so a link still open (closing, or a sibling-less stranger's) shares no picture.
   */
  readonly removed?: boolean;
}

/** ok: sharing the picture with peers; warn: reachable but alone; down: neither network nor peers, or removed. */
export type LinkLevel = 'ok' | 'warn' | 'down';

export interface LinkSummary {
  readonly level: LinkLevel;
  /** Short, for the header chip. */
  readonly text: string;
  /** Every fact, for the tooltip and screen readers. */
  readonly detail: string;
}

const plural = (n: number, word: string): string => `${n.toString()} ${word}${n === 1 ? '' : 's'}`;

/**
 * The header's online/offline indicator, told truthfully: connected peers are what share the
 * picture, so they decide; the network flag and signaling say whether new peers can be reached.
 * navigator.onLine alone would claim "online" on a LAN with no route anywhere, and peers linked
 * over a local network keep syncing when it says "offline".
 */
export function summarizeLinks(f: LinkFacts): LinkSummary {
  const network = f.online ? 'network up' : 'no network';
  // Removed: no count of peers, which would read as sharing the picture (docs/ui.md).
  if (f.removed === true)
    return { level: 'down', text: 'Removed', detail: `removed from the lattice: no member syncs with it; ${network}` };
  if (f.peers === undefined || f.signalingOpen === undefined || f.signalingPaths === undefined) {
    return {
      level: f.online ? 'warn' : 'down',
      text: f.online ? 'Local only' : 'Offline',
      detail: `${network}; no mesh on this page`,
    };
  }
  const signaling =
    f.signalingPaths === 0
      ? 'no signaling path'
      : f.signalingOpen === 0
        ? 'signaling down'
        : `signaling up (${f.signalingOpen.toString()} of ${f.signalingPaths.toString()})`;
  const detail = `${plural(f.peers, 'peer')} connected; ${signaling}; ${network}`;
  if (f.peers > 0) return { level: 'ok', text: plural(f.peers, 'peer'), detail };
  if (f.online && f.signalingOpen > 0) return { level: 'warn', text: 'No peers', detail };
  return { level: 'down', text: 'Offline', detail };
}
