import { sign } from 'node:crypto';
import { WebSocket } from 'ws';
import { proofMessage } from '../../../src/ports/signal-proof';
import { testIdentity, type TestIdentity } from '../support/test-keys';

export interface ConnectOptions {
  /** Send the signed announce once challenged (default true). */
  announce?: boolean;
  autoPong?: boolean;
  origin?: string;
  /** The local address to connect from (any 127.x.y.z on Linux): another "machine" for per-address limits. */
  localAddress?: string;
}

/**
 * A real `ws` client for the signaling tests: collects what it receives and waits for it. It is
 * the named test node (test-keys.ts): `id` is a real node id, and it answers the server's
 * challenge with that node's key unless told otherwise.
 */
export class TestClient {
  /** What the server forwarded (its challenge is kept apart, in `nonce`). */
  readonly received: unknown[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  readonly challenged: Promise<string>;
  readonly identity: TestIdentity;
  readonly id: string;

  constructor(
    readonly socket: WebSocket,
    readonly name: string,
    readonly lattice: string,
  ) {
    this.identity = testIdentity(name);
    this.id = this.identity.id;
    let challenged: (nonce: string) => void = () => undefined;
    this.challenged = new Promise((resolve) => (challenged = resolve));
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as Record<string, unknown>;
      if (message.type === 'challenge') challenged(message.nonce as string);
      else this.received.push(message);
      this.wake();
    });
    this.opened = new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code) => {
        this.closeCode = code;
        this.wake();
        resolve(code);
      }),
    );
  }

  static async connect(url: string, name: string, lattice: string, options: ConnectOptions = {}): Promise<TestClient> {
    const socket = new WebSocket(url, {
      autoPong: options.autoPong ?? true,
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    const client = new TestClient(socket, name, lattice);
    await client.opened;
    if (options.announce ?? true) await client.announce();
    return client;
  }

  /** Sends the announce that answers the challenge, signed by `by` (default: this node's own key). */
  async announce(by: TestIdentity = this.identity, data: Record<string, unknown> = {}): Promise<void> {
    // A socket the server refused at once (too many from its address) is never challenged.
    const nonce = await Promise.race([this.challenged, this.closed.then(() => undefined)]);
    if (nonce === undefined) return;
    const sig = sign(null, proofMessage(this.lattice, this.id as never, nonce), by.privateKey).toString('base64url');
    const key = Buffer.from(by.publicKey).toString('base64url');
    this.send({ type: 'announce', data: { incarnation: 'incarnation1', proof: { key, sig }, ...data } });
  }

  /** Sends a message from this client (`from` and `lattice` filled in unless given). */
  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify({ from: this.id, lattice: this.lattice, ...message }));
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** Resolves with the first received message matching `pred` (waiting up to `ms`). */
  async waitFor(pred: (m: Record<string, unknown>) => boolean, ms = 2000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.received.find((m) => pred(m as Record<string, unknown>));
      if (found !== undefined) return found as Record<string, unknown>;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.id}: no matching message in ${ms} ms; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
