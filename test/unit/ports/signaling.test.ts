import { describe, expect, it } from 'vitest';
import { MAX_SIGNAL_BYTES, parseSignal } from '../../../src/ports/signaling';

const base = { from: 'nodeA', lattice: 'alpha' };

describe('parseSignal', () => {
  it.each([
    { type: 'announce', ...base, data: { incarnation: 'abcdefgh12' } },
    { type: 'announce', ...base, to: 'nodeB', data: { incarnation: 'abcdefgh12' } },
    { type: 'announce', ...base, data: { incarnation: 'abcdefgh12', links: 3 } },
    {
      type: 'announce',
      ...base,
      data: { incarnation: 'abcdefgh12', proof: { key: `${'k'.repeat(42)}A`, sig: `${'s'.repeat(85)}w` } },
    },
    { type: 'offer', ...base, to: 'nodeB', data: { session: 'session01', sdp: 'v=0' } },
    { type: 'answer', ...base, to: 'nodeB', data: { session: 'session01', sdp: 'v=0' } },
    {
      type: 'candidate',
      ...base,
      to: 'nodeB',
      data: {
        session: 'session01',
        candidate: 'candidate:1 1 udp 1 x.local 5000 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    },
    {
      type: 'candidate',
      ...base,
      to: 'nodeB',
      data: { session: 'session01', candidate: '', sdpMid: null, sdpMLineIndex: null },
    },
    { type: 'bye', ...base, data: { reason: 'left' } },
    { type: 'bye', ...base, to: 'nodeB', data: { reason: 'refused', session: 'session01' } },
  ])('accepts a well-formed $type', (message) => {
    const parsed = parseSignal(JSON.stringify(message));
    expect(parsed).toEqual({ ok: true, signal: message });
    expect(parseSignal(message)).toEqual({ ok: true, signal: message });
  });

  it.each([
    ['no signature', { key: `${'k'.repeat(42)}A` }],
    ['a 33-byte key', { key: 'k'.repeat(44), sig: `${'s'.repeat(85)}w` }],
    ['non-canonical base64url', { key: `${'k'.repeat(42)}B`, sig: `${'s'.repeat(85)}w` }],
    ['a short signature', { key: `${'k'.repeat(42)}A`, sig: 's'.repeat(80) }],
    ['padding', { key: `${'k'.repeat(42)}A=`, sig: `${'s'.repeat(85)}w` }],
  ])('refuses an announce proof with %s', (_label, proof) => {
    expect(parseSignal({ type: 'announce', ...base, data: { incarnation: 'abcdefgh12', proof } })).toEqual({
      ok: false,
      reason: 'bad-proof',
    });
  });

  it('keeps only the known fields', () => {
    const parsed = parseSignal({ type: 'bye', ...base, extra: 'x', data: { reason: 'left', junk: { deep: 1 } } });
    expect(parsed).toEqual({ ok: true, signal: { type: 'bye', ...base, data: { reason: 'left' } } });
  });

  it.each([
    ['not-json', '{'],
    ['not-object', '[1,2]'],
    ['bad-from', { type: 'bye', from: 'no spaces allowed', lattice: 'alpha', data: { reason: 'left' } }],
    ['bad-from', { type: 'bye', from: 'x'.repeat(65), lattice: 'alpha', data: { reason: 'left' } }],
    ['bad-lattice', { type: 'bye', from: 'nodeA', lattice: '../etc', data: { reason: 'left' } }],
    ['bad-to', { type: 'bye', ...base, to: 7, data: { reason: 'left' } }],
    ['bad-data', { type: 'bye', ...base, data: { reason: 'because' } }],
    ['bad-data', { type: 'bye', ...base }],
    ['bad-type', { type: 'hello', ...base, data: {} }],
    ['missing-to', { type: 'offer', ...base, data: { session: 'session01', sdp: 'v=0' } }],
    ['bad-data', { type: 'offer', ...base, to: 'nodeB', data: { session: 'short', sdp: 'v=0' } }],
    ['bad-data', { type: 'offer', ...base, to: 'nodeB', data: { session: 'session01', sdp: '' } }],
    ['bad-data', { type: 'announce', ...base, data: {} }],
    ['bad-data', { type: 'announce', ...base, data: { incarnation: 'abcdefgh12', links: -1 } }],
    ['bad-data', { type: 'announce', ...base, data: { incarnation: 'abcdefgh12', links: 1.5 } }],
    [
      'bad-data',
      {
        type: 'candidate',
        ...base,
        to: 'nodeB',
        data: { session: 'session01', candidate: 'c', sdpMid: 0, sdpMLineIndex: 0 },
      },
    ],
    [
      'bad-data',
      {
        type: 'candidate',
        ...base,
        to: 'nodeB',
        data: { session: 'session01', candidate: 'c', sdpMid: '0', sdpMLineIndex: -1 },
      },
    ],
  ])('refuses %s: %j', (reason, message) => {
    const input = typeof message === 'string' ? message : JSON.stringify(message);
    expect(parseSignal(input)).toEqual({ ok: false, reason });
  });

  it('refuses oversized messages before parsing them', () => {
    const huge = {
      type: 'offer',
      ...base,
      to: 'nodeB',
      data: { session: 'session01', sdp: 'x'.repeat(MAX_SIGNAL_BYTES) },
    };
    expect(parseSignal(JSON.stringify(huge))).toEqual({ ok: false, reason: 'too-large' });
    expect(parseSignal(huge)).toEqual({ ok: false, reason: 'too-large' });
  });

  it('never throws on hostile input', () => {
    const nasty: unknown[] = [
      null,
      undefined,
      42,
      'null',
      '"x"',
      { __proto__: { type: 'bye' } },
      Symbol.iterator,
      () => 1,
    ];
    const cyclic: Record<string, unknown> = { type: 'bye', ...base };
    cyclic.data = cyclic;
    nasty.push(cyclic);
    for (const x of nasty) expect(parseSignal(x).ok).toBe(false);
  });
});
