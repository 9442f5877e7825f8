import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { MAX_LATTICE_NAME_LENGTH } from '../../../../src/core/lattice-name';
import {
  decodeMessage,
  encodeMessage,
  MAX_SYNC_FRAME_BYTES,
  MAX_WANT_IDS,
  MessageType,
  ProtocolError,
  ProtocolErrorCode,
  SyncEncodeError,
  SYNC_PROTOCOL_VERSION,
  type SyncMessage,
} from '../../../../src/core/sync';
import { encodeVersions } from '../../../../src/core/wire';

const id16 = (n: number): Uint8Array => new Uint8Array(16).fill(n);
const batch = encodeVersions([
  {
    entity: 'e1' as never,
    kind: 'threat' as never,
    value: { level: 'HIGH' },
    ts: { ms: 5, c: 0, node: 'a' as NodeId },
    seen: [],
  },
]);

export const samples: SyncMessage[] = [
  {
    type: 'hello',
    protocol: SYNC_PROTOCOL_VERSION,
    node: 'node_A-1' as NodeId,
    lattice: 'alpha',
    time: 1_700_000_000_123,
    items: 12345,
    newest: 1_700_000_000_000,
    key: new Uint8Array(32).map((_, i) => i * 7),
    nonce: new Uint8Array(16).map((_, i) => 255 - i),
  },
  { type: 'proof', sig: new Uint8Array(64).map((_, i) => i * 3) },
  { type: 'proof', sig: new Uint8Array(64).fill(9), invitation: 'AQAAAAB_-invite' },
  { type: 'keys', keys: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)] },
  { type: 'reconcile', session: 7, phase: 'open', payload: new Uint8Array([1, 2, 3]) },
  { type: 'reconcile', session: 0xffff_ffff, phase: 'reply', payload: new Uint8Array([1]) },
  { type: 'reconcile', session: 9, phase: 'done', payload: new Uint8Array(0) },
  { type: 'reconcile', session: 9, phase: 'abort', payload: new Uint8Array(0) },
  { type: 'reconcile', session: 0, phase: 'request', payload: new Uint8Array(0) },
  { type: 'want', request: 3, graft: false, ids: [id16(1), id16(2)] },
  { type: 'want', request: 4, graft: true, ids: [id16(3)] },
  { type: 'ihave', ids: [id16(4), id16(5)] },
  { type: 'prune' },
  { type: 'versions', live: true, completes: 0, batch },
  { type: 'versions', live: false, completes: 42, batch },
  { type: 'versions', live: false, completes: 42, batch: new Uint8Array(0) },
  { type: 'ping', time: 123 },
  { type: 'pong', echo: 123, time: 456 },
  { type: 'bye', reason: 'different lattice: we are ☃' },
  { type: 'part', total: 5000, offset: 0, chunk: new Uint8Array([2, 3, 5]) },
  { type: 'part', total: 300_000 - 38_880, offset: 261_119, chunk: new Uint8Array([7]) },
];

function expectProtocolErrorOrMessage(frame: Uint8Array): void {
  try {
    const m = decodeMessage(frame);
    // A message that decodes must survive a round trip unchanged.
    expect(decodeMessage(encodeMessage(m))).toEqual(m);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
  }
}

describe('sync codec', () => {
  it('round-trips every message type, byte 0 = protocol version, byte 1 = type', () => {
    for (const m of samples) {
      const frame = encodeMessage(m);
      expect(frame[0]).toBe(SYNC_PROTOCOL_VERSION);
      expect(decodeMessage(frame)).toEqual(m);
    }
  });

  it('is compact', () => {
    expect(encodeMessage({ type: 'ping', time: 1_700_000_000_000 }).length).toBe(8);
    expect(encodeMessage({ type: 'prune' }).length).toBe(2);
    expect(encodeMessage({ type: 'reconcile', session: 1, phase: 'done', payload: new Uint8Array(0) }).length).toBe(4);
    const hello = samples[0]!;
    // 32 of it the sender's public key (protocol 3), 16 its nonce (protocol 4).
    expect(encodeMessage(hello).length).toBeLessThan(40 + 32 + 16);
    // The signature and a flags byte; an invitation adds its length and text.
    expect(encodeMessage({ type: 'proof', sig: new Uint8Array(64) }).length).toBe(2 + 1 + 64);
    expect(encodeMessage({ type: 'proof', sig: new Uint8Array(64), invitation: 'x'.repeat(100) }).length).toBe(
      2 + 1 + 64 + 1 + 100,
    );
  });

  it('refuses another protocol version with a dedicated code', () => {
    const frame = encodeMessage(samples[10]!);
    frame[0] = SYNC_PROTOCOL_VERSION + 1;
    expect(() => decodeMessage(frame)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.UnsupportedVersion }));
  });

  it('validates fields at the boundary', () => {
    const bad: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['header only of an unknown type', new Uint8Array([SYNC_PROTOCOL_VERSION, 99])],
      ['ping without time', new Uint8Array([SYNC_PROTOCOL_VERSION, 5])],
      ['trailing bytes', new Uint8Array([...encodeMessage({ type: 'ping', time: 1 }), 0])],
      ['want of 0 ids', new Uint8Array([SYNC_PROTOCOL_VERSION, 3, 1, 0, 0])],
      ['want with too few bytes', new Uint8Array([SYNC_PROTOCOL_VERSION, 3, 1, 0, 2, ...id16(1)])],
      ['want request 0', new Uint8Array([SYNC_PROTOCOL_VERSION, 3, 0, 0, 1, ...id16(1)])],
      ['want unknown flags', new Uint8Array([SYNC_PROTOCOL_VERSION, 3, 1, 2, 1, ...id16(1)])],
      ['ihave of 0 ids', new Uint8Array([SYNC_PROTOCOL_VERSION, 8, 0])],
      ['prune with a body', new Uint8Array([SYNC_PROTOCOL_VERSION, 9, 0])],
      ['reconcile open without payload', new Uint8Array([SYNC_PROTOCOL_VERSION, 2, 1, 0])],
      ['reconcile done with payload', new Uint8Array([SYNC_PROTOCOL_VERSION, 2, 1, 3, 9])],
      ['reconcile session 0', new Uint8Array([SYNC_PROTOCOL_VERSION, 2, 0, 0, 9])],
      ['reconcile unknown phase', new Uint8Array([SYNC_PROTOCOL_VERSION, 2, 1, 6])],
      ['reconcile session over 32 bits', new Uint8Array([SYNC_PROTOCOL_VERSION, 2, 0x80, 0x80, 0x80, 0x80, 0x10, 3])],
      ['versions unknown flags', new Uint8Array([SYNC_PROTOCOL_VERSION, 4, 4, 1, 0])],
      ['versions empty batch', new Uint8Array([SYNC_PROTOCOL_VERSION, 4, 1])],
      ['hello empty node id', new Uint8Array([SYNC_PROTOCOL_VERSION, 1, 0])],
      ['hello bad node id', new Uint8Array([SYNC_PROTOCOL_VERSION, 1, 1, 0x21, 1, 0x61, 0, 0, 0])],
      ['hello empty lattice', new Uint8Array([SYNC_PROTOCOL_VERSION, 1, 1, 0x61, 0, 0, 0, 0])],
      [
        'hello lattice starting with a dash',
        new Uint8Array([SYNC_PROTOCOL_VERSION, 1, 1, 0x61, 2, 0x2d, 0x61, 0, 0, 0]),
      ],
      ['hello lattice with a slash', new Uint8Array([SYNC_PROTOCOL_VERSION, 1, 1, 0x61, 2, 0x61, 0x2f, 0, 0, 0])],
      ['bye invalid utf-8', new Uint8Array([SYNC_PROTOCOL_VERSION, 7, 1, 0xff])],
      ['varint over 2^53', new Uint8Array([SYNC_PROTOCOL_VERSION, 5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])],
      ['non-canonical varint', new Uint8Array([SYNC_PROTOCOL_VERSION, 5, 0x80, 0x00])],
    ];
    for (const [what, frame] of bad) {
      expect(() => decodeMessage(frame), what).toThrow(ProtocolError);
    }
  });

  it('enforces the size limits', () => {
    const big = new Uint8Array(MAX_SYNC_FRAME_BYTES + 1);
    big[0] = SYNC_PROTOCOL_VERSION;
    big[1] = 2;
    expect(() => decodeMessage(big)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.Oversize }));
    const ids = Array.from({ length: MAX_WANT_IDS + 1 }, (_, i) => id16(i & 0xff));
    // What we cannot encode is our own error, never a ProtocolError (that would count against the peer).
    expect(() => encodeMessage({ type: 'want', request: 1, graft: false, ids })).toThrow(SyncEncodeError);
    expect(() => encodeMessage({ type: 'ihave', ids })).toThrow(SyncEncodeError);
    expect(decodeMessage(encodeMessage({ type: 'want', request: 1, graft: false, ids: ids.slice(1) })).type).toBe(
      'want',
    );
    const w = new Uint8Array([SYNC_PROTOCOL_VERSION, 3, 1, 0, 0x81, 0x20]); // 4097 ids
    expect(() => decodeMessage(w)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.Oversize }));
    expect(() =>
      encodeMessage({ type: 'versions', live: true, completes: 0, batch: new Uint8Array(MAX_SYNC_FRAME_BYTES) }),
    ).toThrow(SyncEncodeError);
  });

  it('sends and accepts only lattice names signaling accepts (core/lattice-name.ts)', () => {
    const hello = samples[0] as Extract<SyncMessage, { type: 'hello' }>;
    const longest = 'a'.repeat(MAX_LATTICE_NAME_LENGTH);
    expect(decodeMessage(encodeMessage({ ...hello, lattice: longest }))).toEqual({ ...hello, lattice: longest });
    for (const lattice of ['', '-a', '../etc', 'a'.repeat(MAX_LATTICE_NAME_LENGTH + 1), 'é']) {
      expect(() => encodeMessage({ ...hello, lattice }), lattice).toThrow(SyncEncodeError);
    }
  });

  it('caps bye reasons', () => {
    const m = decodeMessage(encodeMessage({ type: 'bye', reason: 'x'.repeat(10_000) }));
    expect(m.type === MessageType.Bye && m.reason.length).toBeLessThanOrEqual(256);
  });
});

describe('sync codec fuzz: only a valid message or a ProtocolError', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => expectProtocolErrorOrMessage(bytes)),
      { numRuns: 1500 },
    );
  });

  it('random bytes behind a valid header', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.uint8Array({ maxLength: 200 }), (type, rest) =>
        expectProtocolErrorOrMessage(new Uint8Array([SYNC_PROTOCOL_VERSION, type, ...rest])),
      ),
      { numRuns: 1500 },
    );
  });

  it('truncations and bit flips of valid frames', () => {
    const frames = samples.map((m) => encodeMessage(m));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: frames.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        (which, pos, bit, truncate) => {
          const frame = frames[which]!.slice();
          if (truncate) return expectProtocolErrorOrMessage(frame.subarray(0, pos % frame.length));
          frame[pos % frame.length]! ^= 1 << bit;
          expectProtocolErrorOrMessage(frame);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never throws anything but ProtocolError on non-arrays', () => {
    expect(() => decodeMessage('nope' as never)).toThrow(ProtocolError);
    expect(() => decodeMessage(null as never)).toThrow(ProtocolError);
  });
});
