import { describe, expect, it } from 'vitest';
import { summarizeLinks } from '../../../src/ui/link-state';

describe('the online/offline indicator', () => {
  it('says peers whenever peers are connected, even with the browser offline (a local network)', () => {
    const s = summarizeLinks({ online: false, signalingOpen: 0, signalingPaths: 2, peers: 2 });
    expect(s).toEqual({ level: 'ok', text: '2 peers', detail: '2 peers connected; signaling down; no network' });
  });

  it('says no peers, not online, when the network and signaling are up but nobody is linked', () => {
    const s = summarizeLinks({ online: true, signalingOpen: 1, signalingPaths: 2, peers: 0 });
    expect(s.level).toBe('warn');
    expect(s.text).toBe('No peers');
    expect(s.detail).toBe('0 peers connected; signaling up (1 of 2); network up');
  });

  it('says offline when no peer is linked and no signaling reaches anyone, whatever navigator.onLine says', () => {
    expect(summarizeLinks({ online: true, signalingOpen: 0, signalingPaths: 1, peers: 0 }).text).toBe('Offline');
    expect(summarizeLinks({ online: false, signalingOpen: 1, signalingPaths: 1, peers: 0 }).level).toBe('down');
    expect(summarizeLinks({ online: true, signalingOpen: 0, signalingPaths: 0, peers: 0 }).detail).toContain(
      'no signaling path',
    );
  });

  it('a removed device says Removed, with no count of peers (a link still closing shares no picture)', () => {
    const s = summarizeLinks({ online: true, signalingOpen: 1, signalingPaths: 1, peers: 1, removed: true });
    expect(s).toEqual({
      level: 'down',
      text: 'Removed',
      detail: 'removed from the lattice: no member syncs with it; network up',
    });
    expect(s.text + s.detail).not.toMatch(/peer/);
  });

  it('without a mesh it tells only the network', () => {
    const none = { signalingOpen: undefined, signalingPaths: undefined, peers: undefined };
    expect(summarizeLinks({ online: true, ...none }).text).toBe('Local only');
    expect(summarizeLinks({ online: false, ...none })).toEqual({
      level: 'down',
      text: 'Offline',
      detail: 'no network; no mesh on this page',
    });
  });
});
