import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { attachSignaling, type SignalingOptions, type SignalingServer } from './signaling';
import { renderMetrics } from './signaling-metrics';
import { createStaticHandler } from './static-handler';

export interface AppServerOptions {
  /** The `vite build` output folder. */
  readonly distDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  /**
   * Serve https (and wss) with this PEM certificate and key. Browsers give WebCrypto and service
   * workers only to secure contexts: localhost, or https; another device on the network needs https.
   */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** WebSocket signaling at /signal on the same origin (default on); `false` serves the app alone. */
  readonly signaling?: SignalingOptions | false;
}

export interface AppServer {
  /** The HTTP server; attach a WebSocket endpoint (e.g. `new WebSocketServer({ server, path: '/signal' })`) to share its origin. */
  readonly server: Server;
  /** The origin with a trailing slash, e.g. `http://127.0.0.1:8787/`. */
  readonly url: string;
  /** The signaling endpoint attached to `server`, unless disabled. */
  readonly signaling: SignalingServer | undefined;
  /** Stops listening and ends every open connection, upgraded ones included. */
  close(): Promise<void>;
}

/** dist/ is missing or holds no index.html: the app was never built. */
export class DistMissingError extends Error {
  override name = 'DistMissingError';
}

/** How long open requests may finish after close() before their sockets are cut. */
const CLOSE_GRACE_MS = 1000;

export async function createAppServer(options: AppServerOptions): Promise<AppServer> {
  const root = await distRoot(options.distDir);
  const serveStatic = createStaticHandler(root);
  // Attached after listen (see below); the handler reads it per request.
  const attached: { signaling?: SignalingServer } = {};
  // GET /metrics: the signaling server's counters (limits hit, drops, closes) for an operator or a scraper.
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const signaling = attached.signaling;
    if (signaling !== undefined && req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
      res.end(renderMetrics(signaling.stats()));
      return;
    }
    serveStatic(req, res);
  };
  const server: Server = options.tls === undefined ? createServer(handler) : createTlsServer(options.tls, handler);
  // Tracked so close() also ends keep-alive and upgraded (WebSocket) sockets, which server.close() waits for.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Listen first: a WebSocket server attached before a failed listen re-emits the error unhandled.
  await listen(server, options.port, options.host);
  const signaling = options.signaling === false ? undefined : attachSignaling(server, options.signaling);
  if (signaling !== undefined) attached.signaling = signaling;
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    server,
    url: `${options.tls === undefined ? 'http' : 'https'}://${host}:${port}/`,
    signaling,
    close: () => (closing ??= Promise.all([signaling?.close(), shutdown(server, sockets)]).then(() => undefined)),
  };
}

async function distRoot(distDir: string): Promise<string> {
  const dir = resolve(distDir);
  try {
    const index = await stat(join(dir, 'index.html'));
    if (!index.isFile()) throw new Error('not a file');
    return await realpath(dir);
  } catch {
    throw new DistMissingError(`${dir} has no built app (index.html is missing): run \`npm run build\` first.`);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function shutdown(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      for (const s of sockets) s.destroy();
    }, CLOSE_GRACE_MS);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
