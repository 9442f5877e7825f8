/**
 * `npm start` builds before it serves; a taken port should say so before a minute of building, in
 * one line, with the way out. Exits 0 when HOST:PORT can be listened on.
 */
import { createServer } from 'node:net';

const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`lattice-mesh: PORT must be an integer 0-65535, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}
const probe = createServer();
probe.once('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EADDRINUSE') {
    console.error(`lattice-mesh: port ${port} on ${host} is already in use; pick another with PORT=8788 npm start`);
  } else console.error(`lattice-mesh: cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});
probe.listen(port, host, () => probe.close());
