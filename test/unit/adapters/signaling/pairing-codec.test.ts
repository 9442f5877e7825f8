import { describe, expect, it } from 'vitest';
import { decodePairing, encodePairing, type PairingMessage } from '../../../../src/adapters/signaling/pairing-codec';
import type { NodeId } from '../../../../src/core/ids';

const sdp = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=candidate:1 1 udp 2113937151 6c1c3f4e-1f0e-4b53-9c0f-2a6f0d1c9f1e.local 54321 typ host generation 0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:0123456789abcdefghijklmn',
  'a=fingerprint:sha-256 ' + Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0')).join(':'),
  'a=setup:actpass',
  'a=mid:0',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
].join('\r\n');

const offer: PairingMessage = {
  kind: 'offer',
  from: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' as NodeId,
  lattice: 'alpha',
  session: 'session0123456',
  sdp,
};

describe('pairing codec', () => {
  it('round-trips an offer and an answer as compact text', async () => {
    const text = await encodePairing(offer);
    expect(text).toMatch(/^LM1\.[A-Za-z0-9_-]+$/);
    // Well inside what a QR code carries (2,953 bytes at level L).
    expect(text.length).toBeLessThan(1000);
    expect(await decodePairing(text)).toEqual(offer);
    const answer: PairingMessage = { ...offer, kind: 'answer', to: 'ffff0000ffff0000ffff0000ffff0000' as NodeId };
    expect(await decodePairing(await encodePairing(answer))).toEqual(answer);
  });

  it('tolerates whitespace and line breaks from pasting', async () => {
    const text = await encodePairing(offer);
    const mangled = `  ${text.slice(0, 40)}\n${text.slice(40, 90)} \r\n${text.slice(90)}\n`;
    expect(await decodePairing(mangled)).toEqual(offer);
  });

  it.each([
    ['', 'LM1.'],
    ['hello', 'LM1.'],
    ['LM1.!!!!', 'characters'],
    ['LM1.AAAA', 'damaged'],
  ])('refuses %j with a PairingError', async (text, message) => {
    await expect(decodePairing(text)).rejects.toMatchObject({
      name: 'PairingError',
      message: expect.stringContaining(message),
    });
  });

  it('refuses a truncated code', async () => {
    const text = await encodePairing(offer);
    await expect(decodePairing(text.slice(0, text.length - 20))).rejects.toMatchObject({ name: 'PairingError' });
  });

  it('validates the fields inside', async () => {
    await expect(decodePairing(await encodePairing({ ...offer, from: 'bad id!' as NodeId }))).rejects.toThrow(
      /node id/,
    );
    await expect(decodePairing(await encodePairing({ ...offer, lattice: '' }))).rejects.toThrow(/lattice/);
    await expect(decodePairing(await encodePairing({ ...offer, sdp: '' }))).rejects.toThrow(/session description/);
  });
});
