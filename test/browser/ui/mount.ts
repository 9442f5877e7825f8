import '../../../src/ui/app-shell';
import type { AppShell } from '../../../src/ui/app-shell';
import { openTestNode, type TestNode } from './test-node';

/** Mounts <lm-app> on a node (a fresh in-page one by default) and waits for its first picture. */
export async function mountApp(client?: TestNode): Promise<{ app: AppShell; client: TestNode }> {
  const c = client ?? (await openTestNode());
  const app = document.createElement('lm-app');
  app.client = c;
  document.body.append(app);
  await app.updateComplete;
  await c.settle();
  // The snapshot (list) and info answers land on later microtasks; one more render picks them up.
  await new Promise((r) => setTimeout(r, 0));
  await app.updateComplete;
  return { app, client: c };
}

export function unmountAll(): void {
  for (const el of document.querySelectorAll('lm-app')) el.remove();
}
