import { WebSocket } from 'ws';

/** A real `ws` client for the signaling tests: collects what it receives and waits for it. */
export class TestClient {
  readonly received: unknown[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;

  constructor(
    readonly socket: WebSocket,
    readonly id: string,
    readonly lattice: string,
  ) {
    socket.on('message', (raw) => {
      this.received.push(JSON.parse(String(raw)));
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

  static async connect(
    url: string,
    id: string,
    lattice: string,
    options: { announce?: boolean; autoPong?: boolean; origin?: string } = {},
  ): Promise<TestClient> {
    const socket = new WebSocket(url, {
      autoPong: options.autoPong ?? true,
      ...(options.origin === undefined ? {} : { origin: options.origin }),
    });
    const client = new TestClient(socket, id, lattice);
    await client.opened;
    if (options.announce ?? true) client.send({ type: 'announce', data: { incarnation: 'incarnation1' } });
    return client;
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
