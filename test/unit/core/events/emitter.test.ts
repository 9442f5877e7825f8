import { describe, expect, it } from 'vitest';
import { Emitter } from '../../../../src/core/events/emitter';

interface Events {
  frame(bytes: Uint8Array): void;
  end(reason: string, code: number): void;
}

describe('Emitter', () => {
  it('calls the listeners of one event, in subscription order, with its arguments', () => {
    const e = new Emitter<Events>();
    const seen: string[] = [];
    e.on('end', (reason, code) => seen.push(`1:${reason}:${code}`));
    e.on('end', (reason) => seen.push(`2:${reason}`));
    e.on('frame', () => seen.push('frame'));
    e.emit('end', 'bye', 3);
    expect(seen).toEqual(['1:bye:3', '2:bye']);
  });

  it('stops calling a listener once unsubscribed, and after clear()', () => {
    const e = new Emitter<Events>();
    let n = 0;
    const off = e.on('frame', () => (n += 1));
    e.emit('frame', new Uint8Array(1));
    off();
    e.emit('frame', new Uint8Array(1));
    expect(n).toBe(1);
    e.on('frame', () => (n += 10));
    e.clear();
    e.emit('frame', new Uint8Array(1));
    expect(n).toBe(1);
  });

  it('runs the listeners present when the event was emitted, even if one unsubscribes another', () => {
    const e = new Emitter<Events>();
    const seen: number[] = [];
    let offSecond = (): void => undefined;
    e.on('end', () => {
      seen.push(1);
      offSecond();
      e.on('end', () => seen.push(3));
    });
    offSecond = e.on('end', () => seen.push(2));
    e.emit('end', 'x', 0);
    expect(seen).toEqual([1, 2]);
  });

  it('lets a listener error reach the emitter, as a direct call would', () => {
    const e = new Emitter<Events>();
    e.on('end', () => {
      throw new Error('listener failed');
    });
    expect(() => e.emit('end', 'x', 0)).toThrow('listener failed');
  });
});
