/**
 * Sync protocol 4's handshake fields on the wire: the hello's nonce and the `proof` message
 * (codec.ts), round trips as a law over arbitrary values (fast-check; replay a failure with
 * SEED=<printed seed>), and every malformed variant refused at the boundary.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { MAX_TOKEN_CHARS } from '../../../../src/core/roster/invitation-token';
import {
  decodeMessage,
  encodeMessage,
  MessageType,
  ProtocolError,
  ProtocolErrorCode,
  SyncEncodeError,
  SYNC_PROTOCOL_VERSION,
  type SyncMessage,
} from '../../../../src/core/sync';

const seed = Number(process.env.SEED ?? Date.now());
const params = (name: string): fc.Parameters<unknown> => {
  console.log(`handshake codec seed ${seed} (${name}); replay with SEED=${seed}`);
  return { seed, numRuns: 500 };
};

const PROOF = 11;
const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');
const token = fc
  .array(fc.constantFrom(...TOKEN_CHARS), { minLength: 1, maxLength: MAX_TOKEN_CHARS })
  .map((cs) => cs.join(''));
const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });

const hello = (nonce: Uint8Array): SyncMessage => ({
  type: MessageType.Hello,
  protocol: SYNC_PROTOCOL_VERSION,
  node: 'node-a' as NodeId,
  lattice: 'alpha',
  time: 1,
  items: 2,
  newest: 3,
  key: new Uint8Array(32).fill(5),
  nonce,
});

describe('handshake messages on the wire (protocol 4)', () => {
  it('round-trips every hello nonce and every proof, with or without an invitation', () => {
    fc.assert(
      fc.property(bytes(16), (nonce) => {
        expect(decodeMessage(encodeMessage(hello(nonce)))).toEqual(hello(nonce));
      }),
      params('hello nonce'),
    );
    fc.assert(
      fc.property(bytes(64), fc.option(token, { nil: undefined }), (sig, invitation) => {
        const m: SyncMessage = { type: MessageType.Proof, sig, ...(invitation === undefined ? {} : { invitation }) };
        const frame = encodeMessage(m);
        expect(frame[0]).toBe(SYNC_PROTOCOL_VERSION);
        expect(frame[1]).toBe(PROOF);
        expect(decodeMessage(frame)).toEqual(m);
        expect(frame.length).toBe(
          2 + 1 + 64 + (invitation === undefined ? 0 : (invitation.length < 128 ? 1 : 2) + invitation.length),
        );
      }),
      params('proof'),
    );
  });

  it('refuses to encode a wrong nonce, signature or invitation (our bug, not the peer’s)', () => {
    expect(() => encodeMessage(hello(new Uint8Array(15)))).toThrow(SyncEncodeError);
    expect(() => encodeMessage({ ...hello(new Uint8Array(16)), nonce: undefined } as never)).toThrow(SyncEncodeError);
    expect(() => encodeMessage({ type: 'proof', sig: new Uint8Array(63) })).toThrow(SyncEncodeError);
    for (const invitation of ['', 'has space', 'é', 'x'.repeat(MAX_TOKEN_CHARS + 1), 'a\nb']) {
      expect(() => encodeMessage({ type: 'proof', sig: new Uint8Array(64), invitation }), invitation).toThrow(
        SyncEncodeError,
      );
    }
  });

  it('refuses malformed proofs and short nonces at the boundary', () => {
    const V = SYNC_PROTOCOL_VERSION;
    const sig = new Array<number>(64).fill(1);
    const text = (s: string): number[] => [...new TextEncoder().encode(s)];
    const bad: [string, number[]][] = [
      ['proof without a signature', [V, PROOF, 0]],
      ['proof with a short signature', [V, PROOF, 0, ...sig.slice(1)]],
      ['proof with trailing bytes', [V, PROOF, 0, ...sig, 0]],
      ['proof with unknown flags', [V, PROOF, 2, ...sig]],
      ['proof flagged with an invitation that is missing', [V, PROOF, 1, ...sig]],
      ['proof with an empty invitation', [V, PROOF, 1, ...sig, 0]],
      ['proof with an invitation that is not base64url', [V, PROOF, 1, ...sig, 3, ...text('a b')]],
      ['proof with invalid UTF-8 in its invitation', [V, PROOF, 1, ...sig, 1, 0xff]],
      ['proof with a 201-character invitation', [V, PROOF, 1, ...sig, 0xc9, 0x01, ...text('a'.repeat(201))]],
    ];
    for (const [what, frame] of bad) expect(() => decodeMessage(new Uint8Array(frame)), what).toThrow(ProtocolError);
    const full = encodeMessage(hello(new Uint8Array(16)));
    expect(() => decodeMessage(full.subarray(0, full.length - 1)), 'hello with a 15-byte nonce').toThrow(ProtocolError);
    expect(() => decodeMessage(full.subarray(0, full.length - 16)), 'a protocol 3 hello body').toThrow(ProtocolError);
  });

  it('a protocol 3 frame is refused with the dedicated code, so the session names the version it speaks', () => {
    const v3 = encodeMessage(hello(new Uint8Array(16))).subarray(0, -16);
    v3[0] = 3;
    expect(() => decodeMessage(v3)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.UnsupportedVersion }));
  });

  it('cuts a long bye reason to 256 UTF-8 bytes at a character, keeping short ones whole', () => {
    const reason = `not admitted: ${'☃'.repeat(200)}`;
    const m = decodeMessage(encodeMessage({ type: 'bye', reason }));
    expect(m.type === MessageType.Bye && new TextEncoder().encode(m.reason).length).toBeLessThanOrEqual(256);
    expect(m.type === MessageType.Bye && reason.startsWith(m.reason) && m.reason.length > 64).toBe(true);
    const short = 'not admitted: the invitation expired 2 hours ago; ask a member for a new one';
    expect(decodeMessage(encodeMessage({ type: 'bye', reason: short }))).toEqual({ type: 'bye', reason: short });
  });
});
