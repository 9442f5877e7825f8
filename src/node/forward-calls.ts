import { NODE_CALLS, type NodeCallName, type NodeCalls } from './node-api';

type AnyCall = (...args: unknown[]) => Promise<unknown>;

/**
 * An object with every node call forwarded to whatever `target` resolves to, so neither the worker
 * nor the page lists the calls one by one. `target` runs per call and sees it (e.g. waits for the
 * node to start, throws if it has not, or records the call); a throw becomes the call's rejection.
 */
export function forwardCalls(
  target: (name: NodeCallName, args: readonly unknown[]) => NodeCalls | Promise<NodeCalls>,
): NodeCalls {
  const calls: Partial<Record<NodeCallName, AnyCall>> = {};
  for (const name of NODE_CALLS) {
    calls[name] = async (...args) => {
      const to = await target(name, args);
      return Reflect.apply(to[name], to, args) as Promise<unknown>;
    };
  }
  // Every name of NodeCalls is set above; the signatures are NodeCalls' own.
  return calls as NodeCalls;
}
