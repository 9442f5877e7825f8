import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createAppServer, DistMissingError } from './app-server';
import { listenAddress, listenProblem } from './listen-address';

/**
 * `npm run serve`: the built PWA and WebSocket signaling (/signal) on one origin. PORT=0 picks a
 * free port; DIST_DIR overrides dist/; HOST=0.0.0.0 listens on every interface; TLS_CERT and
 * TLS_KEY (PEM files) serve https, which other devices need (browsers give WebCrypto and service
 * workers only to localhost and https pages).
 */
const distDir = process.env.DIST_DIR ?? fileURLToPath(new URL('../dist', import.meta.url));
const address = listenAddress(process.env);
if (typeof address === 'string') {
  console.error(`lattice-mesh: ${address}`);
  process.exit(1);
}
const { port, host } = address;

const certFile = process.env.TLS_CERT;
const keyFile = process.env.TLS_KEY;
if ((certFile === undefined) !== (keyFile === undefined)) {
  console.error('lattice-mesh: set both TLS_CERT and TLS_KEY (PEM files) to serve https, or neither');
  process.exit(1);
}
let tls: { cert: Buffer; key: Buffer } | undefined;
try {
  tls = certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : undefined;
} catch (err) {
  console.error(`lattice-mesh: cannot read TLS_CERT/TLS_KEY: ${(err as Error).message}`);
  process.exit(1);
}

try {
  const app = await createAppServer({ distDir, port, host, ...(tls ? { tls } : {}) });
  console.log(`lattice-mesh serving ${app.url}`);
  console.log(`lattice-mesh signaling at ${app.url.replace(/^http/, 'ws')}signal`);
  if (host === '0.0.0.0' || host === '::') {
    const scheme = tls ? 'https' : 'http';
    const actual = new URL(app.url).port;
    for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) {
        if (a.family === 'IPv4' && !a.internal)
          console.log(`lattice-mesh on the network at ${scheme}://${a.address}:${actual}/`);
      }
    }
    if (!tls) console.log('lattice-mesh: other devices need https (TLS_CERT, TLS_KEY) for WebCrypto and offline use');
  }
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
  else {
    const problem = listenProblem(err, address);
    if (problem !== undefined) console.error(`lattice-mesh: ${problem}`);
    else console.error('lattice-mesh: could not start:', err);
  }
  process.exit(1);
}
