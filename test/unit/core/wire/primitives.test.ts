import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Encoder } from '../../../../src/core/bytes';
import { WireError } from '../../../../src/core/wire';
import { wireDecoder, wireEncodeFailure } from '../../../../src/core/wire/errors';
import { readNodeId, writeNodeId } from '../../../../src/core/wire/node-ids';
import { nodeId } from './arbitraries';

// Varints, zigzag, fixed-width numbers and strings: test/unit/core/bytes.
describe('wire primitives', () => {
  it('node ids pack into 6 bits per character', () => {
    fc.assert(
      fc.property(nodeId, (id) => {
        const w = new Encoder(1);
        writeNodeId(w, id);
        const r = wireDecoder(w.finish());
        expect(readNodeId(r)).toBe(id);
        expect(r.left).toBe(0);
      }),
    );
    const w = new Encoder();
    writeNodeId(w, 'A'.repeat(43) as never);
    expect(w.length).toBe(1 + 33);
  });

  it('the byte codec fails with WireError inside the wire codec', () => {
    expect(() => new Encoder(8, wireEncodeFailure).writeVarUint(-1)).toThrow(WireError);
    expect(() => new Encoder(8, wireEncodeFailure).writeVarUint(2 ** 53)).toThrow(WireError);
    expect(() => wireDecoder(new Uint8Array([0x80])).readVarUint()).toThrow(WireError);
    expect(() => wireDecoder(new Uint8Array([0x80])).readVarUint()).toThrow(/^wire: at byte 0: truncated varint/);
  });
});
