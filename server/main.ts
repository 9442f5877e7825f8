import { fileURLToPath } from 'node:url';
import { createAppServer, DistMissingError } from './app-server';

/** `npm run serve`: the built PWA and WebSocket signaling (/signal) on one origin. PORT=0 picks a free port; DIST_DIR overrides dist/. */
const distDir = process.env.DIST_DIR ?? fileURLToPath(new URL('../dist', import.meta.url));
const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? '127.0.0.1';

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`lattice-mesh: PORT must be an integer 0-65535, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

try {
  const app = await createAppServer({ distDir, port, host });
  console.log(`lattice-mesh serving ${app.url}`);
  console.log(`lattice-mesh signaling at ${app.url.replace(/^http/, 'ws')}signal`);
  const stop = (signal: string): void => {
    console.log(`lattice-mesh: ${signal}, shutting down`);
    // A second signal while closing means "now".
    process.once(signal, () => process.exit(1));
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  if (err instanceof DistMissingError) console.error(`lattice-mesh: ${err.message}`);
  else if (isErrno(err, 'EADDRINUSE')) {
    console.error(`lattice-mesh: port ${port} on ${host} is already in use; pick another with PORT=8788 npm start`);
  } else if (isErrno(err, 'EACCES')) {
    console.error(`lattice-mesh: not allowed to listen on ${host}:${port}; pick a port above 1024 with PORT=`);
  } else console.error('lattice-mesh: could not start:', err);
  process.exit(1);
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
