/** Listener signatures by event name, e.g. `{ message(frame: Uint8Array): void }`. */
export type EventMap<Events> = { [K in keyof Events]: (...args: never[]) => void };

/** Told of what a listener threw, and on which event. */
export type ListenerErrorHandler = (error: unknown, event: PropertyKey) => void;

/**
 * A small typed event emitter (no DOM EventTarget in the core): a component announces what
 * happened and whoever holds it subscribes, instead of being handed a host object to call back
 * into. Listeners run synchronously in subscription order. What one throws is caught and handed
 * to `onError`, and the other listeners still run: a failing subscriber must never break the
 * emitter's own work (a session handling a peer's frame, a store's write).
 */
export class Emitter<Events extends EventMap<Events>> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  constructor(private readonly onError: ListenerErrorHandler) {}

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof Events>(name: K, listener: Events[K]): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  }

  emit<K extends keyof Events>(name: K, ...args: Parameters<Events[K]>): void {
    const set = this.listeners.get(name);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<Events[K]>) => void)(...args);
      } catch (error) {
        this.onError(error, name);
      }
    }
  }

  /** Drops every listener (the component is done). */
  clear(): void {
    this.listeners.clear();
  }
}
