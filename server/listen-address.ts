/** Where `npm start` listens (PORT, HOST), and what a failed listen means to the person who ran it. */

export interface ListenAddress {
  readonly port: number;
  readonly host: string;
}

/** PORT (default 8787, 0 picks a free port) and HOST (default 127.0.0.1); a bad PORT is a message. */
export function listenAddress(env: NodeJS.ProcessEnv): ListenAddress | string {
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return `PORT must be an integer 0-65535, got ${JSON.stringify(env.PORT)}`;
  }
  return { port, host: env.HOST ?? '127.0.0.1' };
}

/** One line for a listen error people meet (port taken, not allowed), or undefined for others. */
export function listenProblem(err: unknown, { port, host }: ListenAddress): string | undefined {
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  if (code === 'EADDRINUSE') return `port ${port} on ${host} is already in use; pick another with PORT=8788 npm start`;
  if (code === 'EACCES') return `not allowed to listen on ${host}:${port}; pick a port above 1024 with PORT=`;
  return undefined;
}
