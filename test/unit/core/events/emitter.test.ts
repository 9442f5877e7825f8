import { describe, expect, it } from 'vitest';
import { Emitter } from '../../../../src/core/events/emitter';

interface Events {
  frame(bytes: Uint8Array): void;
  end(reason: string, code: number): void;
}

const unexpected = (error: unknown): never => {
  throw error;
};

describe('Emitter', () => {
  it('calls the listeners of one event, in subscription order, with its arguments', () => {
    const e = new Emitter<Events>(unexpected);
    const seen: string[] = [];
    e.on('end', (reason, code) => seen.push(`1:${reason}:${code}`));
    e.on('end', (reason) => seen.push(`2:${reason}`));
    e.on('frame', () => seen.push('frame'));
    e.emit('end', 'bye', 3);
    expect(seen).toEqual(['1:bye:3', '2:bye']);
  });

  it('stops calling a listener once unsubscribed, and after clear()', () => {
    const e = new Emitter<Events>(unexpected);
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
    const e = new Emitter<Events>(unexpected);
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

  it('catches what a listener throws, reports it with the event, and still runs the others', () => {
    const errors: [unknown, PropertyKey][] = [];
    const e = new Emitter<Events>((error, event) => errors.push([error, event]));
    const seen: number[] = [];
    e.on('end', () => {
      throw new Error('listener failed');
    });
    e.on('end', () => seen.push(2));
    expect(() => e.emit('end', 'x', 0)).not.toThrow();
    expect(seen).toEqual([2]);
    expect(errors).toEqual([[new Error('listener failed'), 'end']]);
  });
});
