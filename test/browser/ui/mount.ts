import '../../../src/ui/app-shell';
import type { AppShell } from '../../../src/ui/app-shell';
import { FakeClient } from './fake-client';

/** Mounts <lm-app> on a fake node and waits for its first picture. */
export async function mountApp(client = new FakeClient()): Promise<{ app: AppShell; client: FakeClient }> {
  const app = document.createElement('lm-app');
  app.client = client;
  document.body.append(app);
  await app.updateComplete;
  await client.settle();
  // The snapshot (list) and info answers land on later microtasks; one more render picks them up.
  await new Promise((r) => setTimeout(r, 0));
  await app.updateComplete;
  return { app, client };
}

export function unmountAll(): void {
  for (const el of document.querySelectorAll('lm-app')) el.remove();
}
